/**
 * A stale first-mate spawn (its answer came after the host stopped waiting
 * for it: another attempt, a lost lease) is killed. The kill used to be a
 * bare `kill-pane`, because the spawn result carried no pid: an agent that
 * catches SIGHUP (Gemini CLI 0.61: a Node wrapper and a Node child) lived on
 * after its window. Real tmux on an isolated socket, real processes, the
 * core's own step and executor: the spawn result now carries the pane's pid,
 * and the kill walks the same ladder `terminate` does.
 */
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CONFIG, EMPTY_HYDRATION, type Event, initialState, step } from "@first-mate/core";
import { type ExecutionPorts, executeCommand, systemClock } from "@first-mate/core/runtime";
import { createFakeChannel, createFakeStore } from "@first-mate/core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createProcessDriver, createProcessTableReader, createTmuxDriver } from "../src/index.js";
import { startIsolatedTmuxServer } from "../src/testing/index.js";
import { writePidFile } from "./pidFile.js";
import { eventually } from "./tmuxTestServer.js";

/** The default ladder's rungs, with test-sized grace periods. */
const LADDER = [
  { signal: "SIGHUP", graceMs: 400 },
  { signal: "SIGTERM", graceMs: 2_000 },
  { signal: "SIGKILL", graceMs: 2_000 },
] as const;

let dir: string;
const cleanups: (() => Promise<unknown>)[] = [];

/** The pids the wrapper and its child wrote once they were up. */
const pids = async (): Promise<number[]> => {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((file) => file.startsWith("pid-"));
  const read = await Promise.all(files.map(async (file) => Number(await readFile(join(dir, file), "utf8"))));
  // Never 0 (that would signal the test's own process group) or NaN.
  return read.filter((pid) => Number.isInteger(pid) && pid > 0);
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fm-stale-spawn-"));
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
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  // Whatever a test did, no process it started outlives it.
  for (const pid of await pids()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone: what the test wants.
    }
  }
  await rm(dir, { recursive: true, force: true });
});

describe("a stale first-mate spawn is ended like terminate ends a worker", () => {
  it("stale spawn killed with tmux.kill without the process ladder: a stale spawn's wrapper and child that catch SIGHUP are ended, none left", async () => {
    const server = await startIsolatedTmuxServer({ label: "stale", keepalive: { session: "fleet" } });
    cleanups.push(() => server.stop());
    const tmux = createTmuxDriver(server.driverOptions);
    cleanups.push(() => tmux.close());
    const table = createProcessTableReader();
    cleanups.push(async () => table.close?.());
    const ports: ExecutionPorts = {
      tmux,
      processes: createProcessDriver(table),
      endLadder: LADDER,
      channel: createFakeChannel(),
      store: createFakeStore(),
      clock: systemClock,
      launcher: {
        prepare: async (input: { session: string; window: string }) => ({
          request: { session: input.session, window: input.window, argv: [join(dir, "gemini")] },
          tokenHash: "c".repeat(64),
        }),
      },
    };

    // A host that waits for no spawn (a restart, a lost lease) hears of one that tmux did make.
    const [host] = step(initialState(DEFAULT_CONFIG), {
      type: "Started",
      now: Date.now(),
      owner: "host",
      hydration: EMPTY_HYDRATION,
    });
    const spawned = await executeCommand(
      { type: "tmux.spawn", requestId: "spawn-from-before", session: "bridge", window: "first-mate", attempt: 1 },
      ports,
    );
    if (spawned.kind !== "event") throw new Error(`spawn: ${JSON.stringify(spawned)}`);
    const answer = spawned.event as Extract<Event, { type: "SpawnSucceeded" }>;
    expect(answer.type).toBe("SpawnSucceeded");
    expect(answer.panePid).toBeGreaterThan(0);
    const started = await eventually(async () => ((await pids()).length === 2 ? pids() : undefined), 30_000);

    const [, commands] = step(host, answer);
    const kills = commands.filter((command) => command.type === "tmux.kill");
    expect(kills).toEqual([{ type: "tmux.kill", paneId: answer.paneId, pid: answer.panePid, reason: "stale spawn" }]);
    const ended = await executeCommand(kills[0]!, ports);

    // The window is gone, and so is every process of its tree: SIGHUP left both, SIGTERM ended them.
    const listed = await tmux.listPanes();
    expect(listed._tag === "Right" && listed.right.some((pane) => pane.paneId === answer.paneId)).toBe(false);
    const living: number[] = [];
    for (const pid of started) if ((await table.startTimeOf(pid)) !== null) living.push(pid);
    expect(living).toEqual([]);
    expect(ended).toMatchObject({
      kind: "event",
      event: {
        type: "PaneEnded",
        paneId: answer.paneId,
        reason: "stale spawn",
        report: { recorded: 2, survivors: [] },
      },
    });
  });
});
