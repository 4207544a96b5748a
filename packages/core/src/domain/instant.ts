/**
 * Instants as text. `Date` covers ±8.64e15 ms around 1970; a schema-valid
 * time can lie beyond it, and formatting it must not throw.
 */

/** Pure: ISO 8601 for a time a `Date` can show, else the plain millisecond count. */
export const formatInstant = (ms: number): string => {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms} ms after 1970` : date.toISOString();
};
