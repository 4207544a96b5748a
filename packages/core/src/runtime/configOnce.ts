/**
 * The core configuration parsed once per distinct input. A property run
 * builds a world or a runtime per case from the same few inputs, and parsing
 * the configuration (every field and its default) cost more than many of
 * those runs' steps. A configuration is part of the core's immutable state,
 * so one parsed value serves every equal input.
 */
import { type CoreConfig, type CoreConfigInput, parseCoreConfig } from "../config.js";

/** Inputs remembered at most (a property that generates its configuration brings a new one per case). */
const KEPT = 256;
const parsed = new Map<string, CoreConfig>();

/**
 * The input as a key when it is plain data whose JSON says all of it:
 * finite numbers (not -0), strings, booleans, null, arrays and plain
 * objects; otherwise (a pattern, a function, undefined) null, and it is
 * parsed afresh.
 */
const keyOf = (input: CoreConfigInput): string | null => {
  const plain = (value: unknown): boolean => {
    if (value === null || typeof value === "string" || typeof value === "boolean") return true;
    if (typeof value === "number") return Number.isFinite(value) && !Object.is(value, -0);
    if (Array.isArray(value)) return value.every(plain);
    if (typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) return false;
    return Object.values(value).every(plain);
  };
  return plain(input) ? JSON.stringify(input) : null;
};

/** `parseCoreConfig`, remembered per distinct plain input; an invalid input throws each time, as it does there. */
export const parseCoreConfigOnce = (input: CoreConfigInput = {}): CoreConfig => {
  const key = keyOf(input);
  if (key === null) return parseCoreConfig(input);
  const known = parsed.get(key);
  if (known !== undefined) return known;
  const config = parseCoreConfig(input);
  if (parsed.size >= KEPT) parsed.delete(parsed.keys().next().value!);
  parsed.set(key, config);
  return config;
};
