/**
 * Tool calls through `step`, over the fault world: whatever the conn, the
 * lease, the store and the fleet do between calls, every call is answered
 * exactly once, and an effect is only ever decided on the state of the
 * call's own turn (the caller is the first mate then, the host holds the
 * lease, a conn-gated action is covered by the conn held then, and the
 * action is logged before it runs).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scopeCovers } from "../src/authority/conn.js";
import type { Command } from "../src/commands.js";
import type { PaneId } from "../src/domain/paneId.js";
import type { ToolCall } from "../src/domain/toolCall.js";
import { EMPTY_HYDRATION } from "../src/events.js";
import { step as coreStep } from "../src/step.js";
import { applyWorldAction } from "../src/testing/applyWorldAction.js";
import { type WorldAction, worldActionArb } from "../src/testing/arbitraries.js";
import type { FakeWorld } from "../src/testing/fakeWorld.js";
import { cheapExpect } from "./cheapExpect.js";
import { replay, startedWorld } from "./worldSupport.js";

/** The tools that act on the fleet (the first mate's own writes are not judged by the conn). */
type ActingCall = "spawn_worker" | "assign_task" | "terminate" | "nudge" | "peek";

type Step =
  | { readonly kind: "world"; readonly action: WorldAction }
  | { readonly kind: "handOff"; readonly actions: readonly ("spawn_worker" | "assign_task" | "terminate")[] }
  | { readonly kind: "takeBack" }
  | {
      readonly kind: "call";
      readonly tool: ActingCall;
      readonly target: number;
      readonly text: string;
      readonly fromFirstMate: boolean;
    };

const textArb = fc.constantFrom("run the tests", "please rebase on main", "git push --force origin main", "/compact");

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: worldActionArb.map((action) => ({ kind: "world" as const, action })) },
  {
    weight: 2,
    arbitrary: fc
      .uniqueArray(fc.constantFrom("spawn_worker" as const, "assign_task" as const, "terminate" as const), {
        minLength: 1,
      })
      .map((actions) => ({ kind: "handOff" as const, actions })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "takeBack" as const }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("call" as const),
      tool: fc.constantFrom("spawn_worker", "assign_task", "terminate", "nudge", "peek") as fc.Arbitrary<ActingCall>,
      target: fc.nat({ max: 8 }),
      text: textArb,
      // Mostly the first mate: a stranger's call is refused early and tells little.
      fromFirstMate: fc.integer({ min: 0, max: 4 }).map((n) => n > 0),
    }),
  },
);

const callOf = (world: FakeWorld, step: Extract<Step, { kind: "call" }>): ToolCall => {
  const panes = world.tmux.listSync().map((pane) => pane.paneId);
  const pane = (panes[step.target % Math.max(1, panes.length)] ?? "%999") as PaneId;
  switch (step.tool) {
    case "spawn_worker":
      return { tool: "spawn_worker", name: `helper-${step.target}`, command: "cat", task: step.text };
    case "assign_task":
      return { tool: "assign_task", pane, task: step.text };
    case "terminate":
      return { tool: "terminate", pane };
    case "nudge":
      return { tool: "nudge", pane, message: step.text };
    case "peek":
      return { tool: "peek", pane, lines: 10 };
  }
};

/** The effect command a tool call's turn produced, if any. */
const effectOf = (commands: readonly Command[], requestId: string): Command | undefined =>
  commands.find(
    (command) =>
      (command.type === "tmux.spawnWorker" && command.spawnId === requestId) ||
      ((command.type === "tmux.sendText" || command.type === "tmux.kill" || command.type === "tmux.capture") &&
        command.requestId === requestId),
  );

describe("tool calls through step", () => {
  it("every tool call is answered exactly once, and its effect is decided on the state of its own turn", async () => {
    // Counted so the property is known to reach conn-gated effects and refusals, not only trivial runs.
    const seen = { connGatedEffects: 0, refusals: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { maxLength: 16 }), async (steps) => {
        const world = startedWorld(2);
        const asked: string[] = [];
        for (const step of steps) {
          const now = world.now();
          if (step.kind === "world") applyWorldAction(world, step.action);
          else if (step.kind === "handOff")
            world.inject({
              type: "ConnHandedOff",
              now,
              scope: { actions: [...step.actions], targets: ["*"] },
              expiresAt: now + 600_000,
            });
          else if (step.kind === "takeBack") world.inject({ type: "ConnTakenBack", now });
          else {
            const from = (step.fromFirstMate ? world.firstMatePaneId() : null) ?? ("%4242" as PaneId);
            await world.callTool(from, callOf(world, step));
            asked.push(`tool-${asked.length + 1}`);
          }
          world.drive();
        }
        // Exactly one reply per call, none lost to a failed write.
        for (const requestId of asked)
          cheapExpect(world.toolReplies.filter((entry) => entry.requestId === requestId)).toHaveLength(1);
        cheapExpect(world.unapplied.filter((entry) => entry.command.type === "tool.reply")).toEqual([]);
        seen.refusals += world.toolReplies.filter((entry) => !entry.reply.ok).length;
        for (const { before, event, commands } of replay(world)) {
          if (event.type !== "ToolCalled") continue;
          const effect = effectOf(commands, event.requestId);
          if (effect === undefined) continue;
          cheapExpect(event.paneId).toBe(before.supervisor.marker?.paneId);
          if (event.call.tool === "peek") continue;
          cheapExpect(before.supervisor.leaseHeld).toBe(true);
          cheapExpect(
            commands.some(
              (command) => command.type === "store.appendLog" && command.entry.text.startsWith("conn action starting"),
            ),
          ).toBe(true);
          if (event.call.tool === "nudge") continue;
          seen.connGatedEffects += 1;
          const conn = before.authority.conn;
          cheapExpect(conn.holder).toBe("first_mate");
          if (conn.holder !== "first_mate") continue;
          cheapExpect(Math.max(before.now, event.now)).toBeLessThan(conn.expiresAt);
          cheapExpect(scopeCovers(conn.scope, { kind: event.call.tool, target: {}, args: {} })).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
    expect(seen.connGatedEffects).toBeGreaterThan(100);
    expect(seen.refusals).toBeGreaterThan(100);
  });
});

describe("tool calls across a restart", () => {
  it("a restart forgets the tool calls in flight: a stale entry never counts against the cap nor holds the conn", async () => {
    const world = startedWorld(1);
    const worker = world.tmux.listSync().find((pane) => pane.paneId !== world.firstMatePaneId())!.paneId as PaneId;
    const firstMate = world.firstMatePaneId()!;
    world.inject({
      type: "ConnHandedOff",
      now: world.now(),
      scope: { actions: ["assign_task"], targets: ["*"] },
      expiresAt: world.now() + 600_000,
    });
    world.drive();
    const [asked] = coreStep(world.state(), {
      type: "ToolCalled",
      now: world.now(),
      requestId: "tool-1",
      paneId: firstMate,
      call: { tool: "assign_task", pane: worker, task: "run the tests" },
    });
    expect(Object.keys(asked.tools.pending)).toEqual(["tool-1"]);
    const [restarted] = coreStep(asked, {
      type: "Started",
      now: world.now() + 1,
      owner: "world-host",
      hydration: EMPTY_HYDRATION,
    });
    expect(restarted.tools.pending).toEqual({});
  });
});

describe("tool call answers from outside", () => {
  it("step is total: an answer naming a prototype key (spawnId toString) is not taken for a tool call in flight", () => {
    const world = startedWorld(0);
    for (const id of ["toString", "__proto__", "constructor", "hasOwnProperty"]) {
      const now = world.now();
      expect(() =>
        coreStep(world.state(), { type: "DeferredSpawnSettled", now, spawnId: id, paneId: null, reason: null }),
      ).not.toThrow();
      expect(() => coreStep(world.state(), { type: "TextSent", now, requestId: id })).not.toThrow();
      expect(() =>
        coreStep(world.state(), { type: "ScreenCaptureFailed", now, requestId: id, reason: "gone" }),
      ).not.toThrow();
    }
  });
});
