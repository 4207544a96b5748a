/**
 * Helpers for the whole-system property tests: build a small fake world, run
 * generated actions, and inspect every transition the core went through.
 */
import fc from "fast-check";
import type { Command } from "../src/commands.js";
import type { CoreConfigInput } from "../src/config.js";
import type { Event } from "../src/events.js";
import { type CoreState, initialState } from "../src/state.js";
import { step } from "../src/step.js";
import { applyWorldAction } from "../src/testing/applyWorldAction.js";
import { type WorldAction, worldActionArb } from "../src/testing/arbitraries.js";
import { createFakeWorld, type FakeWorld, type WorldTransition } from "../src/testing/fakeWorld.js";

export type Transition = WorldTransition;

/** Every transition the world's core went through (recorded by the world as it ran, across restarts). */
export const replay = (world: FakeWorld): readonly Transition[] => world.transitions;

/** World actions with the supervisor's troubles (deaths, bad spawns) made more likely. */
export const troubledActionArb: fc.Arbitrary<WorldAction> = fc.oneof(
  { weight: 6, arbitrary: worldActionArb },
  { weight: 2, arbitrary: fc.constant({ type: "killFirstMate" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("queueSpawn" as const),
      behaviour: fc.constantFrom("exit_at_launch" as const, "malformed_id" as const, "fail" as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ type: fc.constant("advance" as const), ms: fc.integer({ min: 100, max: 20_000 }) }),
  },
);

export const worldSetupArb = fc.record({
  workers: fc.integer({ min: 0, max: 4 }),
  actions: fc.array(troubledActionArb, { maxLength: 20 }),
});

/** A started world with `workers` agent panes. */
export const startedWorld = (workers: number, config: CoreConfigInput = {}): FakeWorld => {
  const world = createFakeWorld({ config });
  for (let i = 0; i < workers; i++) world.addWorker({ windowName: `worker-${i}` });
  world.start();
  return world;
};

export const runActions = (world: FakeWorld, actions: readonly WorldAction[], afterEach?: () => void): void => {
  for (const action of actions) {
    applyWorldAction(world, action);
    afterEach?.();
  }
};

/** Pane ids in the first mate's window that are alive now. */
export const liveFirstMateWindowPanes = (world: FakeWorld): string[] =>
  world.firstMatePanes().map((pane) => pane.paneId);

/**
 * Make the link healthy: no failing emits, the first mate attached, give-up
 * cleared — for long enough (20 min) that queued bad spawns and the crash-loop
 * window have played out.
 */
export const heal = (world: FakeWorld): void => {
  world.channel.failNext(0);
  for (let round = 0; round < 40; round++) {
    if (world.state().supervisor.gaveUp) world.inject({ type: "SupervisorReset", now: world.now() });
    const pane = world.firstMatePaneId();
    if (pane && world.tmux.panes.has(pane) && !world.channel.isAttached(pane)) world.channel.attach(pane, true);
    world.drive();
    world.advance(world.state().config.tickMs);
  }
};
