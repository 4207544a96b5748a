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
 * record may lack, copied only when present. A record with any other own
 * field (none is made so) is spread, so nothing is ever dropped.
 */
export const fieldUpdater = <T extends object>(
  fieldsOf: (value: T) => Partial<FieldCopy<T>>,
  optionalFields: readonly (keyof T)[] = [],
): ((value: T, changes: Partial<T>) => T) => {
  const requiredCount = Object.keys(fieldsOf({} as T)).length;
  const hasOnlyKnownFields = (value: T): boolean => {
    let present = requiredCount;
    for (const field of optionalFields) if (Object.hasOwn(value, field)) present++;
    return enumerableFieldCount(value) === present;
  };
  return (value, changes) => {
    if (!hasOnlyKnownFields(value)) return { ...value, ...changes };
    const copy = fieldsOf(value);
    for (const field of optionalFields) if (Object.hasOwn(value, field)) copy[field] = value[field];
    return Object.assign(copy, changes) as T;
  };
};
