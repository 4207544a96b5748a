/**
 * quickSafeParse reads a record with checked keys as zod does: over objects
 * built every way a record can come (a literal, no prototype, parsed JSON
 * with its own `__proto__`, an own `constructor`, a symbol or a key that is
 * not enumerable beside the others, numeric keys, keys and values that fail
 * their checks, undefined values) and things that are no record at all, it
 * accepts exactly what `safeParse` accepts, with the same data in the same
 * key order, and refuses with zod's issues. Records keyed by an enum, and
 * loose or partial ones, are zod's alone, and stay so.
 */
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, it } from "vitest";
import { z } from "zod";
import { PaneIdSchema } from "../../src/domain/paneId.js";
import { quickSafeParse } from "../../src/testing/quickSafeParse.js";
import { cheapExpect } from "../cheapExpect.js";
import { keyOrder } from "./keyOrder.js";

const RECORDS: readonly (readonly [string, z.ZodType])[] = [
  ["strings", z.record(z.string(), z.string())],
  ["panes", z.record(PaneIdSchema, z.object({ watched: z.boolean(), ci: z.enum(["red", "green"]).nullable() }))],
  ["objects", z.record(z.string(), z.object({ n: z.number() }))],
  ["checked keys", z.record(z.string().min(2).max(4), z.number().int().nonnegative())],
  ["nested", z.object({ env: z.record(z.string(), z.string()).optional(), name: z.string() })],
  ["enum keys", z.record(z.enum(["a", "b"]), z.string())],
  ["partial", z.partialRecord(z.enum(["a", "b"]), z.string())],
  ["loose", z.looseRecord(z.string().min(2), z.string())],
];

const keyArb = fc.oneof(
  fc.constantFrom("a", "b", "ab", "abc", "abcde", "", "%1", "%12", "%x", "1", "0", "10", "-1", "1.5", "constructor"),
  fc.constantFrom("__proto__", "toString", "hasOwnProperty", "\u{1F600}"),
  fc.string({ maxLength: 5 }),
);

const valueArb = fc.oneof(
  fc.constantFrom("x", "", 0, 3, -1, 1.5, true, null, undefined),
  fc.constantFrom(
    { watched: true, ci: "red" },
    { watched: false, ci: null },
    { watched: true },
    { watched: 1, ci: "red" },
  ),
  fc.constantFrom({ n: 1 }, { n: "1" }, { n: 2, m: 3 }),
  fc.string({ maxLength: 3 }),
  fc.integer({ min: -2, max: 5 }),
);

/** How the record's object is built, or what stands in for it. */
type Build =
  | "literal"
  | "noPrototype"
  | "json"
  | "ownConstructor"
  | "symbolKey"
  | "hiddenKey"
  | "array"
  | "string"
  | "date";
const BUILDS: readonly Build[] = [
  "literal",
  "literal",
  "literal",
  "noPrototype",
  "json",
  "json",
  "json",
  "ownConstructor",
  "symbolKey",
  "hiddenKey",
  "array",
  "string",
  "date",
];

const build = (how: Build, entries: readonly (readonly [string, unknown])[]): unknown => {
  const literal = (): Record<string, unknown> => {
    const object: Record<string, unknown> = {};
    // Assigned as a property definition: an assignment to "__proto__" would set the prototype instead.
    for (const [key, value] of entries)
      Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
    return object;
  };
  switch (how) {
    case "literal":
      return literal();
    case "noPrototype":
      return Object.assign(Object.create(null), literal());
    case "json": {
      // JSON.parse makes "__proto__" an own key (a literal would set the prototype), and has no undefined.
      const body = entries.map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value ?? null)}`);
      return JSON.parse(`{${['"__proto__": {"n": 1}', ...body].join(", ")}}`);
    }
    case "ownConstructor":
      return { ...literal(), constructor: () => undefined };
    case "symbolKey":
      return { ...literal(), [Symbol("key")]: "x" };
    case "hiddenKey":
      return Object.defineProperty(literal(), "hidden", { value: "x", enumerable: false });
    case "array":
      return entries.map(([, value]) => value);
    case "string":
      return "a record";
    case "date":
      return new Date(0);
  }
};

const caseArb = fc.record({
  schema: fc.nat(RECORDS.length - 1),
  entries: fc.array(fc.tuple(keyArb, valueArb), { maxLength: 4 }),
  how: fc.constantFrom(...BUILDS),
});

/** A refusal's issues; zod formats them when they are read, and throws for some (a symbol key an enum refuses): that, then. */
const issuesOf = (result: { readonly error?: { readonly issues: unknown } }): unknown => {
  try {
    return result.error?.issues;
  } catch (error) {
    return `throws ${String(error)}`;
  }
};

describe("quickSafeParse reads a record as zod does", () => {
  it("accepts what safeParse accepts, with the same data in the same key order, and refuses with zod's issues", () => {
    fc.assert(
      fc.property(caseArb, ({ schema: index, entries, how }) => {
        const [name, schema] = RECORDS[index]!;
        const made = build(how, entries);
        // A record nested in an object, as the events and the deferred spawns carry one.
        const value = name === "nested" ? { env: made, name: "worker" } : made;
        const slow = schema.safeParse(value);
        const quick = quickSafeParse(schema, value);
        cheapExpect(quick.success, `${name}, ${how}`).toBe(slow.success);
        if (slow.success) {
          const same =
            isDeepStrictEqual(quick.data, slow.data) && isDeepStrictEqual(keyOrder(quick.data), keyOrder(slow.data));
          cheapExpect(
            same,
            () => `${name}, ${how}: ${JSON.stringify(quick.data)} against ${JSON.stringify(slow.data)}`,
          ).toBe(true);
        } else cheapExpect(issuesOf(quick)).toEqual(issuesOf(slow));
      }),
      { numRuns: 2000 },
    );
  });
});
