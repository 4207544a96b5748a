/**
 * `expect` for the hot loops of the property and model suites: the same
 * matchers, passing and failing exactly when vitest's do, at a fraction of
 * the cost.
 *
 * Each `expect(...)` call costs vitest several microseconds of bookkeeping
 * before it compares anything (tens for `toHaveLength`); a property that
 * checks every transition of 1000 runs pays that hundreds of thousands of
 * times. Here each matcher first decides with a plain comparison that can
 * only say "passes" where vitest's matcher passes too (`util.isDeepStrictEqual`
 * for `toEqual`, settled on plain data by a cheaper walk, plainDeepEqual.ts;
 * `Object.is` for `toBe`, ...). Whenever that comparison does not settle it,
 * the very `expect` matcher runs: it decides, and a failure is vitest's own,
 * with its diff. A message can be given as a function, built only when the
 * matcher fails.
 *
 * Not for values with asymmetric matchers or custom equality testers (there
 * are none in the suite): those always take vitest's path, so they stay
 * correct, only not cheaper. One-off assertions keep plain `expect`.
 */
import { expect } from "vitest";
import { deepStrictEqual } from "./plainDeepEqual.js";

/** A failure message, or a function building it when (and only when) a matcher fails. */
export type LazyMessage = string | (() => string);

const messageOf = (message: LazyMessage | undefined): string | undefined =>
  typeof message === "function" ? message() : message;

const isString = (value: unknown): value is string => typeof value === "string";

const containsString = (actual: unknown, item: unknown): boolean =>
  isString(actual) && isString(item) && actual.includes(item);

/** Whether `actual` has each of `expected`'s own properties, each a plain value, as its own property. */
const hasEach = (actual: object, expected: object): boolean =>
  Object.getPrototypeOf(expected) === Object.prototype &&
  Object.getOwnPropertySymbols(expected).length === 0 &&
  Object.entries(expected).every(
    ([key, value]) =>
      (value === null || typeof value !== "object") &&
      Object.hasOwn(actual, key) &&
      Object.is(Reflect.get(actual, key), value),
  );

/** The negated matchers (`.not`), each settled cheaply when it surely passes. */
class NegatedCheapExpectation<T> {
  constructor(
    private readonly actual: T,
    private readonly message: LazyMessage | undefined,
  ) {}

  private vitest() {
    return expect(this.actual, messageOf(this.message)).not;
  }

  /** `expect(actual).not.toBe(expected)`. */
  toBe(expected: unknown): void {
    if (!Object.is(this.actual, expected)) return;
    this.vitest().toBe(expected);
  }

  /** `expect(actual).not.toBeNull()`. */
  toBeNull(): void {
    if (this.actual !== null) return;
    this.vitest().toBeNull();
  }

  /**
   * `expect(actual).not.toContain(item)`. vitest looks an array's items up by
   * strict equality (`indexOf`): what `includes` does not find, it does not
   * either; and a string in a string with `includes`.
   */
  toContain(item: unknown): void {
    const actual = this.actual;
    if (Array.isArray(actual) ? !actual.includes(item) : isString(actual) && isString(item) && !actual.includes(item))
      return;
    this.vitest().toContain(item);
  }

  /** `expect(actual).not.toMatch(pattern)`: vitest matches a string with `String.prototype.match`. */
  toMatch(pattern: RegExp): void {
    if (typeof this.actual === "string" && this.actual.match(pattern) === null) return;
    this.vitest().toMatch(pattern);
  }
}

/** The matchers of `expect(actual, message)` the hot loops use, each settled cheaply when it surely passes. */
class CheapExpectation<T> {
  constructor(
    private readonly actual: T,
    private readonly message: LazyMessage | undefined,
  ) {}

  private vitest() {
    return expect(this.actual, messageOf(this.message));
  }

  /** The negated matchers. */
  get not(): NegatedCheapExpectation<T> {
    return new NegatedCheapExpectation(this.actual, this.message);
  }

  /**
   * `expect(actual).toEqual(expected)`. Values deeply and strictly equal are
   * equal to vitest too; the converse does not hold (vitest ignores
   * properties that are `undefined`, and prototypes), so anything else is
   * left to vitest.
   */
  toEqual(expected: unknown): void {
    if (deepStrictEqual(this.actual, expected)) return;
    this.vitest().toEqual(expected);
  }

  /** `expect(actual).toBe(expected)`: vitest compares with `Object.is`. */
  toBe(expected: unknown): void {
    if (Object.is(this.actual, expected)) return;
    this.vitest().toBe(expected);
  }

  /** `expect(actual).toBeNull()`. */
  toBeNull(): void {
    if (this.actual === null) return;
    this.vitest().toBeNull();
  }

  /** `expect(actual).toBeUndefined()`. */
  toBeUndefined(): void {
    if (this.actual === undefined) return;
    this.vitest().toBeUndefined();
  }

  /** `expect(actual).toBeDefined()`. */
  toBeDefined(): void {
    if (this.actual !== undefined) return;
    this.vitest().toBeDefined();
  }

  /**
   * `expect(actual).toContain(item)`: vitest looks an array's items up by
   * strict equality (`indexOf`), and a string in a string with `includes`.
   */
  toContain(item: unknown): void {
    if (Array.isArray(this.actual) ? this.actual.indexOf(item) !== -1 : containsString(this.actual, item)) return;
    this.vitest().toContain(item);
  }

  /** `expect(actual).toContainEqual(item)`: an item deeply and strictly equal is equal to vitest too. */
  toContainEqual(item: unknown): void {
    if (Array.isArray(this.actual) && this.actual.some((element) => deepStrictEqual(element, item))) return;
    this.vitest().toContainEqual(item);
  }

  /** `expect(actual).toMatch(pattern)`: vitest matches a string with `String.prototype.match`. */
  toMatch(pattern: RegExp): void {
    if (typeof this.actual === "string" && this.actual.match(pattern) !== null) return;
    this.vitest().toMatch(pattern);
  }

  /**
   * `expect(actual).toMatchObject(expected)` for a flat `expected` of plain
   * values: an object that has each of them as an own property is matched by
   * vitest too.
   */
  toMatchObject(expected: Readonly<Record<string, string | number | boolean | null | undefined>>): void {
    const actual: unknown = this.actual;
    if (typeof actual === "object" && actual !== null && !Array.isArray(actual) && hasEach(actual, expected)) return;
    this.vitest().toMatchObject(expected);
  }

  /** `expect(actual).toHaveLength(length)`, settled at once for an array of that length. */
  toHaveLength(length: number): void {
    if (Array.isArray(this.actual) && this.actual.length === length) return;
    this.vitest().toHaveLength(length);
  }

  /** `expect(actual).toBeGreaterThan(bound)`, settled at once for numbers. */
  toBeGreaterThan(bound: number): void {
    if (typeof this.actual === "number" && this.actual > bound) return;
    this.vitest().toBeGreaterThan(bound);
  }

  /** `expect(actual).toBeGreaterThanOrEqual(bound)`, settled at once for numbers. */
  toBeGreaterThanOrEqual(bound: number): void {
    if (typeof this.actual === "number" && this.actual >= bound) return;
    this.vitest().toBeGreaterThanOrEqual(bound);
  }

  /** `expect(actual).toBeLessThan(bound)`, settled at once for numbers. */
  toBeLessThan(bound: number): void {
    if (typeof this.actual === "number" && this.actual < bound) return;
    this.vitest().toBeLessThan(bound);
  }

  /** `expect(actual).toBeLessThanOrEqual(bound)`, settled at once for numbers. */
  toBeLessThanOrEqual(bound: number): void {
    if (typeof this.actual === "number" && this.actual <= bound) return;
    this.vitest().toBeLessThanOrEqual(bound);
  }
}

/**
 * `expect(actual, message)` for a hot loop: the matchers pass and fail as
 * vitest's do, and fail with vitest's message; `message` may be a function,
 * called only on failure.
 */
export const cheapExpect = <T>(actual: T, message?: LazyMessage): CheapExpectation<T> =>
  new CheapExpectation(actual, message);
