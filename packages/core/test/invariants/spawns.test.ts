import fc from "fast-check";
import { describe, it } from "vitest";
import type { FakeWorld } from "../../src/testing/fakeWorld.js";
import { cheapExpect } from "../cheapExpect.js";
import { liveFirstMateWindowPanes, replay, runActions, startedWorld, worldSetupArb } from "../worldSupport.js";

/** Record the world-clock time of every spawn tmux executes, and who was alive in the window then. */
const watchSpawns = (world: FakeWorld) => {
  const spawns: { at: number; liveInWindow: string[] }[] = [];
  const original = world.tmux.spawnSync.bind(world.tmux);
  world.tmux.spawnSync = (request) => {
    spawns.push({ at: world.now(), liveInWindow: liveFirstMateWindowPanes(world) });
    return original(request);
  };
  return spawns;
};

describe("supervisor invariants in the fake world", () => {
  // One property for both: each invariant is checked on 1000 fleets' lives drawn from `worldSetupArb`, as
  // two properties would, and each life is lived once.
  it("invariants 7 and 1: no spawn while a live marked pane or a spawn in flight exists, and no marker is ever stamped with an empty or malformed pane id", () => {
    fc.assert(
      fc.property(worldSetupArb, ({ workers, actions }) => {
        const world = startedWorld(workers);
        const spawns = watchSpawns(world);
        runActions(world, actions, () => {
          // Settled: at most one live pane in the first mate's window.
          cheapExpect(liveFirstMateWindowPanes(world).length).toBeLessThanOrEqual(1);
          const stored = world.store.snapshot().marker;
          if (stored !== null) cheapExpect(stored.paneId).toMatch(/^%\d+$/);
          const marker = world.state().supervisor.marker;
          if (marker !== null) cheapExpect(marker.paneId).toMatch(/^%\d+$/);
        });
        // tmux never creates a first mate next to a live one.
        for (const spawn of spawns) cheapExpect(spawn.liveInWindow).toEqual([]);
        // The core never asks for one while its marked pane is alive or a spawn is in flight.
        for (const { before, event, commands } of replay(world)) {
          if (!commands.some((command) => command.type === "tmux.spawn")) continue;
          cheapExpect(before.supervisor.spawnInFlight).toBeNull();
          const marker = before.supervisor.marker;
          if (marker !== null) {
            cheapExpect(event.type).toBe("FleetObserved");
            if (event.type === "FleetObserved") {
              cheapExpect(event.panes.some((pane) => pane.paneId === marker.paneId && !pane.dead)).toBe(false);
            }
          }
        }
        for (const command of world.commands) {
          if (command.type === "store.setMarker") cheapExpect(command.marker.paneId).toMatch(/^%\d+$/);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("invariant 8: in any window of P seconds, at most R spawns", () => {
    // Short windows and backoffs so that runs reach (and press against) the limit.
    const limitsArb = fc.record({
      maxStarts: fc.integer({ min: 1, max: 4 }),
      startWindowMs: fc.integer({ min: 20_000, max: 300_000 }),
      backoffBaseMs: fc.integer({ min: 100, max: 5_000 }),
      backoffMaxMs: fc.constant(10_000),
      minUptimeMs: fc.integer({ min: 1_000, max: 60_000 }),
    });
    fc.assert(
      fc.property(limitsArb, worldSetupArb, (limits, { workers, actions }) => {
        const world = startedWorld(workers, limits);
        const spawns = watchSpawns(world);
        runActions(world, actions);
        const times = spawns.map((spawn) => spawn.at);
        for (const at of times) {
          const inWindow = times.filter((t) => t >= at && t < at + limits.startWindowMs);
          cheapExpect(inWindow.length).toBeLessThanOrEqual(limits.maxStarts);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
