/**
 * `terminate` end to end with real processes: the first mate, holding the
 * conn, calls the tool over the real socket; the runtime closes the pane
 * and ends what is left of its process tree (SIGHUP → SIGTERM → SIGKILL).
 * The worker is shaped like Gemini CLI 0.61: a Node wrapper that starts a
 * Node child, both catching SIGHUP, so closing the window alone leaves both
 * running. Only the tool's public behaviour is asserted: its reply, the
 * processes on this machine, the captain's log and the alerts.
 */
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PaneId, PaneProcess, ProcessPort } from "@first-mate/core";
import { createProcessDriver, createProcessTableReader } from "@first-mate/driver-tmux";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CONN_GATED_TOOLS } from "../src/channelTools.js";
import { eventually, resultText } from "./support/channelFixture.js";
import { type ConnFixture, FIRST_MATE_TOKEN, startConnFixture } from "./support/connFixture.js";
import { writePidFile } from "./support/pidFile.js";

/** A short ladder: the same three rungs as the default, with test-sized grace periods. */
const LADDER = [
  { signal: "SIGHUP", graceMs: 400 },
  { signal: "SIGTERM", graceMs: 800 },
  { signal: "SIGKILL", graceMs: 800 },
] as const;

let dir: string;
let fixture: ConnFixture | null = null;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fm-terminate-"));
  const child = join(dir, "child.js");
  await writeFile(
    child,
    `process.on('SIGHUP', () => {}); ${writePidFile(join(dir, "pid-child"), "String(process.pid)")} setInterval(() => {}, 1e6);\n`,
  );
  const wrapper = join(dir, "gemini");
  await writeFile(
    wrapper,
    [
      "#!/usr/bin/env node",
      "process.on('SIGHUP', () => {});",
      `require('node:child_process').spawn(process.execPath, [${JSON.stringify(child)}], { stdio: 'inherit' });`,
      writePidFile(join(dir, "pid-wrapper"), "String(process.pid)"),
      "setInterval(() => {}, 1e6);",
    ].join("\n"),
  );
  await chmod(wrapper, 0o755);
});

afterEach(async () => {
  await fixture?.dispose();
  fixture = null;
  // Whatever a test did, no process it started outlives it.
  for (const pid of await pids()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone: what the tests want.
    }
  }
  await rm(dir, { recursive: true, force: true });
});

/** The pids the stand-in's wrapper and child wrote, once they are up. */
const pids = async (): Promise<number[]> => {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((file) => file.startsWith("pid-"));
  const read = await Promise.all(files.map(async (file) => Number(await readFile(join(dir, file), "utf8"))));
  // Never 0 (that would signal the test's own process group) or NaN.
  return read.filter((pid) => Number.isInteger(pid) && pid > 0);
};

const reader = createProcessTableReader();
/** Pids still running (a zombie has exited: it is gone). */
const living = async (candidates: readonly number[]) => {
  const alive: number[] = [];
  for (const pid of candidates) if ((await reader.startTimeOf(pid)) !== null) alive.push(pid);
  return alive;
};

/** The fixture's first mate over the real socket, holding the conn; and a Gemini-like worker in `fleet`. */
const firstMateWithWorker = async (processes: ProcessPort) => {
  fixture = await startConnFixture({ processes, endLadder: LADDER });
  const client = await fixture.connect({ pane: fixture.firstMatePane, token: FIRST_MATE_TOKEN });
  await eventually(() => fixture!.runtime.status().firstMateAttached);
  const handed = await fixture.runtime.authority.handOffConn({
    scope: { actions: [...CONN_GATED_TOOLS], targets: ["*"] },
    durationMs: 120_000,
  });
  expect(handed._tag).toBe("Right");
  const pane = (
    await fixture.tmuxCommand([
      "new-window",
      "-d",
      "-P",
      "-F",
      "#{pane_id}",
      "-t",
      "fleet:",
      "-n",
      "gemini-worker",
      `exec ${join(dir, "gemini")}`,
    ])
  ).trim() as PaneId;
  await eventually(async () => (await pids()).length === 2, 20);
  await fixture.waitForPane(pane, true);
  const started = await pids();
  expect(await living(started)).toHaveLength(2);
  return { client, pane, started };
};

const windows = async () =>
  (await fixture!.tmuxCommand(["list-windows", "-t", "=fleet:", "-F", "#{window_name}"])).split("\n").filter(Boolean);
const logText = () => fixture!.store.snapshot().log.map((entry) => entry.text);

describe("terminate ends the agent's processes, not only its window", () => {
  it("a wrapper and child that catch SIGHUP are ended by the ladder; none is left, and the log says how", async () => {
    const { client, pane, started } = await firstMateWithWorker(createProcessDriver());
    const terminated = await client.callTool({ name: "terminate", arguments: { pane } });
    expect(terminated.isError).toBeFalsy();
    expect(resultText(terminated)).toMatch(/^terminated /);
    expect(resultText(terminated)).not.toMatch(/survived/);
    expect(await windows()).not.toContain("gemini-worker");
    expect(await living(started)).toEqual([]);
    await fixture!.runtime.idle();
    expect(logText()).toContainEqual(
      expect.stringMatching(
        new RegExp(`^ended ${pane} \\(terminate\\): 2 processes recorded; SIGHUP→2 left, SIGTERM→0 left; none left$`),
      ),
    );
    expect(logText().filter((text) => text.startsWith("conn action:"))).toHaveLength(1);
  });

  it("a process that survives every signal raises one critical alert naming it, and the reply says so", async () => {
    // A process the kit cannot end (uninterruptible sleep, another user's): its signals are lost on the way.
    const stubborn = new Set<number>();
    const real = createProcessDriver();
    const processes: ProcessPort = {
      tree: real.tree,
      alive: real.alive,
      async signal(targets: readonly PaneProcess[], signal) {
        const signalled = await real.signal(
          targets.filter((target) => !stubborn.has(target.pid)),
          signal,
        );
        return [...signalled, ...targets.filter((target) => stubborn.has(target.pid))];
      },
    };
    const alerts: { code: string; level: string; message: string }[] = [];
    const { client, pane, started } = await firstMateWithWorker(processes);
    fixture!.runtime.subscribe((report) => {
      if (report.type === "alert") alerts.push(report);
    });
    const child = Number(await readFile(join(dir, "pid-child"), "utf8"));
    stubborn.add(child);
    const terminated = await client.callTool({ name: "terminate", arguments: { pane } });
    expect(terminated.isError).toBeFalsy();
    expect(resultText(terminated)).toMatch(/; 1 of its processes survived \(the human is alerted\)$/);
    expect(await living(started)).toEqual([child]);
    await fixture!.runtime.idle();
    const survived = alerts.filter((alert) => alert.code === "agent_survived");
    expect(survived).toHaveLength(1);
    expect(survived[0]).toMatchObject({ level: "critical" });
    expect(survived[0]?.message).toContain(`${child} ${process.execPath}`);
    expect(logText()).toContainEqual(
      expect.stringMatching(
        new RegExp(`^ended ${pane} \\(terminate\\): 2 processes recorded; .*SIGKILL→1 left; SURVIVED: ${child} `),
      ),
    );
  });
});
