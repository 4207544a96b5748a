/**
 * fieldUpdater does not count again the fields of the copy it made last
 * (updates come in chains, a step updating the state it updated just
 * before). Whatever chain of updates — of its own copies, of records made
 * elsewhere, with changes that bring an unknown field or not — every
 * result is what an object spread gives.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { cheapExpect } from "./cheapExpect.js";
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

/** One update of a chain: of the last result, or of a record made elsewhere. */
const linkArb = fc.record({ changes: changesArb, fresh: fc.option(sampleArb, { freq: 4 }) });

const ownEntries = (value: object): [string, unknown][] =>
  Object.keys(value)
    .sort()
    .map((key) => [key, (value as Record<string, unknown>)[key]]);

describe("fieldUpdater's chains", () => {
  it("give at every link what an object spread gives", () => {
    fc.assert(
      fc.property(sampleArb, fc.array(linkArb, { minLength: 1, maxLength: 6 }), (first, links) => {
        let updated: Sample = first;
        let spread: Sample = first;
        for (const { changes, fresh } of links) {
          if (fresh !== null) {
            updated = fresh;
            spread = fresh;
          }
          updated = update(updated, changes);
          spread = { ...spread, ...changes };
          cheapExpect(ownEntries(updated)).toEqual(ownEntries(spread));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
