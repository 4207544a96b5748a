/**
 * An observation that changes no record of the panes it lists keeps the
 * agent table as it was, without making one (holdsExactly): only when it
 * lists every pane of the table, each once. A pane that leaves the listing
 * leaves the table; one listed twice is one record.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { parseCoreConfig } from "../../src/config.js";
import { type AgentStates, holdsExactly, observeAgentStates } from "../../src/decisions/agentStates.js";
import { cheapExpect } from "../cheapExpect.js";
import { observation, T0 } from "../support.js";

// No screen captures: a capture planned changes a record, which is not the quiet case looked at here.
const config = parseCoreConfig({ screenCapturesPerTick: 0 });

describe("a quiet observation keeps the agent table", () => {
  it("holdsExactly: the ids are the table's keys, each once", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.array(fc.nat(19), { maxLength: 24 }), (size, picks) => {
        // Only the keys matter here: each holds some record.
        const record = observeAgentStates({}, [observation(1)], T0, config, null).agents["%1"]!;
        const agents: AgentStates = Object.fromEntries(
          Array.from({ length: size }, (_, index) => [`%${index}`, record]),
        );
        // Ids drawn from the table's keys, maybe missing some, maybe twice.
        const ids = size === 0 ? [] : picks.map((pick) => `%${pick % size}`);
        const exact = ids.length === size && new Set(ids).size === size;
        cheapExpect(holdsExactly(agents, ids)).toBe(exact);
      }),
      { numRuns: 1000 },
    );
  });

  it("the table after an observation holds each listed agent pane once and no other, and is the same table when nothing changed", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 8 }),
        fc.integer({ min: 0, max: 60_000 }),
        (first, second, laterMs) => {
          const before = observeAgentStates(
            {},
            first.map((n) => observation(n)),
            T0,
            config,
            null,
          ).agents;
          const after = observeAgentStates(
            before,
            second.map((n) => observation(n)),
            T0 + laterMs,
            config,
            null,
          ).agents;
          const listed = [...new Set(second)].map((n) => `%${n}`).sort();
          cheapExpect(Object.keys(after).sort()).toEqual(listed);
          const sameRecords =
            listed.length === Object.keys(before).length && listed.every((id) => after[id] === before[id]);
          if (sameRecords) cheapExpect(after).toBe(before);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
