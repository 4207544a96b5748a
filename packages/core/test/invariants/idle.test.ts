import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { startedWorld } from "../worldSupport.js";

describe("push economy in the fake world", () => {
  it("invariant 5: an idle fleet produces no pushes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.array(fc.integer({ min: 1_000, max: 900_000 }), { minLength: 1, maxLength: 4 }),
        fc.record({
          tickMs: fc.integer({ min: 15_000, max: 60_000 }),
          pushIntervalMs: fc.integer({ min: 10_000, max: 300_000 }),
        }),
        (workers, advances, config) => {
          const world = startedWorld(workers, config);
          // First sight, then the idle threshold crossing: after that nothing changes.
          world.advance(world.state().config.idleThresholdMs + config.pushIntervalMs + config.tickMs);
          const settled = world.pushesToFirstMate().length;
          expect(settled).toBeGreaterThan(0);
          for (const ms of advances) world.advance(ms);
          expect(world.pushesToFirstMate()).toHaveLength(settled);
          expect(world.commands.filter((command) => command.type === "channel.emit")).toHaveLength(settled);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
