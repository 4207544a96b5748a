/**
 * The demo: first-mate supervising a small stand-in fleet on an isolated
 * tmux server, a temporary SQLite file and a private channel socket.
 *
 * It shows, as a timeline: the supervisor spawning the first mate, digests
 * pushed only on change, a need_human interrupt and its latency, the first
 * mate killed and respawned and its latency, and the captain's log
 * surviving the respawn, and last a first mate whose channel is off
 * answering typed wake-ups by pulling. It ends by itself with a summary and
 * removes everything it started, also on Ctrl-C.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command, Event, PaneId } from "@first-mate/core";
import type { RuntimeReport } from "@first-mate/core/runtime";
import { endTmuxServer } from "@first-mate/driver-tmux";
import * as E from "fp-ts/lib/Either.js";
import { parseHostConfig } from "../host/hostConfig.js";
import { nodeScriptArgv } from "../host/nodeScript.js";
import { type Host, startHost } from "../host/startHost.js";
import { RELIEF_WORKER_SCRIPT, runConnScene } from "./connScene.js";
import { DEMO_TIMINGS, DEMO_WORKERS } from "./demoFleet.js";
import { type DemoSummary, printSummary, summarise } from "./demoSummary.js";
import { runFallbackScene } from "./fallbackScene.js";
import { createTimeline } from "./timeline.js";

/**
 * How to run the demo: which agent plays the first mate, whether to print only the JSON summary, and where lines
 * go (default stdout).
 */
export interface DemoOptions {
  readonly agent: "stand-in" | "claude";
  readonly json: boolean;
  /** Total length of the demo, ms. */
  readonly durationMs?: number;
  readonly out?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `condition` holds, or after `limitMs` whatever it says. */
const waitUntil = async (condition: () => boolean, limitMs: number): Promise<void> => {
  const deadline = Date.now() + limitMs;
  while (!condition() && Date.now() < deadline) await sleep(100);
};

/**
 * Run the demo on an isolated tmux server, a temporary SQLite file and a private socket; resolves to its summary.
 * Everything it started is removed at the end, also on failure or Ctrl-C.
 */
export const runDemo = async (options: DemoOptions): Promise<DemoSummary> => {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const dir = mkdtempSync(join(tmpdir(), "first-mate-demo-"));
  const socketName = `first-mate-demo-${process.pid}`;
  const journal = join(dir, "first-mate.jsonl");
  const timeline = createTimeline(out, options.json);
  let host: Host | null = null;
  let cleaned = false;

  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await host?.stop();
    // Every pane's processes are recorded before the server goes, and ended after it: kill-server alone
    // leaves an agent that catches SIGHUP running.
    const ended = await endTmuxServer({ socketName }).catch((error: unknown) => ({
      panes: 0,
      recorded: 0,
      spared: 0,
      steps: [],
      survivors: [],
      unrecorded: String(error),
    }));
    timeline.note(
      `cleanup: ${ended.panes} panes closed, ${ended.recorded} processes recorded${ended.steps.length > 0 ? ` (${ended.steps.map((step) => `${step.signal}→${step.remaining} left`).join(", ")})` : ""}${ended.survivors.length > 0 ? `; SURVIVED: ${ended.survivors.map((survivor) => `${survivor.pid} ${survivor.program}`).join(", ")}` : ""}`,
    );
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = () => {
    timeline.note("interrupted: cleaning up");
    void cleanup().then(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    if (options.agent === "claude") {
      try {
        execFileSync("claude", ["--version"], { stdio: "ignore" });
      } catch {
        throw new Error(
          "--agent claude needs Claude Code (`claude`) on PATH; run without it for the stand-in first mate",
        );
      }
    }
    const parsed = parseHostConfig({
      tmux: { socketName },
      databasePath: join(dir, "first-mate.db"),
      socketPath: join(dir, "channel", "channel.sock"),
      stateDir: join(dir, "state"),
      cwd: dir,
      agent: options.agent === "claude" ? { kind: "claude" } : { kind: "stand-in", logFile: journal },
      core: DEMO_TIMINGS,
      // Workers the first mate spawns while it holds the conn (the conn scene).
      workers: {
        argv: nodeScriptArgv("cli", "standIn/standInWorker"),
        env: { FIRST_MATE_WORKER_SCRIPT: JSON.stringify(RELIEF_WORKER_SCRIPT) },
      },
    });
    if (!parsed.ok) throw new Error(parsed.errors.join("; "));
    timeline.note(`isolated tmux server -L ${socketName}; database, socket and prompts in ${dir}`);
    timeline.note("timings compressed for the demo: tick 1 s, at most one digest per 4 s, idle after 10 s");

    // Start the tmux server with the fleet session before the host observes it.
    execFileSync("tmux", ["-L", socketName, "-f", "/dev/null", "new-session", "-d", "-s", "fleet", "-n", "shell"]);
    const started = await startHost({ config: parsed.config });
    if (E.isLeft(started)) throw new Error(started.left.message);
    host = started.right;
    const reports: { report: RuntimeReport; at: number }[] = [];
    host.runtime.subscribe((report) => {
      reports.push({ report, at: Date.now() });
      timeline.report(report);
    });
    timeline.followJournal(journal);

    const workerArgv = nodeScriptArgv("cli", "standIn/standInWorker");
    for (const worker of DEMO_WORKERS) {
      const spawned = await host.tmux.spawn({
        session: "fleet",
        window: worker.window,
        argv: workerArgv,
        cwd: dir,
        env: { FIRST_MATE_SOCKET: host.socketPath, FIRST_MATE_WORKER_SCRIPT: JSON.stringify(worker.script) },
      });
      if (E.isLeft(spawned)) throw new Error(`worker ${worker.window}: ${spawned.left.message}`);
      timeline.note(
        `worker ${worker.window} started in ${spawned.right.paneId} (stand-in agent through the real shim)`,
      );
    }

    // Paced by what happens, not only by the clock, so a slow machine still
    // shows every scene: the kill waits for the first interrupt to arrive.
    const began = Date.now();
    const delivered = (prefix: string) =>
      reports.some(
        ({ report }) =>
          report.type === "event" && report.event.type === "EmitSucceeded" && report.event.emitId.startsWith(prefix),
      );
    await waitUntil(() => Date.now() - began >= 13_000 && delivered("interrupt-"), 60_000);
    const victim = host.runtime.status().firstMate?.paneId;
    // The conn scene plays with the respawned first mate, once it has attached.
    const connScene = runConnScene(host, timeline, { afterAttempt: host.runtime.status().firstMate?.attempt ?? 0 });
    let killedAt: number | null = null;
    if (victim) {
      timeline.note(`killing the first mate (${victim}) to show the respawn`);
      killedAt = Date.now();
      await host.tmux.kill(victim as PaneId);
    }
    const reattached = () =>
      killedAt !== null &&
      reports.some(
        ({ report, at }) =>
          at >= (killedAt ?? 0) &&
          report.type === "event" &&
          report.event.type === "ChannelAttached" &&
          report.event.firstMate,
      );
    await waitUntil(() => Date.now() - began >= (options.durationMs ?? 26_000) && reattached(), 60_000);
    await connScene;
    await host.runtime.idle();
    const readJournal = () =>
      existsSync(journal)
        ? readFileSync(journal, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [];
    const main = summarise(reports, readJournal(), killedAt);
    const fallback = await runFallbackScene({
      previous: host,
      config: parsed.config,
      socketName,
      journalPath: journal,
      timeline,
      pulledSince: (since) => readJournal().some((entry) => entry.type === "wake_up" && Number(entry.at) >= since),
      adopt: (next) => {
        host = next;
      },
    });
    const summary: DemoSummary = { ...main, fallbackWakeUps: fallback.wakeUps, fallbackPulled: fallback.pulled };
    timeline.flush();
    printSummary(summary, out, options.json);
    return summary;
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    await cleanup();
  }
};

export type { Command, Event };
