/**
 * The record both fieldUpdater properties update: two fields copied one by
 * one and an optional one, with the updater made for it and an arbitrary of
 * samples as a store or a spread may make them.
 */
import fc from "fast-check";
import { fieldUpdater } from "../src/domain/fieldUpdater.js";

export interface Sample {
  readonly a: number;
  readonly b: string | null;
  readonly c?: boolean;
}

/** The updater of `Sample`: `a` and `b` copied by name, `c` an optional field. */
export const updateSample = fieldUpdater<Sample>((value) => ({ a: value.a, b: value.b }), ["c"]);

/** A sample as a store or a spread may make it: `c` absent or present (even as undefined), maybe an unknown key beside. */
export const sampleArb: fc.Arbitrary<Sample> = fc
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
