/**
 * The property the field-by-field updaters share: whatever chain of
 * updates — of the updater's own copies, of records made elsewhere — every
 * result has the own entries an object spread gives.
 */
import fc from "fast-check";
import { cheapExpect } from "./cheapExpect.js";

const ownEntries = (value: object): [string, unknown][] =>
  Object.keys(value)
    .sort()
    .map((key) => [key, (value as Record<string, unknown>)[key]]);

/**
 * A property: a chain of 1 to 6 `update`s, each of the last result or of a
 * fresh record from `recordArb`, gives at every link what
 * `{ ...last, ...changes }` gives.
 */
export const chainsLikeSpreads = <T extends object>(
  recordArb: fc.Arbitrary<T>,
  changesArb: fc.Arbitrary<Partial<T>>,
  update: (value: T, changes: Partial<T>) => T,
): fc.IProperty<[T, { changes: Partial<T>; fresh: T | null }[]]> => {
  const linkArb = fc.record({ changes: changesArb, fresh: fc.option(recordArb, { freq: 4 }) });
  return fc.property(recordArb, fc.array(linkArb, { minLength: 1, maxLength: 6 }), (first, links) => {
    let updated: T = first;
    let spread: T = first;
    for (const { changes, fresh } of links) {
      if (fresh !== null) {
        updated = fresh;
        spread = fresh;
      }
      updated = update(updated, changes);
      spread = { ...spread, ...changes };
      cheapExpect(ownEntries(updated)).toEqual(ownEntries(spread));
    }
  });
};
