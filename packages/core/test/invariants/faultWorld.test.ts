/**
 * The supervisor invariants in a world that can go wrong: agent evidence
 * (stale, future, conflicting), inputs with CI and budget (extreme reset
 * times), store outages on any write, a second host taking the lease, and
 * host restarts — mixed into the fleet's ordinary life.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { faultActionArb } from "../../src/testing/arbitraries.js";
import type { FakeWorld } from "../../src/testing/fakeWorld.js";
import { cheapExpect } from "../cheapExpect.js";
import { liveFirstMateWindowPanes, runActions, startedWorld, troubledActionArb } from "../worldSupport.js";

const faultySetupArb = fc.record({
  workers: fc.integer({ min: 0, max: 3 }),
  actions: fc.array(fc.oneof({ weight: 2, arbitrary: troubledActionArb }, { weight: 1, arbitrary: faultActionArb }), {
    maxLength: 16,
  }),
});

const watchSpawns = (world: FakeWorld) => {
  // `era`: how many times the human had reset crash-loop protection (earlier starts no longer count after one).
  const spawns: { at: number; era: number; liveInWindow: string[] }[] = [];
  const original = world.tmux.spawnSync.bind(world.tmux);
  world.tmux.spawnSync = (request) => {
    const era = world.events.filter((event) => event.type === "SupervisorReset").length;
    spawns.push({ at: world.now(), era, liveInWindow: liveFirstMateWindowPanes(world) });
    return original(request);
  };
  return spawns;
};

describe("supervisor invariants in a world with faults", () => {
  it("invariant 7 with faults: never a first mate beside a live one, whatever the store, lease and restarts do", () => {
    fc.assert(
      fc.property(faultySetupArb, ({ workers, actions }) => {
        const world = startedWorld(workers);
        const spawns = watchSpawns(world);
        // Orphans (panes that appear in the window unmarked) are not spawns: the core closes them when it sees them.
        const orphans = new Set<string>();
        for (const action of actions) {
          const before = new Set(liveFirstMateWindowPanes(world));
          runActions(world, [action]);
          if (action.type === "orphanInFirstMateWindow")
            for (const pane of liveFirstMateWindowPanes(world)) if (!before.has(pane)) orphans.add(pane);
          cheapExpect(liveFirstMateWindowPanes(world).filter((pane) => !orphans.has(pane)).length).toBeLessThanOrEqual(
            1,
          );
        }
        for (const spawn of spawns) cheapExpect(spawn.liveInWindow.filter((pane) => !orphans.has(pane))).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it("regression: a second host's first mate left unmarked (its marker write failed) is closed before this host, taking the lease back, starts its own", () => {
    const world = startedWorld(0);
    const spawns = watchSpawns(world);
    for (const action of [
      { type: "storeWriteFails", write: "setMarker", count: 1 },
      { type: "killFirstMate" },
      { type: "secondHostTakesOver", ms: 1_000 },
      { type: "advance", ms: 5_000 },
      { type: "advance", ms: 5_000 },
      // Two starts in the window already: the next one waits out its backoff.
      { type: "advance", ms: 60_000 },
    ] as const) {
      runActions(world, [action]);
      cheapExpect(liveFirstMateWindowPanes(world).length).toBeLessThanOrEqual(1);
    }
    for (const spawn of spawns) cheapExpect(spawn.liveInWindow).toEqual([]);
    // Once the stray is closed, this host starts its own.
    const marked = world.state().supervisor.marker?.paneId;
    cheapExpect(marked).toBeDefined();
    cheapExpect(liveFirstMateWindowPanes(world)).toEqual([marked]);
  });

  it("invariant 8 with faults: in any window, at most maxStarts spawns, across restarts and takeovers (until the human resets)", () => {
    const limits = {
      maxStarts: 3,
      startWindowMs: 120_000,
      backoffBaseMs: 500,
      backoffMaxMs: 5_000,
      minUptimeMs: 30_000,
    };
    fc.assert(
      fc.property(faultySetupArb, ({ workers, actions }) => {
        const world = startedWorld(workers, limits);
        const spawns = watchSpawns(world);
        runActions(world, actions);
        for (const { at, era } of spawns) {
          const inWindow = spawns.filter(
            (spawn) => spawn.era === era && spawn.at >= at && spawn.at < at + limits.startWindowMs,
          );
          cheapExpect(inWindow.length).toBeLessThanOrEqual(limits.maxStarts);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
