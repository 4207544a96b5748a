import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../src/config.js";
import { judgePaneEnd, processesToEnd } from "../../src/decisions/paneEnding.js";
import type { EndSignal, PaneProcess } from "../../src/domain/paneProcess.js";
import { EMPTY_HYDRATION } from "../../src/events.js";
import type { ProcessPort } from "../../src/ports/processPort.js";
import { endPane, runEndLadder } from "../../src/runtime/endPane.js";
import { type ExecutionPorts, executeCommand } from "../../src/runtime/executeCommand.js";
import { initialState } from "../../src/state.js";
import { step } from "../../src/step.js";
import { T0 } from "../../src/testing/arbitraries.js";
import { pid } from "../support.js";

const process = (id: number, sessionId: number, argv0: string): PaneProcess => ({
  pid: id,
  parentPid: id - 1,
  sessionId,
  startTime: `${id}00`,
  argv: [argv0],
});

/** A process table in memory: each process dies at the first signal it does not ignore. */
const fakeProcesses = (tree: PaneProcess[], ignores: Record<number, readonly EndSignal[]>) => {
  const living = new Set(tree.map((entry) => entry.pid));
  const sent: string[] = [];
  const port: ProcessPort = {
    tree: async (root) => E.right(tree.filter((entry) => living.has(entry.pid) && entry.pid >= root)),
    alive: async (processes) => processes.filter((entry) => living.has(entry.pid)),
    signal: async (processes, signal) => {
      const signalled = processes.filter((entry) => living.has(entry.pid));
      for (const entry of signalled) {
        sent.push(`${signal} ${entry.pid}`);
        if (!(ignores[entry.pid] ?? []).includes(signal)) living.delete(entry.pid);
      }
      return signalled;
    },
  };
  return { port, sent, living };
};

const noWait = async () => {};

describe("ending a pane's processes", () => {
  it("the pane's session is ended; a descendant in its own session (a daemon) is spared", () => {
    const tree = [process(10, 10, "node"), process(11, 10, "node"), process(12, 12, "codex")];
    expect(processesToEnd(tree)).toEqual({ end: tree.slice(0, 2), spared: [tree[2]] });
    expect(processesToEnd([])).toEqual({ end: [], spared: [] });
  });

  it("the ladder climbs only as far as needed: SIGHUP, then SIGTERM for what caught it, never SIGKILL", async () => {
    const tree = [process(10, 10, "node"), process(11, 10, "node")];
    const fake = fakeProcesses(tree, { 10: ["SIGHUP"], 11: ["SIGHUP"] });
    const ended = await runEndLadder(fake.port, tree, undefined, noWait);
    expect(fake.sent).toEqual(["SIGHUP 10", "SIGHUP 11", "SIGTERM 10", "SIGTERM 11"]);
    expect(ended).toEqual({
      steps: [
        { signal: "SIGHUP", signalled: 2, remaining: 2 },
        { signal: "SIGTERM", signalled: 2, remaining: 0 },
      ],
      survivors: [],
    });
  });

  it("endPane records the tree before the close, closes the pane, and reports what survived everything", async () => {
    const tree = [process(10, 10, "gemini"), process(11, 10, "node"), process(12, 12, "daemon")];
    const fake = fakeProcesses(tree, { 11: ["SIGHUP", "SIGTERM", "SIGKILL"] });
    const order: string[] = [];
    const recording: ProcessPort = {
      ...fake.port,
      tree: async (root) => {
        order.push("record");
        return fake.port.tree(root);
      },
    };
    const tmux = {
      kill: async () => {
        order.push("close");
        return E.right(undefined);
      },
    };
    const ended = await endPane({ tmux, processes: recording, sleep: noWait }, { paneId: pid(4), pid: 10 });
    expect(order).toEqual(["record", "close"]);
    expect(ended.report).toEqual({
      recorded: 2,
      spared: 1,
      unrecorded: null,
      steps: [
        { signal: "SIGHUP", signalled: 2, remaining: 1 },
        { signal: "SIGTERM", signalled: 1, remaining: 1 },
        { signal: "SIGKILL", signalled: 1, remaining: 1 },
      ],
      survivors: [{ pid: 11, program: "node" }],
    });
    expect(fake.living.has(12)).toBe(true);
  });

  it("every ending is logged by the kit; survivors raise one critical alert naming them", () => {
    const clean = judgePaneEnd(
      pid(4),
      "terminate",
      {
        recorded: 2,
        spared: 1,
        unrecorded: null,
        steps: [{ signal: "SIGHUP", signalled: 2, remaining: 0 }],
        survivors: [],
      },
      T0,
    );
    expect(clean).toEqual([
      {
        type: "store.appendLog",
        entry: {
          kind: "narrative",
          author: "kit",
          at: T0,
          text: "ended %4 (terminate): 2 processes recorded, 1 detached daemon left alone; SIGHUP→0 left; none left",
        },
      },
    ]);
    const survived = judgePaneEnd(
      pid(4),
      "stray first mate",
      {
        recorded: 1,
        spared: 0,
        unrecorded: null,
        steps: [{ signal: "SIGKILL", signalled: 1, remaining: 1 }],
        survivors: [{ pid: 11, program: "node" }],
      },
      T0,
    );
    expect(survived).toHaveLength(2);
    expect(survived[1]).toEqual({
      type: "alert.raise",
      level: "critical",
      code: "agent_survived",
      message: "%4 was closed but 1 of its processes survived SIGKILL: 11 node",
    });
  });

  it("a stray's tmux.kill with its pid comes back as PaneEnded, which step logs and alerts on", async () => {
    const tree = [process(10, 10, "claude"), process(11, 10, "node")];
    const fake = fakeProcesses(tree, { 11: ["SIGHUP", "SIGTERM", "SIGKILL"] });
    const ports = {
      tmux: { kill: async () => E.right(undefined) },
      processes: fake.port,
      endLadder: [{ signal: "SIGKILL", graceMs: 0 }],
      clock: { now: () => T0 },
    } as unknown as ExecutionPorts;
    const outcome = await executeCommand(
      { type: "tmux.kill", paneId: pid(7), pid: 10, reason: "stray first mate" },
      ports,
    );
    expect(outcome.kind).toBe("event");
    if (outcome.kind !== "event") return;
    expect(outcome.event).toMatchObject({
      type: "PaneEnded",
      paneId: "%7",
      reason: "stray first mate",
      report: { recorded: 2, survivors: [{ pid: 11, program: "node" }] },
    });
    const [started] = step(initialState(DEFAULT_CONFIG), {
      type: "Started",
      now: T0,
      owner: "host",
      hydration: EMPTY_HYDRATION,
    });
    const [, commands] = step(started, outcome.event);
    expect(commands.map((command) => command.type)).toEqual(["store.appendLog", "alert.raise"]);
    // Without the pid (or a process port) the pane is only closed, as before.
    const closed = await executeCommand({ type: "tmux.kill", paneId: pid(7) }, ports);
    expect(closed).toEqual({ kind: "done" });
  });
});
