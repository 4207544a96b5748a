/**
 * Whether a fleet listing equals the last one, row by row and field by field.
 *
 * A quiet fleet is listed again every tick as new objects carrying the same
 * data. `step` keeps the last listing then, so what the core remembers per
 * listing (agent records, digest rows) is found again by identity instead of
 * being rebuilt.
 *
 * Pure. Equal means indistinguishable as data: the same own keys (a key
 * present as `undefined` differs from an absent one, and a key the schema
 * does not name is never taken as equal), numbers compared with `Object.is`
 * (`-0` is not `0`), and nested arrays and records compared the same way.
 */
import type { PaneObservation } from "./observation.js";

/** Every field of a listed pane, each compared by `sameRow`: a field added to the schema fails to compile here. */
const COMPARED_FIELDS: Readonly<Record<keyof PaneObservation, true>> = {
  paneId: true,
  session: true,
  windowIndex: true,
  windowName: true,
  title: true,
  command: true,
  pid: true,
  dead: true,
  lastActivityAt: true,
  width: true,
  height: true,
  startCommand: true,
  processes: true,
  declaredAgent: true,
  tmuxServer: true,
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

const sameArray = (a: readonly unknown[], b: unknown): boolean => {
  if (!Array.isArray(b) || a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (!samePlainData(a[index], b[index])) return false;
  return true;
};

const sameRecord = (a: Record<string, unknown>, b: Record<string, unknown>): boolean => {
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (!Object.hasOwn(b, key) || !samePlainData(a[key], b[key])) return false;
  return true;
};

/** Pure: whether two values of plain data (primitives, arrays, plain objects) are indistinguishable. */
export const samePlainData = (a: unknown, b: unknown): boolean => {
  if (Object.is(a, b)) return true;
  if (!isObject(a) || !isObject(b)) return false;
  return Array.isArray(a) ? sameArray(a, b) : sameRecord(a, b);
};

/** The same own keys, each one a compared field. */
const sameFields = (a: PaneObservation, b: PaneObservation): boolean => {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (!Object.hasOwn(COMPARED_FIELDS, key) || !Object.hasOwn(b, key)) return false;
  return true;
};

// Written out field by field: a generic walk over the keys costs several times as much, on every observation.
const sameRow = (a: PaneObservation, b: PaneObservation): boolean =>
  a.paneId === b.paneId &&
  a.session === b.session &&
  Object.is(a.windowIndex, b.windowIndex) &&
  a.windowName === b.windowName &&
  a.title === b.title &&
  a.command === b.command &&
  Object.is(a.pid, b.pid) &&
  a.dead === b.dead &&
  Object.is(a.lastActivityAt, b.lastActivityAt) &&
  Object.is(a.width, b.width) &&
  Object.is(a.height, b.height) &&
  a.startCommand === b.startCommand &&
  a.declaredAgent === b.declaredAgent &&
  samePlainData(a.processes, b.processes) &&
  samePlainData(a.tmuxServer, b.tmuxServer) &&
  sameFields(a, b);

/** Pure: whether `after` lists the same panes as `before`, in the same order, each with the same fields. */
export const sameListing = (before: readonly PaneObservation[], after: readonly PaneObservation[]): boolean => {
  if (before === after) return true;
  if (before.length !== after.length) return false;
  for (let index = 0; index < before.length; index++) {
    const row = before[index]!;
    const other = after[index]!;
    if (row !== other && !sameRow(row, other)) return false;
  }
  return true;
};
