/**
 * updateState copies the state's optional field by name (state.ts,
 * fieldsOf) instead of through fieldUpdater's list of optional fields.
 * Whatever chain of updates — of its own copies, of states made elsewhere,
 * the field present, absent or undefined, changes that set it or bring an
 * unknown field — every result is what an object spread gives.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { DEFAULT_CONFIG } from "../src/config.js";
import { type CoreState, initialState, updateState } from "../src/state.js";
import { chainsLikeSpreads } from "./chainsLikeSpreads.js";

const BASE: CoreState = initialState(DEFAULT_CONFIG);

const ownersArb = fc.dictionary(
  fc.constantFrom("%1", "%2"),
  fc.record({ panePid: fc.option(fc.nat(), { nil: null }), tmuxServer: fc.constant(null) }),
  { maxKeys: 2 },
);

/** A state as a step, a store or a spread may make it: the optional field absent, present (maybe undefined), maybe an unknown one beside. */
const stateArb: fc.Arbitrary<CoreState> = fc
  .record(
    {
      now: fc.nat(),
      owner: fc.option(fc.string({ maxLength: 3 }), { nil: null }),
      inputOwners: fc.option(ownersArb, { nil: undefined }),
      unknown: fc.nat(),
    },
    { requiredKeys: ["now"] },
  )
  .map((fields) => ({ ...BASE, ...fields }) as CoreState);

/** Changes as a step writes them, or (rarely) with a field the state does not know. */
const changesArb = fc
  .record(
    {
      now: fc.nat(),
      fleetSeen: fc.boolean(),
      nextTickAt: fc.option(fc.nat(), { nil: null }),
      inputOwners: fc.option(ownersArb, { nil: undefined }),
      unknown: fc.nat(),
    },
    { requiredKeys: [] },
  )
  .map((changes) => changes as Partial<CoreState>);

describe("updateState", () => {
  it("gives at every link of a chain what an object spread gives, the optional field included", () => {
    fc.assert(chainsLikeSpreads(stateArb, changesArb, updateState), { numRuns: 1000 });
  });
});
