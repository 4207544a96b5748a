/**
 * `surelyDeepStrictEqual` says "equal" only where `util.isDeepStrictEqual`
 * does (cheapExpect's `toEqual` passes on it), and settles plain data — so
 * `deepStrictEqual` is `isDeepStrictEqual`, only cheaper.
 */
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anythingArb } from "./anythingArb.js";
import { cheapExpect } from "./cheapExpect.js";
import { deepStrictEqual, surelyDeepStrictEqual } from "./plainDeepEqual.js";

/** A value and others like it: itself, a structured copy, and copies with a key added, dropped or set to `undefined` or `-0`. */
const likePairArb = anythingArb.chain((value) => {
  const copies: unknown[] = [value];
  try {
    copies.push(structuredClone(value));
  } catch {
    // Not every value has a structured copy (a boxed symbol); the others still do.
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    copies.push({ ...value, added: undefined });
    if (keys.length > 0) {
      const { [keys[0]!]: _dropped, ...rest } = value as Record<string, unknown>;
      copies.push(rest, { ...value, [keys[0]!]: -0 }, { ...value, [keys[0]!]: undefined });
    }
  }
  if (Array.isArray(value)) {
    const extra: unknown[] = [...value];
    (extra as unknown as Record<string, unknown>).extra = 1;
    copies.push(
      [...value, undefined],
      value.slice(1),
      extra,
      value.map((item) => (item === 0 ? -0 : item)),
    );
  }
  return fc.tuple(fc.constant(value), fc.constantFrom(...copies));
});

/** `[<hole>, 1]`. */
const holeFirst = (): unknown[] => {
  const array: unknown[] = [];
  array[1] = 1;
  return array;
};

/** An array with a hole at the start and an extra key: as many own keys as its length. */
const holeAndExtra = (): unknown[] => Object.assign(holeFirst(), { extra: 1 });

describe("plainDeepEqual", () => {
  it("never says equal where isDeepStrictEqual does not, on pinned values that differ only in what a plain walk may miss", () => {
    const symbol = Symbol("key");
    const hidden = { a: 1 };
    Object.defineProperty(hidden, "b", { value: 2, enumerable: false });
    const pairs: [unknown, unknown][] = [
      [0, -0],
      [[0], [-0]],
      [{ a: 0 }, { a: -0 }],
      [NaN, 0],
      [holeFirst(), [undefined, 1]],
      [holeAndExtra(), [undefined, 1]],
      [[undefined, 1], holeAndExtra()],
      [Object.assign([1], { extra: 1 }), [1]],
      [{ a: 1, [symbol]: 1 }, { a: 1 }],
      [{ a: 1 }, { a: 1, [symbol]: 1 }],
      [{ a: 1, b: 2 }, hidden],
      [{ a: undefined }, { b: undefined }],
      [{ a: undefined }, {}],
      [Object.create(null), {}],
      [new Date(0), new Date(1)],
      [new Map([[1, 1]]), new Map()],
      [new Set([1]), new Set([2])],
      [Object(1), Object(2)],
      [Object.create(Array.prototype), []],
    ];
    for (const [a, b] of pairs) {
      expect(isDeepStrictEqual(a, b)).toBe(false);
      expect(surelyDeepStrictEqual(a, b)).toBe(false);
      expect(deepStrictEqual(a, b)).toBe(false);
    }
    // And it settles plain data: a structured copy is surely equal.
    const plain = { a: [1, "b", null, { c: [true, NaN] }], d: {} };
    expect(surelyDeepStrictEqual(plain, structuredClone(plain))).toBe(true);
    expect(surelyDeepStrictEqual(NaN, NaN)).toBe(true);
    expect(surelyDeepStrictEqual([NaN, { a: [NaN] }], [NaN, { a: [NaN] }])).toBe(true);
  });

  it("property: says equal only where isDeepStrictEqual does, and deepStrictEqual is isDeepStrictEqual", () => {
    fc.assert(
      fc.property(likePairArb, ([a, b]) => {
        const expected = isDeepStrictEqual(a, b);
        if (surelyDeepStrictEqual(a, b)) cheapExpect(expected).toBe(true);
        if (surelyDeepStrictEqual(b, a)) cheapExpect(expected).toBe(true);
        cheapExpect(deepStrictEqual(a, b)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
