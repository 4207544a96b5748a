/**
 * `schema.safeParse(value)`, answered without zod's walk where the answer is
 * sure to be the same. The fake store checks every write as the real stores
 * do, and the arbitraries derived from schemas keep only what the schema
 * accepts: zod's generic walk of a value that passes cost the suites
 * microseconds per write and tens of microseconds per generated event, at
 * hundreds of thousands of each.
 *
 * Guarantees: a value accepted here is one zod accepts, copied as zod
 * copies it (an object gets the schema's keys in the schema's order, unknown
 * keys left out; an array is a new array; a primitive is itself). Everything else goes to zod, so every
 * refusal and its message are zod's own: a value that fails a check, an
 * object that is not plain, a key present but undefined, an absent key that
 * zod would fill in, and any part of a schema beyond objects, strings
 * (length in code points, as zod counts it, and pattern checks), numbers (safe-integer and bound checks),
 * booleans, null, enums of strings, literals, nullable, optional and
 * defaulted values, discriminated unions, arrays (length checks) and
 * records with checked keys — a value that reaches a refinement, a plain
 * union, a record keyed by an enum or an unknown check is zod's.
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
  readonly options?: readonly z.ZodType[];
  readonly discriminator?: string;
  readonly unionFallback?: boolean;
  readonly keyType?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly mode?: string;
  readonly partial?: boolean;
}

const defOf = (schema: z.ZodType): SchemaDef => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
const checksOf = (def: SchemaDef): readonly CheckDef[] => (def.checks ?? []).map((check) => check._zod.def);

/**
 * A string's length as zod counts it: in code points (a surrogate pair is
 * one), where UTF-16 units could decide otherwise; an array's in elements.
 */
const codePoints = (text: string): number => {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    if ((text.charCodeAt(i) & 0xfc00) === 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      count--;
      i++;
    }
  }
  return count;
};

/** A test of a length (a string's or an array's), or null for a check it does not know. */
const lengthTest = (check: CheckDef): ((value: string | readonly unknown[]) => boolean) | null => {
  const { minimum, maximum, length } = check;
  const counted = (value: string | readonly unknown[]): number =>
    typeof value === "string" ? codePoints(value) : value.length;
  // A code point is one or two units: only between the bound and twice it do units and code points differ.
  if (check.check === "min_length" && typeof minimum === "number")
    return (value) => value.length >= minimum * 2 || (value.length >= minimum && counted(value) >= minimum);
  if (check.check === "max_length" && typeof maximum === "number")
    return (value) => value.length <= maximum || counted(value) <= maximum;
  if (check.check === "length_equals" && typeof length === "number")
    return (value) => value.length >= length && value.length <= length * 2 && counted(value) === length;
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
      return lengthTest(check);
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

/** The reader of a schema (or a part of one) it does not model: every value of it goes to zod. */
const zodDecides: Reader = () => UNSURE;

const arrayReader = (def: SchemaDef): Reader => {
  const element = def.element ? readerOf(def.element) : zodDecides;
  const passes = allOf<readonly unknown[]>(checksOf(def).map(lengthTest));
  if (element === zodDecides || !passes) return zodDecides;
  return (value) => {
    if (!Array.isArray(value) || !passes(value)) return UNSURE;
    const copy: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const read = element(value[i]);
      if (read === UNSURE) return UNSURE;
      copy.push(read);
    }
    return copy;
  };
};

/** An object literal or one with no prototype (as fast-check builds a record with optional keys). */
const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

interface Field {
  readonly key: string;
  /** An optional field that zod leaves out when its key is absent (nothing stands in for it). */
  readonly leftOutWhenAbsent: boolean;
  readonly read: Reader;
}

const objectReader = (def: SchemaDef): Reader => {
  if (def.catchall !== undefined || !def.shape) return zodDecides;
  const fields: Field[] = [];
  for (const [key, schema] of Object.entries(def.shape)) {
    const fieldDef = defOf(schema);
    const optional = fieldDef.type === "optional" && !fieldDef.checks?.length && fieldDef.innerType !== undefined;
    if (key === "__proto__") return zodDecides;
    fields.push({
      key,
      leftOutWhenAbsent: optional && (schema as unknown as { _zod: { optin?: string } })._zod.optin === "optional",
      read: readerOf(optional ? fieldDef.innerType! : schema),
    });
  }
  return (value) => {
    if (!isPlainObject(value)) return UNSURE;
    const copy: Record<string, unknown> = {};
    for (let index = 0; index < fields.length; index++) {
      const { key, leftOutWhenAbsent, read } = fields[index]!;
      const field = value[key];
      // Only an undefined field asks whether its key is there (a defined one is): an absent optional key is left
      // out; an absent required key, or one present but undefined (where zod's rules for present, absent,
      // optional and defaulted keys differ), zod decides.
      if (field === undefined) {
        if (leftOutWhenAbsent && !(key in value)) continue;
        return UNSURE;
      }
      const copied = read(field);
      if (copied === UNSURE) return UNSURE;
      copy[key] = copied;
    }
    return copy;
  };
};

/**
 * A record whose keys are checked one by one (not an enum's keys, which zod
 * asks for each): zod copies each own enumerable key in `Reflect.ownKeys`
 * order, and so does this, for an object literal (or one with no prototype)
 * without a key of its own named `constructor` (zod's test of a plain object
 * reads it) or `__proto__` (zod leaves it out), a symbol, or a key that is not
 * enumerable (zod skips it): every other value is zod's.
 */
const recordReader = (def: SchemaDef): Reader => {
  if (def.mode !== undefined || def.partial || !def.keyType || !def.valueType) return zodDecides;
  if ((def.keyType as unknown as { _zod: { values?: unknown } })._zod.values !== undefined) return zodDecides;
  const readKey = readerOf(def.keyType);
  const readValue = readerOf(def.valueType);
  if (readKey === zodDecides || readValue === zodDecides) return zodDecides;
  return (value) => {
    if (!isPlainObject(value) || Object.hasOwn(value, "constructor")) return UNSURE;
    const copy: Record<string, unknown> = {};
    const keys = Reflect.ownKeys(value);
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index]!;
      if (typeof key !== "string" || key === "__proto__" || !Object.prototype.propertyIsEnumerable.call(value, key))
        return UNSURE;
      const readKeyAs = readKey(key);
      if (readKeyAs !== key) return UNSURE;
      const field = value[key];
      if (field === undefined) return UNSURE;
      const copied = readValue(field);
      if (copied === UNSURE) return UNSURE;
      copy[key] = copied;
    }
    return copy;
  };
};

/** A discriminated union: zod runs the one option its discriminator's value names, and so does this. */
const discriminatedReader = (def: SchemaDef): Reader => {
  const discriminator = def.discriminator;
  if (discriminator === undefined || def.unionFallback) return zodDecides;
  const byTag = new Map<unknown, Reader>();
  for (const option of def.options ?? []) {
    const tag = defOf(option).shape?.[discriminator];
    const tagDef = tag && defOf(tag);
    const tags =
      tagDef?.type === "literal"
        ? (tagDef.values ?? [])
        : tagDef?.type === "enum"
          ? Object.values(tagDef.entries ?? {})
          : null;
    if (tags === null) return zodDecides;
    for (const value of tags) {
      if (byTag.has(value) || value === undefined) return zodDecides;
      byTag.set(value, readerOf(option));
    }
  }
  return (value) => {
    if (!isPlainObject(value)) return UNSURE;
    return (byTag.get(value[discriminator]) ?? zodDecides)(value);
  };
};

/** The reader of a schema: `zodDecides` for anything it does not model. */
const build = (schema: z.ZodType): Reader => {
  const def = defOf(schema);
  if (def.type === "string") return stringReader(def) ?? zodDecides;
  if (def.type === "number") return numberReader(def) ?? zodDecides;
  if (def.type === "array") return arrayReader(def);
  // The other kinds it models carry no checks of their own.
  if (def.checks?.length) return zodDecides;
  switch (def.type) {
    case "object":
      return objectReader(def);
    case "union":
      return discriminatedReader(def);
    case "record":
      return recordReader(def);
    case "nullable": {
      const inner = def.innerType ? readerOf(def.innerType) : zodDecides;
      return (value) => (value === null ? null : inner(value));
    }
    case "default": {
      // Undefined is replaced by the default, which zod alone gives; any other value is the inner schema's.
      return def.innerType ? readerOf(def.innerType) : zodDecides;
    }
    case "boolean":
      return (value) => (typeof value === "boolean" ? value : UNSURE);
    case "null":
      return (value) => (value === null ? null : UNSURE);
    case "enum": {
      const values = Object.values(def.entries ?? {});
      if (!values.every((entry) => typeof entry === "string")) return zodDecides;
      const known = new Set<unknown>(values);
      return (value) => (known.has(value) ? value : UNSURE);
    }
    case "literal": {
      const known = new Set<unknown>(def.values ?? []);
      return (value) => (known.has(value) ? value : UNSURE);
    }
    default:
      return zodDecides;
  }
};

/** Readers already built, per schema. */
const readers = new WeakMap<z.ZodType, Reader>();

const readerOf = (schema: z.ZodType): Reader => {
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
  const copy = readerOf(schema)(value);
  return copy === UNSURE
    ? schema.safeParse(value)
    : ({ success: true, data: copy as z.output<S> } as z.ZodSafeParseResult<z.output<S>>);
};
