/**
 * Interrupts: what wakes the first mate at once, deduplicated, rate limited,
 * and carried by a durable outbox so nothing is lost (docs/design.md, Interrupts).
 *
 * Pure: executes nothing. Rules:
 * - the same source + kind + message within `dedupeWindowMs` of its last
 *   wake wakes once; repeats are counted and folded into the next digest;
 * - at most `rateLimitWakes` wakes per source per `rateLimitWindowMs`;
 *   the surplus is folded the same way;
 * - the first mate's own interrupts never wake it;
 * - every wake is first written to the outbox (a store command fenced by
 *   the lease epoch `epoch`: only the holder's outbox is kept), then
 *   delivered in sequence order, one at a time, while the first mate is
 *   attached; a failed delivery stays queued; entries older than the TTL are
 *   dropped with a count, and so are the oldest beyond `outboxCap` (the
 *   outbox is bounded even while the first mate is away for a day);
 * - every per-source table is bounded (`INTERRUPT_TABLE_CAPS`), whatever
 *   the flood of invented sources or distinct messages: past its cap the
 *   dedupe table drops its oldest keys, the rate table its idle then least
 *   recent sources (both only soften suppression, never lose a wake), and
 *   new
 *   folded repeats share one overflow entry, so their count still reaches
 *   the digest.
 */
import type { Command } from "../commands.js";
import type { CoreConfig } from "../config.js";
import { type FieldCopy, fieldUpdater } from "../domain/fieldUpdater.js";
import type { InterruptKind, OutboxEntry } from "../domain/interrupt.js";
import type { PaneId } from "../domain/paneId.js";
import type { FoldedRepeat } from "./renderDelta.js";

/** A dedupe key and the time of its last wake. */
export interface DedupeMark {
  readonly key: string;
  readonly at: number;
}

/** A source and the times of its wakes inside the rate window. */
export interface SourceWakes {
  readonly source: string;
  readonly times: readonly number[];
}

/**
 * The interrupts' bounded tables: last wake per dedupe key, wakes per source, folded repeats; the outbox, the
 * delivery in flight, the last sequence number, and expired entries not yet reported.
 */
export interface InterruptState {
  /**
   * Dedupe keys with the time of their last wake, oldest first. Small
   * arrays, not records: copying one per interrupt stays cheap at its cap
   * (a large record costs a microsecond per key to copy).
   */
  readonly dedupeMarks: readonly DedupeMark[];
  /** Sources with their wakes inside the rate window, least recent first. */
  readonly sourceWakes: readonly SourceWakes[];
  /** Suppressed repeats awaiting the next digest, by dedupe key. */
  readonly repeats: Readonly<Record<string, FoldedRepeat>>;
  /** Pending entries, sequence order. */
  readonly outbox: readonly OutboxEntry[];
  /** The sequence number being delivered, if any. */
  readonly delivering: number | null;
  readonly lastSeq: number;
  /** Entries dropped by TTL and not yet reported in a digest. */
  readonly expiredUnreported: number;
  /**
   * Entries admitted but not on file: this host did not hold the lease, or
   * the store refused or failed their write. Oldest first. Never pushed: a
   * push needs its outbox row. Filed (numbered anew) once this host holds
   * the lease and has read the store under it (`fileUnfiled`).
   */
  readonly unfiled: readonly OutboxEntry[];
}

/** The tables' fields, copied one by one (a field left out fails to compile). */
const interruptFieldsOf = (state: InterruptState): FieldCopy<InterruptState> => ({
  dedupeMarks: state.dedupeMarks,
  sourceWakes: state.sourceWakes,
  repeats: state.repeats,
  outbox: state.outbox,
  delivering: state.delivering,
  lastSeq: state.lastSeq,
  expiredUnreported: state.expiredUnreported,
  unfiled: state.unfiled,
});

/**
 * Pure: `state` with `changes`, what `{ ...state, ...changes }` gives,
 * copied field by field (domain/fieldUpdater.ts): every admitted, folded or
 * delivered interrupt copies the tables.
 */
const updateInterrupts: (state: InterruptState, changes: Partial<InterruptState>) => InterruptState =
  fieldUpdater(interruptFieldsOf);

/** Empty interrupt tables. */
export const INITIAL_INTERRUPTS: InterruptState = {
  dedupeMarks: [],
  sourceWakes: [],
  repeats: {},
  outbox: [],
  delivering: null,
  lastSeq: 0,
  expiredUnreported: 0,
  unfiled: [],
};

/** An interrupt raised: when, by which pane, its kind and message. */
export interface RaisedInterrupt {
  readonly now: number;
  readonly source: PaneId;
  readonly kind: InterruptKind;
  readonly message: string;
}

/** What became of a raised interrupt: queued, deduplicated, rate limited, or ignored (the first mate's own). */
export type InterruptVerdict = "queued" | "deduplicated" | "rate_limited" | "ignored_self";

/** The decision on an interrupt: the new tables, the commands, and the verdict. */
export interface InterruptDecision {
  readonly state: InterruptState;
  readonly commands: readonly Command[];
  readonly verdict: InterruptVerdict;
}

/** Upper bounds of the per-source tables (a live fleet uses a few entries of each). */
export const INTERRUPT_TABLE_CAPS = {
  /** Dedupe keys (source + kind + message) remembered. */
  dedupeKeys: 1_000,
  /** Sources whose recent wakes are remembered for the rate limit. */
  rateSources: 1_000,
  /** Distinct folded repeats awaiting the next digest (one more: the overflow entry). */
  foldedRepeats: 100,
} as const;

/** The folded-repeat key that collects repeats beyond the cap. */
export const OVERFLOW_REPEAT_KEY = "\u0000overflow";

type InterruptConfig = Pick<
  CoreConfig,
  "dedupeWindowMs" | "rateLimitWakes" | "rateLimitWindowMs" | "outboxTtlMs" | "outboxCap"
>;

/** The key under which identical interrupts are deduplicated: source, kind and message. */
export const dedupeKey = (source: string, kind: string, message: string): string =>
  `${source}\u0000${kind}\u0000${message}`;

const fold = (state: InterruptState, key: string, raised: RaisedInterrupt): InterruptState => {
  // The table is counted only for a key it lacks: a known key is folded into its own entry whatever the count.
  if (state.repeats[key] === undefined && Object.keys(state.repeats).length >= INTERRUPT_TABLE_CAPS.foldedRepeats) {
    const overflow = state.repeats[OVERFLOW_REPEAT_KEY];
    const repeat: FoldedRepeat = {
      source: "(several)",
      kind: "repeats",
      message: "more repeated interrupts than the digest lists",
      count: (overflow?.count ?? 0) + 1,
    };
    return updateInterrupts(state, { repeats: { ...state.repeats, [OVERFLOW_REPEAT_KEY]: repeat } });
  }
  const previous = state.repeats[key];
  const repeat: FoldedRepeat = {
    source: raised.source,
    kind: raised.kind,
    message: raised.message,
    count: (previous?.count ?? 0) + 1,
  };
  return updateInterrupts(state, { repeats: { ...state.repeats, [key]: repeat } });
};

/** `entries` with `entry` after them: a new list (one concat of a long list costs less than a spread, or a copy and a push). */
const appended = <T>(entries: readonly T[], entry: T): T[] => entries.concat([entry]);

/** The newest `cap` of `entries` (kept oldest first, so the oldest are at the front): `entries` itself when within. */
const newest = <T>(entries: readonly T[], cap: number): readonly T[] =>
  entries.length > cap ? entries.slice(entries.length - cap) : entries;

/**
 * Whether any of `times` lies within `windowMs` before `now`. The newest is
 * tried first: wakes are appended as they come, so it is usually the last,
 * and a table at its cap asks this of every source at every wake.
 */
const anyWithin = (times: readonly number[], now: number, windowMs: number): boolean => {
  const last = times[times.length - 1];
  if (last !== undefined && now - last < windowMs) return true;
  return times.some((at) => now - at < windowMs);
};

/** The index of the first mark of `key`, or the table's length when it has none. */
const markIndex = (marks: readonly DedupeMark[], key: string): number => {
  for (let index = 0; index < marks.length; index++) if (marks[index]!.key === key) return index;
  return marks.length;
};

/** The index of the first wakes of `source`, or the table's length when it has none. */
const wakesIndex = (table: readonly SourceWakes[], source: string): number => {
  for (let index = 0; index < table.length; index++) if (table[index]!.source === source) return index;
  return table.length;
};

/**
 * Whether the mark at `index` stays beside `mark`, a new wake: inside the
 * window (expired marks carry no information), and of another key (none
 * before `found`, the first mark of the new one's key, is of it).
 */
const markStays = (
  marks: readonly DedupeMark[],
  index: number,
  found: number,
  mark: DedupeMark,
  windowMs: number,
): boolean => {
  const old = marks[index]!;
  return mark.at - old.at < windowMs && (index < found || old.key !== mark.key);
};

/**
 * The dedupe table after the wake `mark` (its key's first mark at
 * `found`): the marks that stay, then the new one, cut to the newest `cap`.
 * Read from the newest back until the cap is full, so the marks beyond it
 * are never read, and copied as one slice when every mark read stays.
 */
const marksAfterWake = (
  marks: readonly DedupeMark[],
  found: number,
  mark: DedupeMark,
  windowMs: number,
  cap: number,
): DedupeMark[] => {
  let start = marks.length;
  let staying = 0;
  let allStay = true;
  while (start > 0 && staying < cap - 1) {
    start--;
    if (markStays(marks, start, found, mark, windowMs)) staying++;
    else allStay = false;
  }
  const kept = allStay ? marks.slice(start) : [];
  if (!allStay)
    for (let index = start; index < marks.length; index++)
      if (markStays(marks, index, found, mark, windowMs)) kept.push(marks[index]!);
  kept.push(mark);
  return kept;
};

/** How many of `table`'s entries from `from` on are `source`'s. */
const entriesOf = (table: readonly SourceWakes[], from: number, source: string): number => {
  let count = 0;
  for (let index = from; index < table.length; index++) if (table[index]!.source === source) count++;
  return count;
};

/**
 * Whether the entry at `index` stays beside `wakes`, a source's new entry:
 * of another source (none before `found`, the first entry of its source,
 * is of it) and, when `liveOnly`, with a wake inside the window.
 */
const wakesStay = (
  table: readonly SourceWakes[],
  index: number,
  found: number,
  wakes: SourceWakes,
  liveOnly: boolean,
  now: number,
  windowMs: number,
): boolean => {
  const other = table[index]!;
  return (index < found || other.source !== wakes.source) && (!liveOnly || anyWithin(other.times, now, windowMs));
};

/**
 * The rate table after the wake of `wakes.source` at `now` (its source's
 * first entry at `found`): the other sources, then `wakes`; past the cap,
 * the idle sources go, then the least recent beyond it. Read from the
 * newest back until the cap is full, so the entries beyond it are never
 * read, and copied as one slice when every entry read stays.
 */
const wakesAfterWake = (
  table: readonly SourceWakes[],
  found: number,
  wakes: SourceWakes,
  now: number,
  windowMs: number,
  cap: number,
): SourceWakes[] => {
  const length = table.length;
  // Past the cap with the new entry (and without its source's old ones), only live sources stay.
  const liveOnly =
    found === length ? length + 1 > cap : length > cap && length + 1 - entriesOf(table, found, wakes.source) > cap;
  const newStays = !liveOnly || anyWithin(wakes.times, now, windowMs);
  const room = newStays ? cap - 1 : cap;
  let start = length;
  let staying = 0;
  let allStay = true;
  while (start > 0 && staying < room) {
    start--;
    if (wakesStay(table, start, found, wakes, liveOnly, now, windowMs)) staying++;
    else allStay = false;
  }
  const kept = allStay ? table.slice(start) : [];
  if (!allStay)
    for (let index = start; index < length; index++)
      if (wakesStay(table, index, found, wakes, liveOnly, now, windowMs)) kept.push(table[index]!);
  if (newStays) kept.push(wakes);
  return kept;
};

/** Pure: admit (or fold) one interrupt. Delivery is `deliverNext`'s job. */
export const admitInterrupt = (
  state: InterruptState,
  raised: RaisedInterrupt,
  firstMatePaneId: string | null,
  config: InterruptConfig,
  epoch: number,
): InterruptDecision => {
  if (raised.source === firstMatePaneId) return { state, commands: [], verdict: "ignored_self" };
  const key = dedupeKey(raised.source, raised.kind, raised.message);
  const markAt = markIndex(state.dedupeMarks, key);
  const lastWake = state.dedupeMarks[markAt]?.at;
  if (lastWake !== undefined && raised.now - lastWake < config.dedupeWindowMs) {
    return { state: fold(state, key, raised), commands: [], verdict: "deduplicated" };
  }
  const wakesAt = wakesIndex(state.sourceWakes, raised.source);
  const recentWakes = (state.sourceWakes[wakesAt]?.times ?? []).filter(
    (at) => raised.now - at < config.rateLimitWindowMs,
  );
  if (recentWakes.length >= config.rateLimitWakes) {
    return { state: fold(state, key, raised), commands: [], verdict: "rate_limited" };
  }
  // A new list of this admission's own: extended in place.
  recentWakes.push(raised.now);
  const seq = state.lastSeq + 1;
  const entry: OutboxEntry = {
    seq,
    source: raised.source,
    kind: raised.kind,
    message: raised.message,
    createdAt: raised.now,
  };
  // The outbox with the entry, capped (`capOutbox`) as it is made: one new list.
  const capped = cappedOutbox(state.outbox, entry, state.delivering, config.outboxCap);
  const dropped = capped === undefined ? 0 : capped.dropped;
  const next: InterruptState = updateInterrupts(state, {
    lastSeq: seq,
    outbox: capped === undefined ? appended(state.outbox, entry) : capped.outbox,
    expiredUnreported: state.expiredUnreported + dropped,
    dedupeMarks: marksAfterWake(
      state.dedupeMarks,
      markAt,
      { key, at: raised.now },
      config.dedupeWindowMs,
      INTERRUPT_TABLE_CAPS.dedupeKeys,
    ),
    sourceWakes: wakesAfterWake(
      state.sourceWakes,
      wakesAt,
      { source: raised.source, times: recentWakes },
      raised.now,
      config.rateLimitWindowMs,
      INTERRUPT_TABLE_CAPS.rateSources,
    ),
  });
  const enqueue: Command = { type: "store.enqueueOutbox", entry, epoch };
  return {
    state: next,
    commands:
      capped === undefined || dropped === 0
        ? [enqueue]
        : [enqueue, { type: "store.expireOutbox", before: capped.before, epoch }],
    verdict: "queued",
  };
};

/**
 * Pure: `admitInterrupt` for a host that may not hold the lease. Without it
 * a queued entry cannot be filed: it waits apart (unfiled), never pushed,
 * and its outbox write is not sent, until this host can file it.
 */
export const admitUnderLease = (
  state: InterruptState,
  raised: RaisedInterrupt,
  firstMatePaneId: string | null,
  config: InterruptConfig,
  lease: { readonly held: boolean; readonly epoch: number },
): InterruptDecision => {
  const decision = admitInterrupt(state, raised, firstMatePaneId, config, lease.epoch);
  if (decision.verdict !== "queued" || lease.held) return decision;
  return {
    state: boundUnfiled(unfileEntry(decision.state, decision.state.lastSeq), config),
    commands: decision.commands.filter((command) => command.type !== "store.enqueueOutbox"),
    verdict: decision.verdict,
  };
};

const LABEL: Record<InterruptKind, string> = {
  need_human: "NEEDS A HUMAN",
  report: "REPORT",
  ci_red: "CI RED",
};

/** Pure: the push text of one outbox entry. */
export const renderInterrupt = (entry: OutboxEntry, paneName: string | undefined): string =>
  `[interrupt #${entry.seq}] ${LABEL[entry.kind]} ${entry.source}${paneName ? ` ${paneName}` : ""}: ${entry.message}`;

/**
 * The emit id of the interrupt with sequence number `seq` sent to the first
 * mate of start `attempt`: unique across first mates, so a dead first mate's
 * late answer never settles its successor's delivery of the same entry.
 */
export const interruptEmitId = (seq: number, attempt: number): string => `interrupt-${attempt}-${seq}`;

/** Pure: the sequence number and first-mate attempt an interrupt emit id names, or null. */
export const parseInterruptEmitId = (emitId: string): { readonly seq: number; readonly attempt: number } | null => {
  const match = /^interrupt-(\d+)-(\d+)$/.exec(emitId);
  return match ? { attempt: Number(match[1]), seq: Number(match[2]) } : null;
};

/** Pure: start delivering the head of the outbox when the first mate can receive it. */
export const deliverNext = (
  state: InterruptState,
  firstMatePaneId: PaneId | null,
  attached: boolean,
  paneNames: Readonly<Record<string, string>>,
  attempt = 0,
): InterruptDecision => {
  const head = state.outbox[0];
  if (!attached || firstMatePaneId === null || state.delivering !== null || head === undefined) {
    return { state, commands: [], verdict: "queued" };
  }
  return {
    state: updateInterrupts(state, { delivering: head.seq }),
    commands: [
      {
        type: "channel.emit",
        emitId: interruptEmitId(head.seq, attempt),
        purpose: "interrupt",
        paneId: firstMatePaneId,
        content: renderInterrupt(head, paneNames[head.source]),
        meta: { kind: "interrupt", interrupt: head.kind, source: head.source, seq: String(head.seq) },
      },
    ],
    verdict: "queued",
  };
};

/** Pure: fold a delivery result; success removes the entry durably. */
export const settleDelivery = (
  state: InterruptState,
  seq: number,
  delivered: boolean,
  epoch: number,
): InterruptDecision => {
  if (state.delivering !== seq) return { state, commands: [], verdict: "queued" };
  if (!delivered) return { state: updateInterrupts(state, { delivering: null }), commands: [], verdict: "queued" };
  return {
    state: updateInterrupts(state, { delivering: null, outbox: state.outbox.filter((entry) => entry.seq !== seq) }),
    commands: [{ type: "store.markDelivered", seq, epoch }],
    verdict: "queued",
  };
};

/**
 * The store's expiry bound, lowered so that the entry being delivered (in
 * `outbox`, or `queued` after it) is not dropped.
 */
const keepDelivering = (
  outbox: readonly OutboxEntry[],
  queued: OutboxEntry | undefined,
  delivering: number | null,
  before: number,
): number => {
  // Nothing being delivered (the usual case): no entry to look for.
  if (delivering === null) return before;
  const entry =
    outbox.find((candidate) => candidate.seq === delivering) ?? (queued?.seq === delivering ? queued : undefined);
  return entry === undefined ? before : Math.min(before, entry.createdAt);
};

/** An outbox cut by `cappedOutbox`: the entries kept (a new list), how many went, and the store's bound. */
interface CappedOutbox {
  readonly outbox: readonly OutboxEntry[];
  readonly dropped: number;
  readonly before: number;
}

/**
 * The outbox `outbox`, then `queued` when given, past `cap` as `capOutbox`
 * cuts it: read in place, and made once as a new list with `queued` in it.
 * Undefined when there is nothing to cut (with `queued`, the caller appends it).
 */
const cappedOutbox = (
  outbox: readonly OutboxEntry[],
  queued: OutboxEntry | undefined,
  delivering: number | null,
  cap: number,
): CappedOutbox | undefined => {
  const length = queued === undefined ? outbox.length : outbox.length + 1;
  const excess = length - cap;
  if (excess <= 0) return undefined;
  const lastToGo = lastWaitingToGo(outbox, queued, delivering, excess);
  if (lastToGo === undefined) return undefined;
  // keepDelivering's bound is already at most the entry being delivered's time: the store is given it as it is.
  const before = keepDelivering(outbox, queued, delivering, lastToGo.createdAt + 1);
  const kept = keptSince(outbox, queued, delivering, before);
  return { outbox: kept ?? appendedIfAny(outbox, queued), dropped: kept === null ? 0 : length - kept.length, before };
};

/** `outbox` with `queued` after it when given: a new list then, else `outbox` itself. */
const appendedIfAny = (outbox: readonly OutboxEntry[], queued: OutboxEntry | undefined): readonly OutboxEntry[] =>
  queued === undefined ? outbox : appended(outbox, queued);

/**
 * Pure: past `outboxCap`, the oldest undelivered entries expire early, by
 * the same rule and store command as the TTL (dropped with a count, never
 * the one being delivered): the bound is the creation time just after the
 * newest entry that must go, so entries created in the same millisecond go
 * together, in memory and in the store alike.
 */
export const capOutbox = (
  state: InterruptState,
  config: Pick<CoreConfig, "outboxCap">,
  epoch: number,
): InterruptDecision => {
  const capped = cappedOutbox(state.outbox, undefined, state.delivering, config.outboxCap);
  if (capped === undefined || capped.dropped === 0) return { state, commands: [], verdict: "queued" };
  return {
    state: updateInterrupts(state, {
      outbox: capped.outbox,
      expiredUnreported: state.expiredUnreported + capped.dropped,
    }),
    commands: [{ type: "store.expireOutbox", before: capped.before, epoch }],
    verdict: "queued",
  };
};

/**
 * The `excess`-th entry not being delivered of `outbox` then `queued`,
 * oldest first (the last of all when there are fewer): read in place,
 * without listing the waiting entries of an outbox at its cap for every
 * entry admitted.
 */
const lastWaitingToGo = (
  outbox: readonly OutboxEntry[],
  queued: OutboxEntry | undefined,
  delivering: number | null,
  excess: number,
): OutboxEntry | undefined => {
  // Nothing being delivered: every entry waits, and the one to find is read by its index.
  if (delivering === null && excess <= outbox.length) return outbox[excess - 1];
  let last: OutboxEntry | undefined;
  let counted = 0;
  for (const entry of outbox) {
    if (entry.seq === delivering) continue;
    last = entry;
    if (++counted === excess) return last;
  }
  return queued !== undefined && queued.seq !== delivering ? queued : last;
};

/** Whether `entry` stays in the outbox cut at `before`: created then or later, or being delivered. */
const entryStays = (entry: OutboxEntry, delivering: number | null, before: number): boolean =>
  entry.createdAt >= before || entry.seq === delivering;

/**
 * The entries of `outbox`, then `queued`, that stay in the outbox cut at
 * `before`: a new list, or null when every entry stays. The entries that
 * go are usually one run (the oldest): the list is then one copy without it.
 */
const keptSince = (
  outbox: readonly OutboxEntry[],
  queued: OutboxEntry | undefined,
  delivering: number | null,
  before: number,
): OutboxEntry[] | null => {
  const length = outbox.length;
  const queuedStays = queued === undefined || entryStays(queued, delivering, before);
  let first = 0;
  while (first < length && entryStays(outbox[first]!, delivering, before)) first++;
  if (first === length) return queuedStays ? null : outbox.slice();
  let resume = first + 1;
  while (resume < length && !entryStays(outbox[resume]!, delivering, before)) resume++;
  let next = resume;
  while (next < length && entryStays(outbox[next]!, delivering, before)) next++;
  let kept: OutboxEntry[];
  if (next === length) {
    kept = outbox.toSpliced(first, resume - first);
  } else {
    kept = outbox.slice(0, first);
    for (let index = resume; index < length; index++)
      if (entryStays(outbox[index]!, delivering, before)) kept.push(outbox[index]!);
  }
  if (queued !== undefined && queuedStays) kept.push(queued);
  return kept;
};

/** Drop the entries created before `before` (never the one being delivered), in memory and in the store. */
const dropBefore = (state: InterruptState, before: number, epoch: number): InterruptDecision => {
  const kept = keptSince(state.outbox, undefined, state.delivering, before);
  if (kept === null) return { state, commands: [], verdict: "queued" };
  return {
    state: updateInterrupts(state, {
      outbox: kept,
      expiredUnreported: state.expiredUnreported + state.outbox.length - kept.length,
    }),
    // The entry being delivered stays on file too: its delivery may still succeed.
    commands: [
      { type: "store.expireOutbox", before: keepDelivering(state.outbox, undefined, state.delivering, before), epoch },
    ],
    verdict: "queued",
  };
};

/** Pure: drop entries older than the TTL (never the one being delivered), then the oldest beyond the cap. */
export const expireOutbox = (
  state: InterruptState,
  now: number,
  config: InterruptConfig,
  epoch: number,
): InterruptDecision => {
  const expired = expireByAge(state, now, config, epoch);
  const capped = capOutbox(expired.state, config, epoch);
  // Most ticks expire nothing: the state as it was, and no new list of no commands.
  if (expired.commands.length === 0 && capped.state === state) return capped;
  return { state: capped.state, commands: [...expired.commands, ...capped.commands], verdict: "queued" };
};

const expireByAge = (state: InterruptState, now: number, config: InterruptConfig, epoch: number): InterruptDecision => {
  const decision = dropBefore(state, now - config.outboxTtlMs, epoch);
  const bounded = boundUnfiled(decision.state, config, now - config.outboxTtlMs);
  // Nothing waiting to be filed (the usual case): the decision as it is, not a copy of it.
  return bounded === decision.state
    ? decision
    : { state: bounded, commands: decision.commands, verdict: decision.verdict };
};

/**
 * Pure: entries waiting to be filed age and are capped like those on file
 * (the oldest go first), with the same count.
 */
export const boundUnfiled = (
  state: InterruptState,
  config: Pick<CoreConfig, "outboxCap">,
  before = Number.NEGATIVE_INFINITY,
): InterruptState => {
  if (state.unfiled.length === 0) return state;
  const waiting = newest(
    state.unfiled.filter((entry) => entry.createdAt >= before),
    config.outboxCap,
  );
  const dropped = state.unfiled.length - waiting.length;
  return dropped === 0
    ? state
    : updateInterrupts(state, { unfiled: waiting, expiredUnreported: state.expiredUnreported + dropped });
};

/**
 * Pure: the entry `seq` was not filed (its write was refused or failed, or
 * never sent): it leaves the outbox for the unfiled entries, so it is never
 * pushed without its row; a delivery of it in flight is forgotten.
 */
export const unfileEntry = (state: InterruptState, seq: number): InterruptState => {
  const entry = state.outbox.find((candidate) => candidate.seq === seq);
  if (entry === undefined) return state;
  return updateInterrupts(state, {
    outbox: state.outbox.filter((candidate) => candidate.seq !== seq),
    unfiled: [...state.unfiled, entry],
    delivering: state.delivering === seq ? null : state.delivering,
  });
};

/**
 * Pure: file the unfiled entries under lease epoch `epoch`, numbered anew
 * after the last sequence number (which the caller has raised to the
 * store's own): their first numbers may have been taken by another holder
 * meanwhile. They join the outbox behind what is there.
 */
export const fileUnfiled = (
  state: InterruptState,
  config: Pick<CoreConfig, "outboxCap">,
  epoch: number,
): InterruptDecision => {
  if (state.unfiled.length === 0) return { state, commands: [], verdict: "queued" };
  const filed = state.unfiled.map((entry, index) => ({ ...entry, seq: state.lastSeq + index + 1 }));
  const next: InterruptState = updateInterrupts(state, {
    unfiled: [],
    lastSeq: state.lastSeq + filed.length,
    outbox: [...state.outbox, ...filed],
  });
  const capped = capOutbox(next, config, epoch);
  return {
    state: capped.state,
    commands: [...filed.map((entry): Command => ({ type: "store.enqueueOutbox", entry, epoch })), ...capped.commands],
    verdict: "queued",
  };
};

/**
 * Pure: the outbox joined with the pending entries on file (read under the
 * lease): every entry either holds, in sequence order; the last sequence
 * number is raised to the store's, so new entries never reuse one.
 */
export const joinStoredOutbox = (
  state: InterruptState,
  stored: readonly OutboxEntry[],
  lastStoredSeq: number,
): InterruptState => {
  const known = new Set(state.outbox.map((entry) => entry.seq));
  const added = stored.filter((entry) => !known.has(entry.seq));
  const lastSeq = Math.max(state.lastSeq, lastStoredSeq, ...stored.map((entry) => entry.seq));
  if (added.length === 0) return lastSeq === state.lastSeq ? state : updateInterrupts(state, { lastSeq });
  return updateInterrupts(state, { lastSeq, outbox: [...state.outbox, ...added].sort((a, b) => a.seq - b.seq) });
};
