/**
 * The fake store's quick check gives zod's answer: for the store's own
 * schemas and for a schema with every construct the quick path reads, over
 * values the schema accepts and the same values broken in one place (a
 * near miss of a check, a value of another kind, a key removed, undefined or
 * added), `quickSafeParse` accepts exactly what `safeParse` accepts,
 * with the same data (keys in the same order), and refuses with zod's issues.
 */
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { ConnSchema } from "../../src/authority/conn.js";
import { NewProposalSchema } from "../../src/authority/proposal.js";
import { InterruptTableChangesSchema } from "../../src/domain/interruptTables.js";
import { LogTextSchema, NewLogEntrySchema } from "../../src/domain/logEntry.js";
import { MarkerSchema, StartRecordSchema } from "../../src/domain/marker.js";
import { EventSchema } from "../../src/events.js";
import { quickSafeParse } from "../../src/testing/quickSafeParse.js";
import { schemaArbitrary } from "../../src/testing/schemaArbitrary.js";
import { cheapExpect } from "../cheapExpect.js";
import { keyOrder } from "./keyOrder.js";

/** Every construct and check the quick path reads, beside what the store's schemas use. */
const EveryConstructSchema = z.object({
  flag: z.boolean(),
  nothing: z.null(),
  kind: z.literal("pinned"),
  code: z.string().length(3),
  label: z.string().min(2).max(4),
  ratio: z.number().gt(0).lt(1),
  score: z.number(),
  count: z.number().int().lte(10).optional(),
  tags: z
    .array(z.enum(["a", "b"]))
    .length(2)
    .nullable(),
  nested: z.object({ at: z.number().int().nonnegative() }).optional(),
  choice: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("one"), size: z.number().int() }),
    z.object({ kind: z.enum(["two", "three"]), note: z.string().default("none") }),
  ]),
  filled: z.string().max(3).default("abc").optional(),
});

const SCHEMAS: readonly (readonly [string, z.ZodType])[] = [
  ["marker", MarkerSchema],
  ["start record", StartRecordSchema],
  ["log entry", NewLogEntrySchema],
  ["log text", LogTextSchema],
  ["interrupt table changes", InterruptTableChangesSchema],
  ["conn", ConnSchema],
  ["proposal", NewProposalSchema],
  ["event", EventSchema],
  ["every construct", EveryConstructSchema],
];

/** Values that break a check somewhere: wrong types, bounds, lengths, patterns, and objects that are not plain. */
const BREAKERS: readonly (() => unknown)[] = [
  () => undefined,
  () => null,
  () => -1,
  () => 0,
  () => 0.5,
  () => Number.NaN,
  () => Number.POSITIVE_INFINITY,
  () => 2 ** 53,
  () => "",
  () => "%x",
  () => "x".repeat(2_001),
  () => "\u{1F600}\u{1F600}",
  () => "a\ud800",
  () => true,
  () => [],
  () => ({}),
  () => Object.create(null),
  () => new Date(0),
];

type Path = readonly (string | number)[];

/** The path of every value inside `value` (itself included). */
const pathsOf = (value: unknown, at: Path = []): Path[] => {
  const inside =
    value !== null && typeof value === "object"
      ? Object.keys(value).flatMap((key) =>
          pathsOf((value as Record<string, unknown>)[key], [...at, Array.isArray(value) ? Number(key) : key]),
        )
      : [];
  return [at, ...inside];
};

/** Values just past a check from `value`: a string or an array one longer or shorter (a string also by a surrogate pair), a number off by one, zero, infinite, ... */
const nearMisses = (value: unknown): readonly unknown[] => {
  if (typeof value === "string")
    return [
      `${value}x`,
      value.slice(1),
      `x${value}`,
      value.toUpperCase(),
      `${value.slice(2)}\u{1F600}`,
      `${value}\u{1F600}`,
    ];
  if (typeof value === "number") return [value + 1, value - 1, -value, value + 0.5, 0, value / 0, value * 2 ** 53];
  if (Array.isArray(value)) return [[...value, value[0]], value.slice(1)];
  return [];
};

/** How one place is changed: a near miss (or any breaker where none is near), a breaker, removed, undefined, an unknown key beside. */
type Change = "nearMiss" | "breaker" | "remove" | "undefine" | "unknownKey";
const CHANGES: readonly Change[] = ["nearMiss", "breaker", "remove", "undefine", "unknownKey"];

/** `value` with the place at `path` changed as `change` says. */
const broken = (value: unknown, path: Path, change: Change, pick: number, breaker: () => unknown): unknown => {
  const replace = (old: unknown): unknown => {
    const near = nearMisses(old);
    return change === "nearMiss" && near.length > 0 ? near[pick % near.length] : breaker();
  };
  if (path.length === 0)
    return change === "unknownKey" ? { ...(value as object), unknownKey: breaker() } : replace(value);
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (change === "remove") delete parent[last];
  else if (change === "undefine") parent[last] = undefined;
  else if (change === "unknownKey") parent.unknownKey = breaker();
  else parent[last] = replace(parent[last]);
  return copy;
};

/** Values the schema accepts, and the same broken in one place. */
const valuesOf = (schema: z.ZodType): fc.Arbitrary<unknown> => {
  const accepted = schemaArbitrary(schema);
  return fc.oneof(
    { weight: 1, arbitrary: accepted },
    {
      weight: 4,
      arbitrary: fc
        .tuple(accepted, fc.nat(), fc.constantFrom(...CHANGES), fc.nat(), fc.constantFrom(...BREAKERS))
        .map(([value, at, change, pick, breaker]) => {
          const paths = pathsOf(value);
          return broken(value, paths[at % paths.length]!, change, pick, breaker);
        }),
    },
  );
};

// The schema with every construct is drawn as often as the store's eight together: its checks are the rarest.
const caseArb = fc.oneof(
  ...SCHEMAS.map(([name, schema]) => ({
    weight: schema === EveryConstructSchema ? SCHEMAS.length - 1 : 1,
    arbitrary: valuesOf(schema).map((value) => ({ name, schema, value })),
  })),
);

describe("quickSafeParse answers as zod's safeParse", () => {
  it("accepts what safeParse accepts, with the same data in the same key order, and refuses with zod's issues", () => {
    fc.assert(
      fc.property(caseArb, ({ name, schema, value }) => {
        const slow = schema.safeParse(value);
        const quick = quickSafeParse(schema, value);
        cheapExpect(quick.success, name).toBe(slow.success);
        if (slow.success) {
          const same =
            isDeepStrictEqual(quick.data, slow.data) && isDeepStrictEqual(keyOrder(quick.data), keyOrder(slow.data));
          cheapExpect(same, () => `${name}: ${JSON.stringify(quick.data)} against ${JSON.stringify(slow.data)}`).toBe(
            true,
          );
        } else cheapExpect(quick.error?.issues).toEqual(slow.error.issues);
      }),
      { numRuns: 1000 },
    );
  });

  it("counts a string's length in code points, as zod does, at every length check's edges", () => {
    const strings = [
      "",
      "a",
      "ab",
      "abc",
      "\u{1F600}",
      "a\u{1F600}",
      "\u{1F600}\u{1F600}",
      "\ud800",
      "\ud800\ud800",
      "\ude00\ud83d",
    ];
    for (const schema of [z.string().min(2), z.string().max(1), z.string().length(2), z.string().min(1).max(2)])
      for (const value of strings) expect(quickSafeParse(schema, value), value).toEqual(schema.safeParse(value));
  });

  it("reads a valid marker, start record, log entry and interrupt table changes without zod", () => {
    const values: readonly (readonly [z.ZodType, unknown])[] = [
      [
        MarkerSchema,
        { paneId: "%3", tokenHash: "e".repeat(64), spawnedAt: 1, attempt: 2, panePid: 7, tmuxServer: null },
      ],
      [StartRecordSchema, { attempt: 2, startedAt: 1, endedAt: null, paneId: "%3", outcome: "running" }],
      [NewLogEntrySchema, { kind: "watch", text: "watching %3", at: 1, author: "kit" }],
      [
        InterruptTableChangesSchema,
        {
          dedupeMarks: [{ key: "k", at: null }],
          sourceWakes: [{ source: "%3", times: [1, 2] }],
          repeats: [{ key: "k", repeat: { source: "%3", kind: "ci", message: "red", count: 2 } }],
        },
      ],
    ];
    for (const [schema, value] of values) {
      const safeParse = vi.spyOn(schema, "safeParse");
      expect(quickSafeParse(schema, value)).toEqual({ success: true, data: value });
      expect(safeParse).not.toHaveBeenCalled();
      safeParse.mockRestore();
    }
  });
});
