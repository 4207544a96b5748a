/**
 * fieldUpdater does not count again the fields of the copy it made last
 * (updates come in chains, a step updating the state it updated just
 * before). Whatever chain of updates — of its own copies, of records made
 * elsewhere, with changes that bring an unknown field or not — every
 * result is what an object spread gives.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { chainsLikeSpreads } from "./chainsLikeSpreads.js";
import { type Sample, sampleArb, updateSample as update } from "./fieldUpdaterSample.js";

/** Changes as a step writes them, or (rarely) with a field the record type does not know. */
const changesArb = fc
  .record(
    {
      a: fc.integer(),
      b: fc.option(fc.string(), { nil: null }),
      c: fc.option(fc.boolean(), { nil: undefined }),
      unknown: fc.nat(),
    },
    { requiredKeys: [] },
  )
  .map((changes) => changes as Partial<Sample>);

describe("fieldUpdater's chains", () => {
  it("give at every link what an object spread gives", () => {
    fc.assert(chainsLikeSpreads(sampleArb, changesArb, update), { numRuns: 1000 });
  });
});
