import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sampleArb, updateSample as update } from "./fieldUpdaterSample.js";

const changesArb = fc.record(
  { a: fc.integer(), b: fc.option(fc.string(), { nil: null }), c: fc.option(fc.boolean(), { nil: undefined }) },
  { requiredKeys: [] },
);

describe("fieldUpdater", () => {
  it("gives what an object spread gives, own keys included, and leaves the value as it was", () => {
    fc.assert(
      fc.property(sampleArb, changesArb, (value, changes) => {
        // Its entries, not a copy: a generated record may have no prototype, and a copy would have one.
        const before = Object.entries(value);
        const updated = update(value, changes);
        const spread = { ...value, ...changes };
        expect(Object.keys(updated).sort()).toEqual(Object.keys(spread).sort());
        expect(updated).toStrictEqual(spread);
        expect(Object.entries(value)).toStrictEqual(before);
        expect(updated).not.toBe(value);
      }),
      { numRuns: 1000 },
    );
  });
});
