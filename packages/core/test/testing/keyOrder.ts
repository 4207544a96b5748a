/**
 * Every object's own keys in order, depth first: what `isDeepStrictEqual`
 * does not compare, and what the quickSafeParse properties compare with
 * zod's output.
 */
export const keyOrder = (value: unknown): string[] =>
  value !== null && typeof value === "object"
    ? Object.keys(value).flatMap((key) => [key, ...keyOrder((value as Record<string, unknown>)[key])])
    : [];
