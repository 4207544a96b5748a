/**
 * Any value of a few levels, of every kind fast-check makes (bigints, boxed
 * values, dates, maps, sets, null prototypes, holes, typed arrays): what the
 * comparison helpers of these suites are checked against vitest and
 * `isDeepStrictEqual` over.
 */
import fc from "fast-check";

/** Pure: the arbitrary of any value, two levels deep, at most three keys per object. */
export const anythingArb = fc.anything({
  maxDepth: 2,
  maxKeys: 3,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withObjectString: true,
  withSet: true,
  withSparseArray: true,
  withTypedArray: true,
});
