import fc from "fast-check";
import { describe, it } from "vitest";
import { cheapExpect } from "../cheapExpect.js";
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
          cheapExpect(settled).toBeGreaterThan(0);
          for (const ms of advances) world.advance(ms);
          cheapExpect(world.pushesToFirstMate()).toHaveLength(settled);
          cheapExpect(world.commands.filter((command) => command.type === "channel.emit")).toHaveLength(settled);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("invariant 5 with agent evidence: once told, evidence that only ages never makes an idle fleet push", () => {
    const evidenceArb = fc.array(
      fc.record({
        state: fc.constantFrom("busy" as const, "idle" as const, "waiting_input" as const, "ended" as const),
        source: fc.constantFrom("hook" as const, "tool" as const),
        ageMs: fc.integer({ min: -3_600_000, max: 1_200_000 }),
      }),
      { minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(
        evidenceArb,
        fc.array(fc.integer({ min: 1_000, max: 1_800_000 }), { minLength: 1, maxLength: 4 }),
        (evidence, advances) => {
          const world = startedWorld(0);
          const panes = evidence.map((_, index) => world.addWorker({ windowName: `worker-${index}` }));
          evidence.forEach((piece, index) => {
            world.inject({
              type: "AgentEvidenceReceived",
              now: world.now(),
              paneId: panes[index]!,
              evidence: { source: piece.source, state: piece.state, at: Math.max(0, world.now() - piece.ageMs) },
            });
          });
          world.drive();
          const config = world.state().config;
          // New panes, their states, a busy one going silent: all told within this settling time.
          world.advance(config.idleThresholdMs + 2 * config.pushIntervalMs + config.tickMs);
          const settled = world.pushesToFirstMate().length;
          for (const ms of advances) world.advance(ms);
          cheapExpect(world.pushesToFirstMate().slice(settled)).toEqual([]);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
