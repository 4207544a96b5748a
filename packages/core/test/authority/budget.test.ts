import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { authorize } from "../../src/authority/authorize.js";
import {
  DEFAULT_BUDGET_POLICY,
  heartbeatIntervalFor,
  postureLine,
  stewardSpawn,
} from "../../src/authority/budgetStewardship.js";
import { DEFERRED_SPAWN_CAP, type DeferredSpawn } from "../../src/authority/deferredSpawns.js";
import { DEFAULT_PROHIBITIONS } from "../../src/authority/prohibition.js";
import type { Command } from "../../src/commands.js";
import { cheapExpect } from "../cheapExpect.js";
import { T0 } from "../support.js";
import { heldConn, logTexts, MARKER, run, startedCore } from "./authoritySupport.js";

const RESET = T0 + 3_600_000;
const spawn = (id: string, name: string): DeferredSpawn => ({
  id,
  launch: { name, session: "fleet", argv: ["sleep", "60"], task: "write the docs" },
  requestedAt: T0,
  releaseAt: RESET,
});
const spawnsRun = (commands: readonly Command[]) =>
  commands.flatMap((command) => (command.type === "tmux.spawnWorker" ? [command.spawnId] : []));

describe("deferred spawns", () => {
  it("authorize defers a spawn at or above the high-water mark to the reset, and proposes when no reset is known", () => {
    const context = {
      now: T0,
      conn: heldConn(),
      budget: DEFAULT_BUDGET_POLICY,
      prohibitions: DEFAULT_PROHIBITIONS,
      firstMatePaneId: MARKER.paneId,
    };
    const action = { kind: "spawn_worker", target: { name: "helper" }, args: {} };
    expect(authorize(action, { ...context, usage: { percent: 84.9, resetsAt: RESET } })).toEqual({ decision: "allow" });
    expect(authorize(action, { ...context, usage: { percent: 85, resetsAt: RESET } })).toMatchObject({
      decision: "defer",
      until: RESET,
    });
    expect(authorize(action, { ...context, usage: { percent: 97, resetsAt: null } })).toMatchObject({
      decision: "propose",
      handBack: null,
    });
    // Terminating frees budget: never held back by it.
    expect(
      authorize(
        { kind: "terminate", target: { paneId: "%5" as never }, args: {} },
        { ...context, usage: { percent: 99, resetsAt: RESET } },
      ),
    ).toEqual({ decision: "allow" });
  });

  it("a deferred spawn waits through ticks and is released at the window reset, in order", () => {
    const core = startedCore(heldConn({ expiresAt: RESET + 60_000 }));
    const queued = run(core, [
      { type: "InputsUpdated", now: T0 + 1, usage: { percent: 91, resetsAt: RESET } },
      { type: "SpawnDeferred", now: T0 + 2, spawn: spawn("d-1", "helper-1") },
      { type: "SpawnDeferred", now: T0 + 3, spawn: spawn("d-2", "helper-2") },
    ]);
    expect(queued.commands).toContainEqual({ type: "timer.wakeAt", at: RESET });
    expect(logTexts(queued.commands).filter((text) => text.includes("deferred to the budget reset"))).toHaveLength(2);
    const waiting = run(queued.state, [
      { type: "Ticked", now: T0 + 60_000 },
      { type: "Ticked", now: RESET - 1 },
    ]);
    expect(spawnsRun(waiting.commands)).toEqual([]);
    expect(waiting.state.authority.deferred).toHaveLength(2);
    const released = run(waiting.state, [{ type: "Ticked", now: RESET }]);
    expect(spawnsRun(released.commands)).toEqual(["d-1", "d-2"]);
    expect(released.state.authority.deferred).toEqual([]);
    const again = run(released.state, [{ type: "Ticked", now: RESET + 30_000 }]);
    expect(spawnsRun(again.commands)).toEqual([]);
  });

  it("is released early when the budget is known to be back below the mark", () => {
    const core = startedCore(heldConn({ expiresAt: RESET + 60_000 }));
    const queued = run(core, [
      { type: "InputsUpdated", now: T0 + 1, usage: { percent: 91, resetsAt: RESET } },
      { type: "SpawnDeferred", now: T0 + 2, spawn: spawn("d-1", "helper-1") },
      { type: "InputsUpdated", now: T0 + 3, usage: { percent: 4, resetsAt: RESET + 18_000_000 } },
      { type: "Ticked", now: T0 + 4 },
    ]);
    expect(spawnsRun(queued.commands)).toEqual(["d-1"]);
  });

  it("is not run when the conn is gone by the reset: the human is asked instead", () => {
    const core = startedCore(heldConn({ expiresAt: T0 + 60_000 }));
    const { commands, state } = run(core, [
      { type: "InputsUpdated", now: T0 + 1, usage: { percent: 91, resetsAt: RESET } },
      { type: "SpawnDeferred", now: T0 + 2, spawn: spawn("d-1", "helper-1") },
      { type: "Ticked", now: RESET },
    ]);
    expect(spawnsRun(commands)).toEqual([]);
    expect(state.authority.deferred).toEqual([]);
    expect(commands).toContainEqual(expect.objectContaining({ type: "alert.raise", code: "authority.proposal" }));
  });
});

describe("the deferred spawn queue is bounded", () => {
  it("past DEFERRED_SPAWN_CAP a spawn is not deferred, the human is told, and the caller is refused instead of told it waits", () => {
    const core = startedCore(heldConn({ expiresAt: RESET + 60_000 }));
    const { state: full } = run(core, [
      { type: "InputsUpdated", now: T0 + 1, usage: { percent: 91, resetsAt: RESET } },
      ...Array.from({ length: DEFERRED_SPAWN_CAP }, (_, n) => ({
        type: "SpawnDeferred" as const,
        now: T0 + 2,
        spawn: spawn(`d-${n}`, `helper-${n}`),
      })),
    ]);
    expect(full.authority.deferred).toHaveLength(DEFERRED_SPAWN_CAP);
    const over = run(full, [
      {
        type: "ToolCalled",
        now: T0 + 3,
        requestId: "tool-1",
        paneId: MARKER.paneId,
        call: { tool: "spawn_worker", name: "helper-x", command: "sleep 60" },
      },
    ]);
    expect(over.state.authority.deferred).toHaveLength(DEFERRED_SPAWN_CAP);
    expect(over.commands).toContainEqual(expect.objectContaining({ type: "alert.raise", code: "authority.proposal" }));
    expect(over.commands).toContainEqual({
      type: "tool.reply",
      requestId: "tool-1",
      reply: { ok: false, error: { _tag: "ToolRefused", message: expect.stringContaining("not deferred") } },
    });
  });
});

describe("heartbeat backoff", () => {
  it("never shortens the interval as pressure rises, and keeps the base interval when the budget is easy or unknown", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.integer({ min: 1_000, max: 600_000 }),
        (a, b, base) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          const at = (percent: number) =>
            heartbeatIntervalFor(base, { percent, resetsAt: null }, DEFAULT_BUDGET_POLICY);
          cheapExpect(at(high)).toBeGreaterThanOrEqual(at(low));
          cheapExpect(at(low)).toBeGreaterThanOrEqual(base);
          cheapExpect(at(high)).toBeLessThanOrEqual(base * DEFAULT_BUDGET_POLICY.backoffMaxFactor);
        },
      ),
      { numRuns: 1000 },
    );
    expect(heartbeatIntervalFor(120_000, { percent: null, resetsAt: null }, DEFAULT_BUDGET_POLICY)).toBe(120_000);
    expect(heartbeatIntervalFor(120_000, { percent: 40, resetsAt: null }, DEFAULT_BUDGET_POLICY)).toBe(120_000);
    expect(heartbeatIntervalFor(120_000, { percent: 100, resetsAt: null }, DEFAULT_BUDGET_POLICY)).toBe(480_000);
  });

  it("under pressure the next digest waits longer, while a need_human interrupt still goes out at once", () => {
    const pushesBetween = (percent: number) => {
      const core = startedCore(null, { pushIntervalMs: 120_000 });
      // First sight pushed and delivered: the interval now governs.
      const first = run(core, [
        { type: "InputsUpdated", now: T0 + 1, usage: { percent, resetsAt: RESET } },
        { type: "EmitSucceeded", now: T0 + 2, emitId: "digest-2-1" },
        { type: "InputsUpdated", now: T0 + 3, panes: { "%5": { statusLine: "now testing" } } as never },
      ]);
      const wake = first.commands
        .filter((c) => c.type === "timer.wakeAt")
        .map((c) => (c.type === "timer.wakeAt" ? c.at : 0));
      const interrupt = run(first.state, [
        { type: "NotifyReceived", now: T0 + 4, paneId: "%5" as never, kind: "need_human", message: "approve?" },
      ]);
      return {
        nextPushAt: Math.max(...wake),
        interruptEmitted: interrupt.commands.some((c) => c.type === "channel.emit" && c.purpose === "interrupt"),
      };
    };
    const easy = pushesBetween(10);
    const pressed = pushesBetween(95);
    expect(easy.nextPushAt).toBe(T0 + 2 + 120_000);
    expect(pressed.nextPushAt).toBeGreaterThan(easy.nextPushAt);
    expect(easy.interruptEmitted).toBe(true);
    expect(pressed.interruptEmitted).toBe(true);
  });
});

describe("budget posture", () => {
  it("the digest carries the posture line when the budget is known", () => {
    const core = startedCore();
    const { commands } = run(core, [
      { type: "EmitSucceeded", now: T0 + 1, emitId: "digest-2-1" },
      { type: "InputsUpdated", now: T0 + 500_000, usage: { percent: 90, resetsAt: RESET } },
      { type: "InputsUpdated", now: T0 + 500_001, panes: { "%5": { statusLine: "now testing" } } as never },
    ]);
    const push = commands.find((command) => command.type === "channel.emit" && command.purpose === "digest");
    expect(push?.type === "channel.emit" && push.content).toContain(
      "BUDGET POSTURE 90% (resets 2023-11-14T23:13:20.000Z): above the 85% high-water mark",
    );
    expect(postureLine({ percent: null, resetsAt: null }, DEFAULT_BUDGET_POLICY, 120_000, 0)).toBeNull();
    expect(postureLine({ percent: 60, resetsAt: null }, DEFAULT_BUDGET_POLICY, 120_000, 0)).toContain("pressed");
    expect(stewardSpawn({ percent: 50, resetsAt: null }, T0, DEFAULT_BUDGET_POLICY)).toEqual({ kind: "now" });
  });
});
