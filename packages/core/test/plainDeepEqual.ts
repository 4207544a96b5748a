/**
 * A strict deep equality for plain data (arrays, objects of
 * `Object.prototype`, primitives) that says "equal" only where
 * `util.isDeepStrictEqual` does, at about half its cost on the core's states,
 * events and world records — the model and world suites compare thousands
 * of those per property.
 *
 * It answers `false` for anything it does not settle: another prototype, a
 * hole or an extra key on an array, a symbol key. So `false` means "not
 * surely equal": a caller that needs the verdict asks `isDeepStrictEqual`
 * then (see `deepStrictEqual`). Objects of `Object.prototype` are taken for
 * plain ones: a Map, Date or arguments object whose prototype was swapped
 * for `Object.prototype` would be misjudged (the suites have none).
 */
import { isDeepStrictEqual } from "node:util";

const ARRAY_PROTOTYPE = Array.prototype;
const OBJECT_PROTOTYPE = Object.prototype;
const { getPrototypeOf, getOwnPropertySymbols, keys } = Object;
const isEnumerable = (value: object, key: string): boolean => OBJECT_PROTOTYPE.propertyIsEnumerable.call(value, key);

/** Whether `array`'s own keys are its indices and nothing else (no hole, no extra key, no symbol). */
const onlyIndices = (array: readonly unknown[]): boolean => {
  const length = array.length;
  const own = keys(array);
  // Indices come first, ascending: with as many keys as the length, the last one is the last index unless an extra key filled a hole's place.
  return (
    own.length === length &&
    (length === 0 || own[length - 1] === String(length - 1)) &&
    getOwnPropertySymbols(array).length === 0
  );
};

const sameArrays = (a: readonly unknown[], b: readonly unknown[]): boolean => {
  const length = a.length;
  if (length !== b.length || !Array.isArray(a) || !Array.isArray(b) || !onlyIndices(a) || !onlyIndices(b)) return false;
  for (let index = 0; index < length; index++) if (!surelyDeepStrictEqual(a[index], b[index])) return false;
  return true;
};

const sameObjects = (a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean => {
  const own = keys(a);
  if (own.length !== keys(b).length || getOwnPropertySymbols(a).length !== 0 || getOwnPropertySymbols(b).length !== 0)
    return false;
  for (const key of own) if (!isEnumerable(b, key) || !surelyDeepStrictEqual(a[key], b[key])) return false;
  return true;
};

/**
 * `true` only where `isDeepStrictEqual(a, b)` is true: the same value
 * (`Object.is`), or arrays and plain objects with the same own enumerable
 * keys holding such values. `false` where it is not equal or not settled.
 */
export const surelyDeepStrictEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return a !== 0 || Object.is(a, b);
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null)
    return Number.isNaN(a) && Number.isNaN(b);
  const prototype = getPrototypeOf(a);
  if (prototype !== getPrototypeOf(b)) return false;
  if (prototype === ARRAY_PROTOTYPE) return sameArrays(a as readonly unknown[], b as readonly unknown[]);
  if (prototype === OBJECT_PROTOTYPE)
    return sameObjects(a as Readonly<Record<string, unknown>>, b as Readonly<Record<string, unknown>>);
  return false;
};

/** `isDeepStrictEqual(a, b)`, settled by `surelyDeepStrictEqual` where that can. */
export const deepStrictEqual = (a: unknown, b: unknown): boolean =>
  surelyDeepStrictEqual(a, b) || isDeepStrictEqual(a, b);
