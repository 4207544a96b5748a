/**
 * `schema.safeParse(value)`, answered without zod's walk where the answer is
 * sure to be the same: the fake store checks every write as the real stores
 * do, and zod's generic walk of a record that passes cost the suites a few
 * µs per write, at hundreds of thousands of writes.
 *
 * Guarantees: a value accepted here is one zod accepts, copied as zod
 * copies it (an object gets the schema's keys in the schema's order, unknown
 * keys left out; an array is a new array; a primitive is itself). Everything
 * else goes to zod, so every refusal and its message are zod's own: a value
 * that fails a check, an object that is not plain, an optional key present
 * but undefined, and every schema made of anything beyond objects, strings
 * (length and pattern checks), numbers (safe-integer and bound checks),
 * booleans, null, enums of strings, literals, nullable values, optional
 * fields and arrays (length checks) — a refinement, a default, a union, a
 * record or an unknown check sends the whole schema to zod.
 */
import type { z } from "zod";

/** What a reader answers for a value it cannot vouch for: zod decides it. */
const UNSURE: unique symbol = Symbol("unsure");

/** The copy zod would give of a value the schema accepts, or UNSURE. */
type Reader = (value: unknown) => unknown;

interface CheckDef {
  readonly check: string;
  readonly format?: string;
  readonly value?: unknown;
  readonly inclusive?: boolean;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly length?: number;
  readonly pattern?: RegExp;
}

interface SchemaDef {
  readonly type: string;
  readonly checks?: readonly { readonly _zod: { readonly def: CheckDef } }[];
  readonly coerce?: boolean;
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly catchall?: z.ZodType;
  readonly innerType?: z.ZodType;
  readonly element?: z.ZodType;
  readonly entries?: Readonly<Record<string, unknown>>;
  readonly values?: readonly unknown[];
}

const defOf = (schema: z.ZodType): SchemaDef => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
const checksOf = (def: SchemaDef): readonly CheckDef[] => (def.checks ?? []).map((check) => check._zod.def);

/** A test of a length (a string's or an array's), or null for a check it does not know. */
const lengthTest = (check: CheckDef): ((length: number) => boolean) | null => {
  const { minimum, maximum, length } = check;
  if (check.check === "min_length" && typeof minimum === "number") return (n) => n >= minimum;
  if (check.check === "max_length" && typeof maximum === "number") return (n) => n <= maximum;
  if (check.check === "length_equals" && typeof length === "number") return (n) => n === length;
  return null;
};

/** Every test must pass; null when one of the checks is not known. */
const allOf = <T>(tests: readonly (((value: T) => boolean) | null)[]): ((value: T) => boolean) | null => {
  if (tests.some((test) => test === null)) return null;
  const known = tests as readonly ((value: T) => boolean)[];
  return (value) => {
    for (const test of known) if (!test(value)) return false;
    return true;
  };
};

const stringReader = (def: SchemaDef): Reader | null => {
  if (def.coerce) return null;
  const passes = allOf<string>(
    checksOf(def).map((check) => {
      const pattern = check.pattern;
      if (check.check === "string_format")
        return check.format === "regex" && pattern instanceof RegExp
          ? (value) => {
              pattern.lastIndex = 0;
              return pattern.test(value);
            }
          : null;
      const length = lengthTest(check);
      return length && ((value) => length(value.length));
    }),
  );
  return passes && ((value) => (typeof value === "string" && passes(value) ? value : UNSURE));
};

const numberReader = (def: SchemaDef): Reader | null => {
  if (def.coerce) return null;
  const passes = allOf<number>(
    checksOf(def).map((check) => {
      const bound = check.value;
      if (check.check === "number_format") return check.format === "safeint" ? Number.isSafeInteger : null;
      if (typeof bound !== "number") return null;
      if (check.check === "greater_than") return check.inclusive ? (value) => value >= bound : (value) => value > bound;
      if (check.check === "less_than") return check.inclusive ? (value) => value <= bound : (value) => value < bound;
      return null;
    }),
  );
  return passes && ((value) => (typeof value === "number" && Number.isFinite(value) && passes(value) ? value : UNSURE));
};

const arrayReader = (def: SchemaDef): Reader | null => {
  const element = def.element && readerOf(def.element);
  const passes = allOf<number>(checksOf(def).map(lengthTest));
  if (!element || !passes) return null;
  return (value) => {
    if (!Array.isArray(value) || !passes(value.length)) return UNSURE;
    const copy: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const read = element(value[i]);
      if (read === UNSURE) return UNSURE;
      copy.push(read);
    }
    return copy;
  };
};

interface Field {
  readonly key: string;
  readonly optional: boolean;
  readonly read: Reader;
}

const objectReader = (def: SchemaDef): Reader | null => {
  if (def.catchall !== undefined || !def.shape) return null;
  const fields: Field[] = [];
  for (const [key, schema] of Object.entries(def.shape)) {
    const fieldDef = defOf(schema);
    const optional = fieldDef.type === "optional";
    if (key === "__proto__" || (optional && (fieldDef.checks?.length || !fieldDef.innerType))) return null;
    const read = readerOf(optional ? fieldDef.innerType! : schema);
    if (!read) return null;
    fields.push({ key, optional, read });
  }
  return (value) => {
    if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype) return UNSURE;
    const record = value as Record<string, unknown>;
    const copy: Record<string, unknown> = {};
    for (const { key, optional, read } of fields) {
      if (!(key in record)) {
        if (optional) continue;
        return UNSURE;
      }
      const field = record[key];
      // Undefined is where zod's rules for present, absent and optional keys differ: zod decides.
      if (field === undefined) return UNSURE;
      const copied = read(field);
      if (copied === UNSURE) return UNSURE;
      copy[key] = copied;
    }
    return copy;
  };
};

/** A reader for a schema, or null when the schema holds anything it does not model (zod then decides). */
const build = (schema: z.ZodType): Reader | null => {
  const def = defOf(schema);
  if (def.type === "string") return stringReader(def);
  if (def.type === "number") return numberReader(def);
  if (def.type === "array") return arrayReader(def);
  // The other kinds it models carry no checks of their own.
  if (def.checks?.length) return null;
  switch (def.type) {
    case "object":
      return objectReader(def);
    case "nullable": {
      const inner = def.innerType && readerOf(def.innerType);
      return inner ? (value) => (value === null ? null : inner(value)) : null;
    }
    case "boolean":
      return (value) => (typeof value === "boolean" ? value : UNSURE);
    case "null":
      return (value) => (value === null ? null : UNSURE);
    case "enum": {
      const values = Object.values(def.entries ?? {});
      if (!values.every((entry) => typeof entry === "string")) return null;
      const known = new Set<unknown>(values);
      return (value) => (known.has(value) ? value : UNSURE);
    }
    case "literal": {
      const known = new Set<unknown>(def.values ?? []);
      return (value) => (known.has(value) ? value : UNSURE);
    }
    default:
      return null;
  }
};

/** Readers already built, per schema (null: the schema is zod's alone). */
const readers = new WeakMap<z.ZodType, Reader | null>();

const readerOf = (schema: z.ZodType): Reader | null => {
  let reader = readers.get(schema);
  if (reader === undefined) {
    reader = build(schema);
    readers.set(schema, reader);
  }
  return reader;
};

/**
 * What `schema.safeParse(value)` answers: the same acceptance and the same
 * data, without zod's walk for a plain value the schema accepts (see the
 * module's header for what is read here and what is left to zod).
 */
export const quickSafeParse = <S extends z.ZodType>(schema: S, value: unknown): z.ZodSafeParseResult<z.output<S>> => {
  const read = readerOf(schema);
  const copy = read === null ? UNSURE : read(value);
  return copy === UNSURE
    ? schema.safeParse(value)
    : ({ success: true, data: copy as z.output<S> } as z.ZodSafeParseResult<z.output<S>>);
};
