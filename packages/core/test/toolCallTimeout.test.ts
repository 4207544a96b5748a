/**
 * Regression: a tool call whose effect never answered (a spawn whose tmux
 * command never returns) was never answered either — the first mate's call
 * hung until its client gave up, and the call held a pending slot forever.
 * Now it is answered once, with a typed timeout, after `toolCallTimeoutMs`;
 * the effect's late outcome is logged and not replied to again.
 */
import { describe, expect, it } from "vitest";
import type { Command } from "../src/commands.js";
import type { Event } from "../src/events.js";
import type { CoreState } from "../src/state.js";
import { step } from "../src/step.js";
import { startedWorld } from "./worldSupport.js";

const TIMEOUT_MS = 5_000;

describe("a tool call whose effect never answers", () => {
  it("is answered once with a typed timeout at its deadline; the late outcome is logged, not replied to", () => {
    const world = startedWorld(1, { toolCallTimeoutMs: TIMEOUT_MS });
    const firstMate = world.firstMatePaneId()!;
    const start = world.now();
    const all: Command[] = [];
    let state: CoreState = world.state();
    const run = (event: Event) => {
      const [next, commands] = step(state, event);
      state = next;
      all.push(...commands);
      return commands;
    };
    run({
      type: "ConnHandedOff",
      now: start,
      scope: { actions: ["spawn_worker"], targets: ["*"] },
      expiresAt: start + 600_000,
    });
    const called = run({
      type: "ToolCalled",
      now: start,
      requestId: "tool-1",
      paneId: firstMate,
      call: { tool: "spawn_worker", name: "helper", command: "cat" },
    });
    expect(called).toContainEqual(expect.objectContaining({ type: "tmux.spawnWorker", spawnId: "tool-1" }));
    // The core asks to be woken at the deadline, not only at the next tick.
    expect(called).toContainEqual({ type: "timer.wakeAt", at: start + TIMEOUT_MS });
    const replies = () => all.filter((command) => command.type === "tool.reply" && command.requestId === "tool-1");
    run({ type: "Ticked", now: start + TIMEOUT_MS - 1 });
    expect(replies()).toEqual([]);
    run({ type: "Ticked", now: start + TIMEOUT_MS });
    expect(replies()).toEqual([
      {
        type: "tool.reply",
        requestId: "tool-1",
        reply: { ok: false, error: expect.objectContaining({ _tag: "ToolTimedOut" }) },
      },
    ]);
    expect(state.tools.pending).toEqual({});
    expect(all).toContainEqual(
      expect.objectContaining({
        type: "store.appendLog",
        entry: expect.objectContaining({ text: expect.stringContaining("conn action TIMED OUT") }),
      }),
    );
    // The spawn answers after all: logged as a late outcome, no second reply.
    const late = run({
      type: "DeferredSpawnSettled",
      now: start + TIMEOUT_MS + 1_000,
      spawnId: "tool-1",
      paneId: "%9",
      reason: null,
    });
    expect(replies()).toHaveLength(1);
    expect(late).toContainEqual(
      expect.objectContaining({
        type: "store.appendLog",
        entry: expect.objectContaining({
          text: "late outcome of tool call tool-1 (answered as timed out): the worker started in %9",
        }),
      }),
    );
    expect(state.tools.timedOut).toEqual([]);
  });

  it("a call answered in time is not timed out later", () => {
    const world = startedWorld(1, { toolCallTimeoutMs: TIMEOUT_MS });
    const firstMate = world.firstMatePaneId()!;
    const worker = world.tmux.listSync().find((pane) => pane.paneId !== firstMate)!.paneId;
    const start = world.now();
    let [state, commands] = step(world.state(), {
      type: "ToolCalled",
      now: start,
      requestId: "tool-1",
      paneId: firstMate,
      call: { tool: "peek", pane: worker as never, lines: 10 },
    });
    expect(commands).toContainEqual(expect.objectContaining({ type: "tmux.capture", requestId: "tool-1" }));
    [state] = step(state, {
      type: "ScreenCaptured",
      now: start + 10,
      paneId: worker as never,
      text: "ok",
      requestId: "tool-1",
    });
    [state, commands] = step(state, { type: "Ticked", now: start + TIMEOUT_MS });
    expect(commands.filter((command) => command.type === "tool.reply")).toEqual([]);
    expect(state.tools.timedOut).toEqual([]);
  });
});
