/**
 * A world that keeps no transitions (`keepTransitions: false`, for runs that
 * never read them) does all a world that keeps them does: it only holds no
 * past states. Compared on what a test can read besides the transitions,
 * and reading them from such a world fails loudly instead of reading nothing.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createFakeWorld, type FakeWorld } from "../../src/testing/fakeWorld.js";
import { cheapExpect } from "../cheapExpect.js";
import { runActions, startedWorld, troubledActionArb } from "../worldSupport.js";

/** What a test can read of a world besides its transitions, as plain data. */
const picture = (world: FakeWorld) => ({
  now: world.now(),
  state: world.state(),
  events: world.events,
  commands: world.commands,
  applied: world.applied,
  unapplied: world.unapplied,
  alerts: world.alerts,
  toolReplies: world.toolReplies,
  pushes: world.pushesToFirstMate(),
  panes: world.tmux.listSync(),
  store: world.store.snapshot(),
});

describe("a world that keeps no transitions", () => {
  it("started afresh, does what a world that keeps them does, and says it keeps none when asked", () => {
    const [kept, unkept] = [true, false].map((keepTransitions) => {
      const world = createFakeWorld({ keepTransitions });
      for (let i = 0; i < 2; i++) world.addWorker({ windowName: `worker-${i}` });
      world.start();
      runActions(world, [{ type: "killFirstMate" }, { type: "advance", ms: 20_000 }, { type: "advance", ms: 20_000 }]);
      return world;
    }) as [FakeWorld, FakeWorld];
    expect(picture(unkept)).toEqual(picture(kept));
    expect(kept.transitions).toHaveLength(kept.events.length);
    expect(() => unkept.transitions).toThrow("keeps no transitions");
    // A fork of a world that keeps none keeps none either, and goes on alike.
    const [keptFork, unkeptFork] = [kept.fork(), unkept.fork()];
    for (const world of [keptFork, unkeptFork]) runActions(world, [{ type: "advance", ms: 20_000 }]);
    expect(picture(unkeptFork)).toEqual(picture(keptFork));
    expect(() => unkeptFork.transitions).toThrow("keeps no transitions");
  });

  it("forked from a started world, does what a fork that keeps them does", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.array(troubledActionArb, { maxLength: 3 }), (workers, actions) => {
        const kept = startedWorld(workers);
        const unkept = kept.fork({ keepTransitions: false });
        runActions(kept, actions);
        runActions(unkept, actions);
        cheapExpect(picture(unkept)).toEqual(picture(kept));
        cheapExpect(kept.transitions.length).toBe(kept.events.length);
        let read = true;
        try {
          void unkept.transitions;
        } catch {
          read = false;
        }
        cheapExpect(read).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
