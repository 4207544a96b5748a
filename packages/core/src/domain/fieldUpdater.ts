/**
 * One way to write `{ ...value, ...changes }` for the records a step copies
 * most (the core state, an agent record, the interrupt tables): field by
 * field. On Node 20 an object spread of such a record costs several times
 * as much as copying its known fields into a literal, and `step` copies
 * them several times per event.
 */

/** `T` with every field writable: the copy being built. */
export type FieldCopy<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The fields `for...in` visits, counted without listing them (`Object.keys`
 * would allocate a list per copy). A record is a plain literal, so these
 * are its own fields; one with an inherited enumerable field counts more
 * and is spread, which is always right.
 */
const enumerableFieldCount = (value: object): number => {
  let count = 0;
  for (const _field in value) count++;
  return count;
};

/**
 * Pure: the update function of one record type. `fieldsOf` copies its
 * required fields into a fresh literal (its declared return type is what
 * makes a field left out fail to compile); `optionalFields` names those a
 * record may lack, copied only when present: here, or by `fieldsOf` itself
 * when `fieldsOfCopiesOptional` (by name, which costs a fraction of a copy
 * by a key read from a list: the core state's copies). A record with any
 * other own field (none is made so) is spread, so nothing is ever dropped.
 */
export const fieldUpdater = <T extends object>(
  fieldsOf: (value: T) => Partial<FieldCopy<T>>,
  optionalFields: readonly (keyof T)[] = [],
  fieldsOfCopiesOptional = false,
): ((value: T, changes: Partial<T>) => T) => {
  const copiedHere = fieldsOfCopiesOptional ? [] : optionalFields;
  const requiredFields = Object.keys(fieldsOf({} as T));
  const requiredCount = requiredFields.length;
  const knownFields = new Set<PropertyKey>([...requiredFields, ...optionalFields]);
  const hasOnlyKnownFields = (value: T): boolean => {
    let present = requiredCount;
    for (const field of optionalFields) if (Object.hasOwn(value, field)) present++;
    return enumerableFieldCount(value) === present;
  };
  // Whether every field `for...in` visits in the changes is a known one: then the copy holds known fields only.
  const changesOnlyKnownFields = (changes: Partial<T>): boolean => {
    for (const field in changes) if (!knownFields.has(field)) return false;
    return true;
  };
  /**
   * The last copy made of known fields only. Updates come in chains (a step
   * updates the state it updated just before), and a record is never
   * changed once made: the copy need not be counted again.
   */
  let lastCopy: T | null = null;
  return (value, changes) => {
    if (value !== lastCopy && !hasOnlyKnownFields(value)) return { ...value, ...changes };
    const copy = fieldsOf(value);
    for (const field of copiedHere) if (Object.hasOwn(value, field)) copy[field] = value[field];
    const updated = Object.assign(copy, changes) as T;
    lastCopy = changesOnlyKnownFields(changes) ? updated : null;
    return updated;
  };
};
