/**
 * The in-memory tables that must outlive the host: the interrupt tables
 * (dedupe marks, source wakes, folded repeats) and the deferred spawns.
 *
 * Pure: executes nothing. Rules:
 * - after every step, what changed in these tables is written as rows
 *   (`store.saveInterruptTables`, `store.saveDeferredSpawns`), whichever
 *   decision changed them, so no path can change them without a trace;
 * - the writes carry the lease epoch: only the holder's tables are kept;
 * - at `Started` the tables are read back from the hydration, cut to the
 *   in-memory caps and to what still matters (marks and wakes still inside
 *   their windows), and are the baseline the first diff is taken against,
 *   so a restart writes nothing back it just read;
 * - a host that takes the lease merges the tables on file (another holder's)
 *   with its own: the later mark, every wake, the larger repeat count, every
 *   deferred spawn; the diff then files what only it knew under its epoch.
 */
import type { DeferredSpawn, DeferredSpawnChange } from "./authority/deferredSpawns.js";
import { DEFERRED_SPAWN_CAP } from "./authority/deferredSpawns.js";
import type { Command } from "./commands.js";
import type { CoreConfig } from "./config.js";
import {
  type DedupeMark,
  INTERRUPT_TABLE_CAPS,
  type InterruptState,
  OVERFLOW_REPEAT_KEY,
  type SourceWakes,
} from "./decisions/interrupts.js";
import type { FoldedRepeat } from "./decisions/renderDelta.js";
import type { InterruptTableChanges, InterruptTables } from "./domain/interruptTables.js";
import type { PaneId } from "./domain/paneId.js";
import type { Hydration } from "./events.js";
import { type CoreState, updateState } from "./state.js";

const sameTimes = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((at, index) => at === b[index]);

const sameRepeat = (a: FoldedRepeat, b: FoldedRepeat): boolean =>
  a.count === b.count && a.message === b.message && a.source === b.source && a.kind === b.kind;

/** Rows that differ between two keyed tables: set for new or changed, null for gone. */
const diffRows = <K, V>(
  before: ReadonlyMap<K, V>,
  after: ReadonlyMap<K, V>,
  same: (a: V, b: V) => boolean,
): { key: K; value: V | null }[] => {
  const rows: { key: K; value: V | null }[] = [];
  for (const [key, value] of after) {
    const old = before.get(key);
    if (old === undefined || !same(old, value)) rows.push({ key, value });
  }
  for (const key of before.keys()) if (!after.has(key)) rows.push({ key, value: null });
  return rows;
};

const marksByKey = (marks: readonly DedupeMark[]) => new Map(marks.map((mark) => [mark.key, mark.at]));
const wakesBySource = (wakes: readonly SourceWakes[]) => new Map(wakes.map((entry) => [entry.source, entry.times]));

/**
 * The rows that differ between two repeat tables, in the order `diffRows`
 * gives for their entries (set for new or changed, then null for gone),
 * read from the records themselves: the table changes at every folded
 * repeat, and two maps of it per step were most of the diff.
 */
const diffRepeats = (
  before: Readonly<Record<string, FoldedRepeat>>,
  after: Readonly<Record<string, FoldedRepeat>>,
): { key: string; value: FoldedRepeat | null }[] => {
  const rows: { key: string; value: FoldedRepeat | null }[] = [];
  for (const key in after) {
    if (!Object.hasOwn(after, key)) continue;
    const value = after[key]!;
    const old = Object.hasOwn(before, key) ? before[key] : undefined;
    if (old === undefined || !sameRepeat(old, value)) rows.push({ key, value });
  }
  for (const key in before)
    if (Object.hasOwn(before, key) && !Object.hasOwn(after, key)) rows.push({ key, value: null });
  return rows;
};

/** Pure: the rows to write so the store's interrupt tables equal `after`, given they equal `before`; null if none. */
export const interruptTableChanges = (before: InterruptState, after: InterruptState): InterruptTableChanges | null => {
  const dedupeMarks =
    before.dedupeMarks === after.dedupeMarks
      ? []
      : diffRows(marksByKey(before.dedupeMarks), marksByKey(after.dedupeMarks), (a, b) => a === b).map((row) => ({
          key: row.key,
          at: row.value,
        }));
  const sourceWakes =
    before.sourceWakes === after.sourceWakes
      ? []
      : diffRows(wakesBySource(before.sourceWakes), wakesBySource(after.sourceWakes), sameTimes).map((row) => ({
          source: row.key as PaneId,
          times: row.value === null ? null : [...row.value],
        }));
  const repeats =
    before.repeats === after.repeats
      ? []
      : diffRepeats(before.repeats, after.repeats).map((row) => ({
          key: row.key,
          repeat: row.value,
        }));
  if (dedupeMarks.length + sourceWakes.length + repeats.length === 0) return null;
  return { dedupeMarks, sourceWakes, repeats };
};

/** Pure: the rows to write so the store's deferred spawns equal `after`; null if none. */
export const deferredSpawnChanges = (
  before: readonly DeferredSpawn[],
  after: readonly DeferredSpawn[],
): DeferredSpawnChange[] | null => {
  if (before === after) return null;
  const byId = (queue: readonly DeferredSpawn[]) => new Map(queue.map((spawn) => [spawn.id, spawn]));
  // A spawn is never edited in place: same id, same row.
  const rows = diffRows(byId(before), byId(after), () => true).map((row) => ({ id: row.key, spawn: row.value }));
  return rows.length === 0 ? null : rows;
};

/** Pure: the store writes for what one step changed in the durable tables, fenced by the lease epoch. */
export const persistTables = (before: CoreState, after: CoreState): readonly Command[] => {
  // Most steps leave every table as it was (the same objects): nothing to diff.
  if (before.interrupts === after.interrupts && before.authority.deferred === after.authority.deferred) return [];
  const epoch = after.supervisor.leaseEpoch;
  const commands: Command[] = [];
  const interrupts = interruptTableChanges(before.interrupts, after.interrupts);
  if (interrupts !== null) commands.push({ type: "store.saveInterruptTables", changes: interrupts, epoch });
  const deferred = deferredSpawnChanges(before.authority.deferred, after.authority.deferred);
  if (deferred !== null) commands.push({ type: "store.saveDeferredSpawns", changes: deferred, epoch });
  return commands;
};

type InterruptConfig = Pick<CoreConfig, "dedupeWindowMs" | "rateLimitWindowMs">;

/**
 * Pure: the interrupt tables as read back, cut to what still matters at
 * `now` and to the in-memory caps (newest kept), in the order the
 * in-memory tables keep (oldest first).
 */
export const restoreInterruptTables = (
  tables: InterruptTables,
  now: number,
  config: InterruptConfig,
): Pick<InterruptState, "dedupeMarks" | "sourceWakes" | "repeats"> => {
  const dedupeMarks = tables.dedupeMarks
    .filter((mark) => now - mark.at < config.dedupeWindowMs)
    .sort((a, b) => a.at - b.at)
    .slice(-INTERRUPT_TABLE_CAPS.dedupeKeys);
  const lastWake = (entry: SourceWakes): number => entry.times[entry.times.length - 1] ?? 0;
  const sourceWakes = tables.sourceWakes
    .map((entry) => ({
      source: entry.source,
      times: [...entry.times].sort((a, b) => a - b).filter((at) => now - at < config.rateLimitWindowMs),
    }))
    .filter((entry) => entry.times.length > 0)
    .sort((a, b) => lastWake(a) - lastWake(b))
    .slice(-INTERRUPT_TABLE_CAPS.rateSources);
  const repeats: Record<string, FoldedRepeat> = {};
  let distinct = 0;
  for (const { key, repeat } of tables.repeats) {
    if (key !== OVERFLOW_REPEAT_KEY && distinct >= INTERRUPT_TABLE_CAPS.foldedRepeats) continue;
    if (key !== OVERFLOW_REPEAT_KEY) distinct++;
    repeats[key] = repeat;
  }
  return { dedupeMarks, sourceWakes, repeats };
};

const tablesOf = (state: InterruptState): InterruptTables => ({
  dedupeMarks: [...state.dedupeMarks],
  // Sources are pane ids: only notifies from observed panes are admitted.
  sourceWakes: state.sourceWakes.map((entry) => ({ source: entry.source as PaneId, times: [...entry.times] })),
  repeats: Object.entries(state.repeats).map(([key, repeat]) => ({ key, repeat })),
});

/** Pure: two readings of the interrupt tables joined: the later mark, every wake, the larger count. */
export const mergeInterruptTables = (a: InterruptTables, b: InterruptTables): InterruptTables => {
  const marks = new Map<string, number>();
  for (const { key, at } of [...a.dedupeMarks, ...b.dedupeMarks]) marks.set(key, Math.max(at, marks.get(key) ?? at));
  const wakes = new Map<PaneId, Set<number>>();
  for (const { source, times } of [...a.sourceWakes, ...b.sourceWakes]) {
    const known = wakes.get(source) ?? new Set<number>();
    for (const at of times) known.add(at);
    wakes.set(source, known);
  }
  const repeats = new Map<string, FoldedRepeat>();
  for (const { key, repeat } of [...a.repeats, ...b.repeats]) {
    const known = repeats.get(key);
    if (known === undefined || repeat.count > known.count) repeats.set(key, repeat);
  }
  return {
    dedupeMarks: [...marks].map(([key, at]) => ({ key, at })),
    sourceWakes: [...wakes].map(([source, times]) => ({ source, times: [...times] })),
    repeats: [...repeats].map(([key, repeat]) => ({ key, repeat })),
  };
};

/**
 * Pure: `state` with the tables on file merged into its own (on taking the
 * lease), cut to the caps and windows like a restored start.
 */
export const mergeStoredTables = (
  state: CoreState,
  tables: InterruptTables | undefined,
  deferred: readonly DeferredSpawn[] | undefined,
): CoreState => {
  const interrupts =
    tables === undefined
      ? state.interrupts
      : {
          ...state.interrupts,
          ...restoreInterruptTables(mergeInterruptTables(tablesOf(state.interrupts), tables), state.now, state.config),
        };
  const known = new Set(state.authority.deferred.map((spawn) => spawn.id));
  const joined = [...state.authority.deferred, ...(deferred ?? []).filter((spawn) => !known.has(spawn.id))];
  const queue =
    joined.length === state.authority.deferred.length
      ? state.authority.deferred
      : joined.sort((a, b) => a.requestedAt - b.requestedAt).slice(0, DEFERRED_SPAWN_CAP);
  return updateState(state, { interrupts, authority: { ...state.authority, deferred: queue } });
};

/**
 * Pure: `state` with its tables replaced by those on file (each that was
 * read): the baseline a merge on taking the lease is diffed against, so
 * only what this host alone knew is written.
 */
export const withStoredTables = (
  state: CoreState,
  tables: InterruptTables | undefined,
  deferred: readonly DeferredSpawn[] | undefined,
): CoreState =>
  updateState(state, {
    interrupts:
      tables === undefined
        ? state.interrupts
        : { ...state.interrupts, ...restoreInterruptTables(tables, state.now, state.config) },
    authority:
      deferred === undefined
        ? state.authority
        : {
            ...state.authority,
            deferred: [...deferred].sort((a, b) => a.requestedAt - b.requestedAt).slice(0, DEFERRED_SPAWN_CAP),
          },
  });

/**
 * Pure: `state` with the durable tables of `hydration` (none when the read
 * failed): the baseline of a started host.
 */
export const withHydratedTables = (state: CoreState, hydration: Hydration | null, now: number): CoreState => {
  if (hydration === null) return state;
  const restored = hydration.interruptTables
    ? restoreInterruptTables(hydration.interruptTables, now, state.config)
    : { dedupeMarks: [], sourceWakes: [], repeats: {} };
  const deferred = [...(hydration.deferred ?? [])]
    .sort((a, b) => a.requestedAt - b.requestedAt)
    .slice(0, DEFERRED_SPAWN_CAP);
  return updateState(state, {
    interrupts: { ...state.interrupts, ...restored },
    authority: { ...state.authority, deferred },
  });
};
