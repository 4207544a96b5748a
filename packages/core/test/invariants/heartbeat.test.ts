import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diverge, ridesAlong } from "../../src/decisions/diverge.js";
import { currentDigest } from "../../src/step.js";
import { applyWorldAction } from "../../src/testing/applyWorldAction.js";
import { cheapExpect } from "../cheapExpect.js";
import {
  heal,
  knownPicture,
  replay,
  runActions,
  runWithReferenceModel,
  startedWorld,
  type Transition,
  troubledActionArb,
  worldSetupArb,
} from "../worldSupport.js";

/**
 * Invariant 2 on the transitions a world went through: lastSent changes
 * only on a successful emit of that push, or to none for a new first mate.
 */
const checkLastSent = (transitions: readonly Transition[]): void => {
  for (const { before, event, after } of transitions) {
    if (after.heartbeat.lastSent === before.heartbeat.lastSent) continue;
    const markerChanged =
      before.supervisor.marker?.paneId !== after.supervisor.marker?.paneId ||
      before.supervisor.marker?.attempt !== after.supervisor.marker?.attempt;
    if (after.heartbeat.lastSent === null) {
      // The only other change: a new first mate starts with no picture.
      cheapExpect(markerChanged).toBe(true);
      continue;
    }
    cheapExpect(event.type).toBe("EmitSucceeded");
    const inFlight = before.heartbeat.inFlight;
    cheapExpect(inFlight).not.toBeNull();
    if (event.type === "EmitSucceeded") cheapExpect(event.emitId).toBe(inFlight!.emitId);
    cheapExpect(after.heartbeat.lastSent).toBe(inFlight!.digest);
  }
};

describe("heartbeat invariants in the fake world", () => {
  // One property for both: each invariant is checked on 1000 fleets' lives drawn from `worldSetupArb`, as two
  // properties would, and each life is lived once (invariant 2 on it as it was before the healing). Its actions
  // give the reference model nothing to feed or re-send (no inputs, no restart), so the world lives as
  // `runActions` would have it live.
  it("invariants 2 and 3: lastSent changes only on a successful emit of that push; every material change is eventually delivered once the link is healthy", () => {
    fc.assert(
      fc.property(worldSetupArb, ({ workers, actions }) => {
        const { world, model } = runWithReferenceModel(workers, actions);
        checkLastSent(replay(world));
        heal(world);
        const config = world.state().config;
        // Long enough for the idle threshold to pass and a coalesced push to go out.
        world.advance(config.idleThresholdMs + 2 * config.pushIntervalMs);
        const state = world.state();
        const firstMate = world.firstMatePaneId();
        cheapExpect(firstMate).not.toBeNull();
        cheapExpect(state.firstMateAttached).toBe(true);
        cheapExpect(state.heartbeat.inFlight).toBeNull();
        cheapExpect(state.heartbeat.lastSent).not.toBeNull();
        // What only rides along (evidence ageing) waits for the next push; everything else is delivered.
        cheapExpect(
          diverge(state.heartbeat.lastSent, currentDigest(state), config).filter((change) => !ridesAlong(change)),
        ).toEqual([]);
        // And, independent of `diverge`: the picture it was given is the fleet as tmux has it, with the CI it was told.
        cheapExpect(knownPicture(state.heartbeat.lastSent)).toEqual(model.expected(world));
        // The picture it has is the one last pushed to it.
        const pushes = world
          .pushesToFirstMate()
          .filter((push) => push.paneId === firstMate && push.meta.kind !== "interrupt");
        cheapExpect(pushes.length).toBeGreaterThan(0);
        // And every interrupt reached it: nothing waits in the outbox.
        cheapExpect(state.interrupts.outbox).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it("invariant 6: the first mate never appears in its own digest, nor wakes itself", () => {
    const selfNotifyArb = fc.record({
      type: fc.constant("selfNotify" as const),
      message: fc.constantFrom("I need a human", "done"),
      report: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.oneof({ weight: 4, arbitrary: troubledActionArb }, { weight: 1, arbitrary: selfNotifyArb }), {
          maxLength: 25,
        }),
        (workers, actions) => {
          const world = startedWorld(workers);
          for (const action of actions) {
            if (action.type === "selfNotify") {
              const self = world.firstMatePaneId();
              if (self === null) continue;
              world.inject(
                action.report
                  ? { type: "ReportReceived", now: world.now(), paneId: self, message: action.message }
                  : {
                      type: "NotifyReceived",
                      now: world.now(),
                      paneId: self,
                      kind: "need_human",
                      message: action.message,
                    },
              );
              world.drive();
            } else {
              applyWorldAction(world, action);
            }
            const self = world.firstMatePaneId();
            if (self !== null) cheapExpect(world.digest().panes.map((pane) => pane.handle)).not.toContain(self);
          }
          for (const { before, event, after, commands } of replay(world)) {
            const self = before.supervisor.marker?.paneId ?? null;
            if (self !== null) cheapExpect(currentDigest(after).panes.some((pane) => pane.handle === self)).toBe(false);
            const inFlight = after.heartbeat.inFlight;
            const target = after.supervisor.marker?.paneId ?? null;
            if (inFlight && target)
              cheapExpect(inFlight.digest.panes.some((pane) => pane.handle === target)).toBe(false);
            if ((event.type === "NotifyReceived" || event.type === "ReportReceived") && event.paneId === self) {
              cheapExpect(commands.filter((command) => command.type === "store.enqueueOutbox")).toEqual([]);
            }
          }
          for (const push of world.pushesToFirstMate()) {
            if (push.meta.kind === "interrupt") cheapExpect(push.meta.source).not.toBe(push.paneId);
            else cheapExpect(push.content).not.toMatch(new RegExp(`^- (NEW )?${push.paneId} `, "m"));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("invariant 3, pinned example: a give-up that comes late (a stable start in the window) still heals", () => {
    // Shrunk from a run: the third bad spawn lands ten minutes on, after a short heal had ended.
    const world = startedWorld(0);
    runActions(world, [
      { type: "queueSpawn", behaviour: "exit_at_launch" },
      { type: "queueSpawn", behaviour: "exit_at_launch" },
      { type: "advance", ms: 60_000 },
      { type: "queueSpawn", behaviour: "exit_at_launch" },
      { type: "killFirstMate" },
    ]);
    heal(world);
    world.advance(600_000);
    const state = world.state();
    expect(world.alerts.map((alert) => alert.code)).toEqual(["first_mate_crash_loop"]);
    expect(world.firstMatePanes()).toHaveLength(1);
    expect(state.firstMateAttached).toBe(true);
    // What only rides along (evidence ageing) waits for the next push; everything else is delivered.
    expect(
      diverge(state.heartbeat.lastSent, currentDigest(state), state.config).filter((change) => !ridesAlong(change)),
    ).toEqual([]);
  });
});
