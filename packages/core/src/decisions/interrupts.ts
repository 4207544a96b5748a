/**
 * Interrupts: what wakes the first mate at once, deduplicated, rate limited,
 * and carried by a durable outbox so nothing is lost (SPEC §5).
 *
 * Pure: executes nothing. Rules:
 * - the same source + kind + message within `dedupeWindowMs` of its last
 *   wake wakes once; repeats are counted and folded into the next digest;
 * - at most `rateLimitWakes` wakes per source per `rateLimitWindowMs`;
 *   the surplus is folded the same way;
 * - the first mate's own interrupts never wake it;
 * - every wake is first written to the outbox (a store command), then
 *   delivered in sequence order, one at a time, while the first mate is
 *   attached; a failed delivery stays queued; entries older than the TTL are
 *   dropped with a count.
 */
import type { Command } from "../commands.js";
import type { CoreConfig } from "../config.js";
import type { InterruptKind, OutboxEntry } from "../domain/interrupt.js";
import type { PaneId } from "../domain/paneId.js";
import type { FoldedRepeat } from "./renderDelta.js";

/**
 * The interrupts' bounded tables: last wake per dedupe key, wakes per source, folded repeats; the outbox, the
 * delivery in flight, the last sequence number, and expired entries not yet reported.
 */
export interface InterruptState {
  /** Dedupe key → time of its last wake. */
  readonly lastWakeByKey: Readonly<Record<string, number>>;
  /** Source → times of its wakes inside the rate window. */
  readonly wakesBySource: Readonly<Record<string, readonly number[]>>;
  /** Suppressed repeats awaiting the next digest, by dedupe key. */
  readonly repeats: Readonly<Record<string, FoldedRepeat>>;
  /** Pending entries, sequence order. */
  readonly outbox: readonly OutboxEntry[];
  /** The sequence number being delivered, if any. */
  readonly delivering: number | null;
  readonly lastSeq: number;
  /** Entries dropped by TTL and not yet reported in a digest. */
  readonly expiredUnreported: number;
}

/** Empty interrupt tables. */
export const INITIAL_INTERRUPTS: InterruptState = {
  lastWakeByKey: {},
  wakesBySource: {},
  repeats: {},
  outbox: [],
  delivering: null,
  lastSeq: 0,
  expiredUnreported: 0,
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

type InterruptConfig = Pick<CoreConfig, "dedupeWindowMs" | "rateLimitWakes" | "rateLimitWindowMs" | "outboxTtlMs">;

/** The key under which identical interrupts are deduplicated: source, kind and message. */
export const dedupeKey = (source: string, kind: string, message: string): string =>
  `${source}\u0000${kind}\u0000${message}`;

const fold = (state: InterruptState, key: string, raised: RaisedInterrupt): InterruptState => {
  const previous = state.repeats[key];
  const repeat: FoldedRepeat = {
    source: raised.source,
    kind: raised.kind,
    message: raised.message,
    count: (previous?.count ?? 0) + 1,
  };
  return { ...state, repeats: { ...state.repeats, [key]: repeat } };
};

/** Pure: admit (or fold) one interrupt. Delivery is `deliverNext`'s job. */
export const admitInterrupt = (
  state: InterruptState,
  raised: RaisedInterrupt,
  firstMatePaneId: string | null,
  config: InterruptConfig,
): InterruptDecision => {
  if (raised.source === firstMatePaneId) return { state, commands: [], verdict: "ignored_self" };
  const key = dedupeKey(raised.source, raised.kind, raised.message);
  const lastWake = state.lastWakeByKey[key];
  if (lastWake !== undefined && raised.now - lastWake < config.dedupeWindowMs) {
    return { state: fold(state, key, raised), commands: [], verdict: "deduplicated" };
  }
  const recentWakes = (state.wakesBySource[raised.source] ?? []).filter(
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
  const next: InterruptState = {
    ...state,
    lastSeq: seq,
    outbox: [...state.outbox, entry],
    lastWakeByKey: { ...pruneKeys(state.lastWakeByKey, raised.now, config.dedupeWindowMs), [key]: raised.now },
    wakesBySource: { ...state.wakesBySource, [raised.source]: [...recentWakes, raised.now] },
  };
  return { state: next, commands: [{ type: "store.enqueueOutbox", entry }], verdict: "queued" };
};

/** Keys whose window has passed carry no information; drop them so state stays small. */
const pruneKeys = (keys: Readonly<Record<string, number>>, now: number, windowMs: number): Record<string, number> => {
  const kept: Record<string, number> = {};
  for (const [key, at] of Object.entries(keys)) if (now - at < windowMs) kept[key] = at;
  return kept;
};

const LABEL: Record<InterruptKind, string> = {
  need_human: "NEEDS A HUMAN",
  report: "REPORT",
  ci_red: "CI RED",
};

/** Pure: the push text of one outbox entry. */
export const renderInterrupt = (entry: OutboxEntry, paneName: string | undefined): string =>
  `[interrupt #${entry.seq}] ${LABEL[entry.kind]} ${entry.source}${paneName ? ` ${paneName}` : ""}: ${entry.message}`;

/** The emit id of the interrupt with sequence number `seq`. */
export const interruptEmitId = (seq: number): string => `interrupt-${seq}`;

/** Pure: start delivering the head of the outbox when the first mate can receive it. */
export const deliverNext = (
  state: InterruptState,
  firstMatePaneId: PaneId | null,
  attached: boolean,
  paneNames: Readonly<Record<string, string>>,
): InterruptDecision => {
  const head = state.outbox[0];
  if (!attached || firstMatePaneId === null || state.delivering !== null || head === undefined) {
    return { state, commands: [], verdict: "queued" };
  }
  return {
    state: { ...state, delivering: head.seq },
    commands: [
      {
        type: "channel.emit",
        emitId: interruptEmitId(head.seq),
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
export const settleDelivery = (state: InterruptState, seq: number, delivered: boolean): InterruptDecision => {
  if (state.delivering !== seq) return { state, commands: [], verdict: "queued" };
  if (!delivered) return { state: { ...state, delivering: null }, commands: [], verdict: "queued" };
  return {
    state: { ...state, delivering: null, outbox: state.outbox.filter((entry) => entry.seq !== seq) },
    commands: [{ type: "store.markDelivered", seq }],
    verdict: "queued",
  };
};

/** Pure: drop entries older than the TTL (never the one being delivered). */
export const expireOutbox = (state: InterruptState, now: number, config: InterruptConfig): InterruptDecision => {
  const before = now - config.outboxTtlMs;
  const kept = state.outbox.filter((entry) => entry.createdAt >= before || entry.seq === state.delivering);
  const dropped = state.outbox.length - kept.length;
  if (dropped === 0) return { state, commands: [], verdict: "queued" };
  return {
    state: { ...state, outbox: kept, expiredUnreported: state.expiredUnreported + dropped },
    commands: [{ type: "store.expireOutbox", before }],
    verdict: "queued",
  };
};
