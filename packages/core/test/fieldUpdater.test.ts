import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fieldUpdater } from "../src/domain/fieldUpdater.js";

interface Sample {
  readonly a: number;
  readonly b: string | null;
  readonly c?: boolean;
}

const update = fieldUpdater<Sample>((value) => ({ a: value.a, b: value.b }), ["c"]);

/** A sample as a store or a spread may make it: `c` absent or present (even as undefined), maybe an unknown key beside. */
const sampleArb = fc
  .record(
    {
      a: fc.integer(),
      b: fc.option(fc.string(), { nil: null }),
      c: fc.option(fc.boolean(), { nil: undefined }),
      extra: fc.string(),
    },
    { requiredKeys: ["a", "b"] },
  )
  .map((value) => value as Sample);

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
