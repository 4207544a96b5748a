/**
 * fast-check arbitraries derived from the core's zod schemas, so a property
 * can range over every value a schema accepts — every event kind, with
 * extreme numbers (times past year 275760, the largest safe integer) — and
 * stay in step with the schemas as they grow.
 *
 * Covers the zod constructs the core's schemas use (objects, unions,
 * literals, enums, strings with length and pattern checks, numbers with
 * bounds, arrays, records, optional and nullable). Each value is checked
 * against the schema before it is produced, so a refinement the walk does
 * not model never lets an invalid value through (`quickSafeParse`: zod's
 * answer, the same acceptance and data, without zod's walk for a plain value
 * that passes — the same values for the same seed).
 */
import fc from "fast-check";
import type { z } from "zod";
import { quickSafeParse } from "./quickSafeParse.js";

/** Integers a time field may hold, weighted towards a realistic window but reaching the extremes. */
const instantArb = (min: number, max: number, near: number): fc.Arbitrary<number> =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.integer({ min: Math.max(min, near - 3_600_000), max: Math.min(max, near + 3_600_000) }),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(0, 1, 8.64e15, 8.64e15 + 1, 8.7e15, Number.MAX_SAFE_INTEGER)
        .filter((n) => n >= min && n <= max),
    },
    { weight: 1, arbitrary: fc.integer({ min, max }) },
  );

interface Check {
  readonly check: string;
  readonly value?: number;
  readonly inclusive?: boolean;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly length?: number;
  readonly format?: string;
  readonly pattern?: RegExp;
}

interface Def {
  readonly type: string;
  readonly checks?: readonly { readonly _zod: { readonly def: Check } }[];
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly innerType?: z.ZodType;
  readonly element?: z.ZodType;
  readonly keyType?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly values?: readonly unknown[];
  readonly entries?: Readonly<Record<string, string>>;
  readonly in?: z.ZodType;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;
const checksOf = (def: Def): Check[] => (def.checks ?? []).map((check) => check._zod.def);

const numberArb = (def: Def, near: number): fc.Arbitrary<number> => {
  let min = Number.MIN_SAFE_INTEGER;
  let max = Number.MAX_SAFE_INTEGER;
  let integer = false;
  for (const check of checksOf(def)) {
    if (check.check === "number_format") integer = check.format === "safeint" || check.format === "int32";
    if (check.check === "greater_than" && check.value !== undefined)
      min = Math.max(min, check.inclusive ? check.value : check.value + (integer ? 1 : Number.EPSILON));
    if (check.check === "less_than" && check.value !== undefined)
      max = Math.min(max, check.inclusive ? check.value : check.value - (integer ? 1 : Number.EPSILON));
  }
  if (integer) {
    min = Math.ceil(min);
    max = Math.floor(max);
    return min >= 0 && max > 1e12 ? instantArb(min, max, near) : fc.integer({ min, max });
  }
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
};

const stringArb = (def: Def): fc.Arbitrary<string> => {
  let minLength = 0;
  let maxLength: number | null = null;
  let pattern: RegExp | null = null;
  for (const check of checksOf(def)) {
    if (check.check === "min_length" && check.minimum !== undefined) minLength = check.minimum;
    if (check.check === "max_length" && check.maximum !== undefined) maxLength = check.maximum;
    if (check.check === "length_equals" && check.length !== undefined) minLength = maxLength = check.length;
    if (check.check === "string_format" && check.pattern instanceof RegExp) pattern = check.pattern;
  }
  if (pattern !== null) {
    const within = (s: string) => s.length >= minLength && (maxLength === null || s.length <= maxLength);
    return fc.stringMatching(pattern).filter(within);
  }
  // Short strings keep runs fast; a schema's own maximum is reached now and
  // then, when it is small enough to build quickly (a screen's 256 KiB is not).
  const cap = Math.min(maxLength ?? 40, 4_000);
  return fc.oneof(
    { weight: 9, arbitrary: fc.string({ minLength, maxLength: Math.max(minLength, Math.min(cap, 40)) }) },
    { weight: 1, arbitrary: fc.string({ minLength: Math.max(minLength, cap), maxLength: Math.max(minLength, cap) }) },
  );
};

const arrayLimits = (def: Def): { minLength: number; maxLength: number } => {
  let minLength = 0;
  let maxLength = 4;
  for (const check of checksOf(def)) {
    if (check.check === "min_length" && check.minimum !== undefined) minLength = check.minimum;
    if (check.check === "max_length" && check.maximum !== undefined) maxLength = Math.min(maxLength, check.maximum);
    if (check.check === "length_equals" && check.length !== undefined) minLength = maxLength = check.length;
  }
  return { minLength, maxLength: Math.max(minLength, maxLength) };
};

/**
 * Arbitraries already built, per schema and time anchor. A schema shared by
 * many others (a pane id, a marker, a listed pane) is walked once: an
 * arbitrary is immutable, so one serves every place and draws the same
 * values a fresh one would. Building them was most of the cost of
 * `schemaArbitrary(EventSchema)` (a 64-digit pattern alone takes ms).
 */
const built = new WeakMap<z.ZodType, Map<number, fc.Arbitrary<unknown>>>();

const walk = (schema: z.ZodType, near: number): fc.Arbitrary<unknown> => {
  let byNear = built.get(schema);
  if (byNear === undefined) {
    byNear = new Map();
    built.set(schema, byNear);
  }
  let arbitrary = byNear.get(near);
  if (arbitrary === undefined) {
    arbitrary = build(schema, near);
    byNear.set(near, arbitrary);
  }
  return arbitrary;
};

const build = (schema: z.ZodType, near: number): fc.Arbitrary<unknown> => {
  const def = defOf(schema);
  switch (def.type) {
    case "object": {
      const shape = def.shape ?? {};
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      const required: string[] = [];
      for (const [key, field] of Object.entries(shape)) {
        const fieldDef = defOf(field);
        if (fieldDef.type === "optional" && fieldDef.innerType) model[key] = walk(fieldDef.innerType, near);
        else {
          model[key] = walk(field, near);
          required.push(key);
        }
      }
      return fc.record(model, { requiredKeys: required });
    }
    case "optional":
      return fc.option(walk(def.innerType!, near), { nil: undefined });
    case "nullable":
      return fc.option(walk(def.innerType!, near), { nil: null });
    case "default":
    case "readonly":
    case "catch":
      return walk(def.innerType!, near);
    case "pipe":
      return walk(def.in!, near);
    case "string":
      return stringArb(def);
    case "number":
      return numberArb(def, near);
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "literal":
      return fc.constantFrom(...(def.values ?? []));
    case "enum":
      return fc.constantFrom(...Object.values(def.entries ?? {}));
    case "array":
      return fc.array(walk(def.element!, near), arrayLimits(def));
    case "record":
      return fc
        .array(fc.tuple(walk(def.keyType!, near), walk(def.valueType!, near)), { maxLength: 3 })
        .map((pairs) => Object.fromEntries(pairs as [PropertyKey, unknown][]));
    case "union":
      return fc.oneof(...(def.options ?? []).map((option) => walk(option, near)));
    case "unknown":
    case "any":
      return fc.jsonValue();
    default:
      throw new Error(`schemaArbitrary: zod type "${def.type}" is not modelled`);
  }
};

/**
 * An arbitrary of values `schema` accepts (parsed, so defaults and
 * transforms apply). Times cluster around `near` (epoch ms) and reach the
 * extremes a schema allows.
 */
export const schemaArbitrary = <S extends z.ZodType>(
  schema: S,
  options: { readonly near?: number } = {},
): fc.Arbitrary<z.infer<S>> =>
  walk(schema, options.near ?? 1_700_000_000_000)
    .map((value) => quickSafeParse(schema, value))
    .filter((parsed) => parsed.success)
    .map((parsed) => parsed.data as z.infer<S>);
