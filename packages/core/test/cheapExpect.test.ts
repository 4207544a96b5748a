/**
 * `cheapExpect` passes exactly where vitest's `expect` passes, and fails
 * with vitest's own message where it fails: the suites use it in their hot
 * loops, so a matcher that passed more would let a wrong core through.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anythingArb } from "./anythingArb.js";
import { cheapExpect } from "./cheapExpect.js";

/** The message `assertion` fails with, or null when it passes. */
const failureOf = (assertion: () => void): string | null => {
  try {
    assertion();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
};

/** The cheap and the vitest matcher agree: both pass, or both fail with the same message. */
const agree = (cheap: () => void, vitest: () => void): void => {
  const vitestFailure = failureOf(vitest);
  expect(failureOf(cheap)).toBe(vitestFailure);
};

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

/** A value and another like it: the same, a structured copy (prototypes and holes lost), or with an undefined property added. */
const likePairArb = anythingArb.chain((value) => {
  const copies: unknown[] = [value];
  try {
    copies.push(structuredClone(value));
  } catch {
    // Not every value has a structured copy (a boxed symbol); the others still do.
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) copies.push({ ...value, added: undefined });
  if (Array.isArray(value)) copies.push([...value, undefined], value.slice(1));
  return fc.tuple(fc.constant(value), fc.constantFrom(...copies));
});

describe("cheapExpect", () => {
  it("toEqual passes exactly where vitest's toEqual passes, on pinned values where deep strict equality and toEqual differ", () => {
    const pairs: [unknown, unknown][] = [
      [{ a: 1, b: undefined }, { a: 1 }],
      [{ a: 1 }, { a: 1, b: undefined }],
      // A hole (`[, 1]`, written this way as the linter refuses the literal).
      [[undefined, 1], Object.assign(new Array(2), { 1: 1 })],
      [new Point(1, 2), { x: 1, y: 2 }],
      [Object.assign(Object.create(null), { a: 1 }), { a: 1 }],
      [0, -0],
      [Number.NaN, Number.NaN],
      [{ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] }],
      [new Map([["k", { v: undefined }]]), new Map([["k", {}]])],
      [new Set([1, 2]), new Set([2, 1])],
      [new Set([{ a: 1 }]), new Set([{ a: 1 }])],
      [
        [1, 2],
        [1, 2, 3],
      ],
      [null, undefined],
      [{ a: expect.any(Number) }, { a: 1 }],
      [{ a: 1 }, { a: expect.any(Number) }],
      [{ a: 1 }, { a: expect.any(String) }],
    ];
    for (const [actual, expected] of pairs) {
      agree(
        () => cheapExpect(actual).toEqual(expected),
        () => expect(actual).toEqual(expected),
      );
      agree(
        () => cheapExpect(actual, "with a message").toEqual(expected),
        () => expect(actual, "with a message").toEqual(expected),
      );
    }
  });

  it("property: toEqual passes exactly where vitest's toEqual passes, and fails with its message", () => {
    fc.assert(
      fc.property(fc.oneof(likePairArb, fc.tuple(anythingArb, anythingArb)), ([actual, expected]) => {
        agree(
          () => cheapExpect(actual).toEqual(expected),
          () => expect(actual).toEqual(expected),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it("property: toContainEqual passes exactly where vitest's passes", () => {
    fc.assert(
      fc.property(fc.array(anythingArb, { maxLength: 3 }), likePairArb, (others, [item, like]) => {
        const actual = [...others, like];
        agree(
          () => cheapExpect(actual).toContainEqual(item),
          () => expect(actual).toContainEqual(item),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it("the other matchers pass exactly where vitest's pass", () => {
    const values: unknown[] = [
      ...[0, -0, 1, 2, Number.NaN, "", "a %1 b", "abc", null, undefined, [], [1], [1, 2], {}, 2n],
      ...[{ decision: "deny" }, { decision: "deny", prohibition: 2 }, { decision: "allow", a: undefined }],
      ...[
        Object.create({ decision: "deny" }),
        new Map([["decision", "deny"]]),
        Object.assign([], { decision: "deny" }),
      ],
    ];
    const patterns = [/%\d/, /^a/, /z/g];
    for (const actual of values) {
      for (const other of values) {
        agree(
          () => cheapExpect(actual).toBe(other),
          () => expect(actual).toBe(other),
        );
        agree(
          () => cheapExpect(actual).not.toBe(other),
          () => expect(actual).not.toBe(other),
        );
        agree(
          () => cheapExpect(actual).toContain(other),
          () => expect(actual).toContain(other),
        );
        agree(
          () => cheapExpect(actual).not.toContain(other),
          () => expect(actual).not.toContain(other),
        );
      }
      for (const length of [0, 1, 2, 3]) {
        agree(
          () => cheapExpect(actual).toHaveLength(length),
          () => expect(actual).toHaveLength(length),
        );
      }
      for (const bound of [0, 1, 2]) {
        agree(
          () => cheapExpect(actual).toBeGreaterThan(bound),
          () => expect(actual).toBeGreaterThan(bound),
        );
        agree(
          () => cheapExpect(actual).toBeGreaterThanOrEqual(bound),
          () => expect(actual).toBeGreaterThanOrEqual(bound),
        );
        agree(
          () => cheapExpect(actual).toBeLessThan(bound),
          () => expect(actual).toBeLessThan(bound),
        );
        agree(
          () => cheapExpect(actual).toBeLessThanOrEqual(bound),
          () => expect(actual).toBeLessThanOrEqual(bound),
        );
      }
      for (const pattern of patterns) {
        agree(
          () => cheapExpect(actual).toMatch(pattern),
          () => expect(actual).toMatch(pattern),
        );
        agree(
          () => cheapExpect(actual).not.toMatch(pattern),
          () => expect(actual).not.toMatch(pattern),
        );
      }
      for (const expected of [{}, { decision: "deny" }, { decision: "deny", prohibition: 2 }, { a: undefined }]) {
        agree(
          () => cheapExpect(actual).toMatchObject(expected),
          () => expect(actual).toMatchObject(expected),
        );
      }
      agree(
        () => cheapExpect(actual).toBeNull(),
        () => expect(actual).toBeNull(),
      );
      agree(
        () => cheapExpect(actual).not.toBeNull(),
        () => expect(actual).not.toBeNull(),
      );
      agree(
        () => cheapExpect(actual).toBeUndefined(),
        () => expect(actual).toBeUndefined(),
      );
      agree(
        () => cheapExpect(actual).toBeDefined(),
        () => expect(actual).toBeDefined(),
      );
    }
  });

  it("builds a message given as a function only when the matcher fails, and fails with it", () => {
    let built = 0;
    const message = () => {
      built++;
      return "the state was such and such";
    };
    cheapExpect([1, 2], message).toEqual([1, 2]);
    cheapExpect(3, message).toBe(3);
    expect(built).toBe(0);
    expect(() => cheapExpect([1, 2], message).toEqual([1, 3])).toThrow(/^the state was such and such/);
    expect(built).toBe(1);
  });
});
