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

/** `entries` with `entry` after them: a new list (a copy of a long list, then one push, costs less than a spread). */
const appended = <T>(entries: readonly T[], entry: T): T[] => {
  const copy = entries.slice();
  copy.push(entry);
  return copy;
};

/** `kept` (a list this module just made, so its own to extend) with `entry` after it. */
const withLast = <T>(kept: T[], entry: T): T[] => {
  kept.push(entry);
  return kept;
};

/** The liveness of a table whose entries all stay until cut (`bounded` then only cuts). */
const EVERY_ENTRY_LIVE = (): boolean => true;

/**
 * `entries` without those `isLive` rejects, then without the oldest beyond
 * `cap` (entries are kept oldest first, so the oldest are at the front).
 */
const bounded = <T>(entries: readonly T[], cap: number, isLive: (entry: T) => boolean): readonly T[] => {
  // Every entry live: only the cut (a table at its cap is cut at every entry added).
  if (isLive === EVERY_ENTRY_LIVE) return entries.length > cap ? entries.slice(entries.length - cap) : entries;
  const live = entries.length > cap ? entries.filter(isLive) : entries;
  return live.length > cap ? live.slice(live.length - cap) : live;
};

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
  const lastWake = state.dedupeMarks.find((mark) => mark.key === key)?.at;
  if (lastWake !== undefined && raised.now - lastWake < config.dedupeWindowMs) {
    return { state: fold(state, key, raised), commands: [], verdict: "deduplicated" };
  }
  const recentWakes = (state.sourceWakes.find((wakes) => wakes.source === raised.source)?.times ?? []).filter(
    (at) => raised.now - at < config.rateLimitWindowMs,
  );
  if (recentWakes.length >= config.rateLimitWakes) {
    return { state: fold(state, key, raised), commands: [], verdict: "rate_limited" };
  }
  const seq = state.lastSeq + 1;
  const entry: OutboxEntry = {
    seq,
    source: raised.source,
    kind: raised.kind,
    message: raised.message,
    createdAt: raised.now,
  };
  const next: InterruptState = updateInterrupts(state, {
    lastSeq: seq,
    outbox: appended(state.outbox, entry),
    // Expired marks carry no information; past the cap the oldest go too.
    dedupeMarks: bounded(
      withLast(
        state.dedupeMarks.filter((mark) => mark.key !== key && raised.now - mark.at < config.dedupeWindowMs),
        { key, at: raised.now },
      ),
      INTERRUPT_TABLE_CAPS.dedupeKeys,
      EVERY_ENTRY_LIVE,
    ),
    sourceWakes: bounded(
      withLast(
        state.sourceWakes.filter((wakes) => wakes.source !== raised.source),
        { source: raised.source, times: appended(recentWakes, raised.now) },
      ),
      INTERRUPT_TABLE_CAPS.rateSources,
      (wakes) => anyWithin(wakes.times, raised.now, config.rateLimitWindowMs),
    ),
  });
  const capped = capOutbox(next, config, epoch);
  return {
    state: capped.state,
    commands: [{ type: "store.enqueueOutbox", entry, epoch }, ...capped.commands],
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

/** The store's expiry bound, lowered so that the entry being delivered is not dropped. */
const keepDelivering = (state: InterruptState, before: number): number => {
  // Nothing being delivered (the usual case): no entry to look for.
  if (state.delivering === null) return before;
  const delivering = state.outbox.find((entry) => entry.seq === state.delivering);
  return delivering === undefined ? before : Math.min(before, delivering.createdAt);
};

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
  const excess = state.outbox.length - config.outboxCap;
  if (excess <= 0) return { state, commands: [], verdict: "queued" };
  const lastToGo = lastWaitingToGo(state, excess);
  if (lastToGo === undefined) return { state, commands: [], verdict: "queued" };
  const before = keepDelivering(state, lastToGo.createdAt + 1);
  return dropBefore(state, before, epoch);
};

/**
 * The `excess`-th entry not being delivered, oldest first (the last of all
 * when there are fewer): read in place, without listing the waiting entries
 * of an outbox at its cap for every entry admitted.
 */
const lastWaitingToGo = (state: InterruptState, excess: number): OutboxEntry | undefined => {
  let last: OutboxEntry | undefined;
  let counted = 0;
  for (const entry of state.outbox) {
    if (entry.seq === state.delivering) continue;
    last = entry;
    if (++counted === excess) break;
  }
  return last;
};

/** Drop the entries created before `before` (never the one being delivered), in memory and in the store. */
const dropBefore = (state: InterruptState, before: number, epoch: number): InterruptDecision => {
  const kept = state.outbox.filter((entry) => entry.createdAt >= before || entry.seq === state.delivering);
  const dropped = state.outbox.length - kept.length;
  if (dropped === 0) return { state, commands: [], verdict: "queued" };
  return {
    state: updateInterrupts(state, { outbox: kept, expiredUnreported: state.expiredUnreported + dropped }),
    // The entry being delivered stays on file too: its delivery may still succeed.
    commands: [{ type: "store.expireOutbox", before: keepDelivering(state, before), epoch }],
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
  return { ...decision, state: boundUnfiled(decision.state, config, now - config.outboxTtlMs) };
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
  const waiting = bounded(
    state.unfiled.filter((entry) => entry.createdAt >= before),
    config.outboxCap,
    EVERY_ENTRY_LIVE,
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
