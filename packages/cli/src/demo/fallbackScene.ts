/**
 * The demo's last scene: a first mate whose channel is silently off, as for
 * a Claude Code session without channel access (no claude.ai login, another
 * provider, an org policy). The first host stops; a second one on the same
 * store, tmux server and socket starts a stand-in first mate that drops
 * every push. first-mate notices (no sign of a push within the confirmation
 * deadline), raises one alert, and types a one-line wake-up into the first
 * mate's pane; the first mate pulls `fleet_digest` and `inbox`.
 *
 * Guarantees: the second host is handed back to the caller as soon as it
 * exists, so the demo's cleanup stops it whatever happens here.
 */
import { endPane, type RuntimeReport } from "@first-mate/core/runtime";
import { createProcessDriver, createTmuxDriver } from "@first-mate/driver-tmux";
import * as E from "fp-ts/lib/Either.js";
import type { HostConfig } from "../host/hostConfig.js";
import { nodeScriptArgv } from "../host/nodeScript.js";
import { type Host, startHost } from "../host/startHost.js";
import type { WorkerScript } from "../standIn/standInWorker.js";
import type { Timeline } from "./timeline.js";

/** A worker for the scene: it changes the picture, then needs the human (an interrupt the first mate pulls). */
const DOCS_WORKER_SCRIPT: WorkerScript = [
  { atMs: 300, title: "writing the release notes" },
  { atMs: 9_000, notify: { kind: "need_human", message: "may I publish the release notes?" } },
];

/**
 * The stopped host's first mate goes the way the kit ends every agent: its
 * process tree recorded, its pane closed, then what remains signalled
 * (SIGHUP → SIGTERM → SIGKILL). Closing the window alone leaves an agent
 * that catches SIGHUP running.
 */
const endPreviousFirstMate = async (socketName: string, timeline: Timeline): Promise<void> => {
  const tmux = createTmuxDriver({ socketName, processTable: "off" });
  try {
    const listed = await tmux.listPanes();
    const pane = E.isRight(listed)
      ? listed.right.find((candidate) => candidate.session === "bridge" && candidate.windowName === "first-mate")
      : undefined;
    if (pane === undefined) return;
    const { report } = await endPane(
      { tmux, processes: createProcessDriver() },
      { paneId: pane.paneId, pid: pane.pid },
    );
    const survivors = report.survivors.map((survivor) => `${survivor.pid} ${survivor.program}`).join(", ");
    timeline.note(
      `ended the first mate ${pane.paneId}: ${report.recorded} processes recorded${survivors === "" ? ", none left" : `; SURVIVED: ${survivors}`}`,
    );
  } finally {
    await tmux.close();
  }
};

/** How long the scene's host waits for a sign that a push was seen before it types wake-ups instead. */
export const FALLBACK_CONFIRM_MS = 4_000;

/** What the scene showed: wake-ups typed, and whether the first mate answered one by pulling. */
export interface FallbackResult {
  readonly wakeUps: number;
  readonly pulled: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Run the scene; `adopt` receives the scene's host at once (for cleanup). */
export const runFallbackScene = async (options: {
  readonly previous: Host;
  readonly config: HostConfig;
  readonly socketName: string;
  readonly journalPath: string;
  readonly timeline: Timeline;
  readonly pulledSince: (since: number) => boolean;
  readonly adopt: (host: Host) => void;
  readonly limitMs?: number;
}): Promise<FallbackResult> => {
  const { timeline } = options;
  timeline.note(
    "next scene: a first mate whose channel is off (like Claude Code without channel access): its session accepts every push and drops it",
  );
  await options.previous.stop();
  await endPreviousFirstMate(options.socketName, timeline);
  const began = Date.now();
  const started = await startHost({
    config: {
      ...options.config,
      agent: { kind: "stand-in", logFile: options.journalPath, ignoresChannel: true },
      core: { ...options.config.core, channelConfirmMs: FALLBACK_CONFIRM_MS },
    },
  });
  if (E.isLeft(started)) throw new Error(started.left.message);
  const host = started.right;
  options.adopt(host);
  const worker = await host.tmux.spawn({
    session: "fleet",
    window: "docs",
    argv: nodeScriptArgv("cli", "standIn/standInWorker"),
    cwd: options.config.cwd,
    env: { FIRST_MATE_SOCKET: host.socketPath, FIRST_MATE_WORKER_SCRIPT: JSON.stringify(DOCS_WORKER_SCRIPT) },
  });
  if (E.isRight(worker)) timeline.note(`worker docs started in ${worker.right.paneId}`);
  let wakeUps = 0;
  host.runtime.subscribe((report: RuntimeReport) => {
    timeline.report(report);
    if (report.type === "event" && report.event.type === "TextSent") wakeUps++;
  });
  const deadline = Date.now() + (options.limitMs ?? 40_000);
  while (!options.pulledSince(began) && Date.now() < deadline) await sleep(100);
  // The worker's interrupt comes a few seconds later: its own wake-up, pulled through inbox.
  const interruptBy = Date.now() + 12_000;
  while (wakeUps < 2 && Date.now() < interruptBy) await sleep(100);
  // Let an interrupt that arrives meanwhile show its own wake-up too.
  await sleep(2_000);
  await host.runtime.idle();
  return { wakeUps, pulled: options.pulledSince(began) };
};
