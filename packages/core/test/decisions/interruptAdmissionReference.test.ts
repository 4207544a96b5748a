/**
 * Admitting an interrupt reads its tables in place where it can (the first
 * entry of a key or source found once, each table read from its newest end
 * until its cap is full and copied as one slice when nothing in it goes, the
 * outbox capped as the new entry joins it, in one copy): whatever the tables
 * hold — wakes out of order, expired marks, a dedupe, rate or repeats table
 * under, at or past its cap, sources all live or mostly idle, an outbox out
 * of creation order or with entries of the same millisecond, an entry being
 * delivered (or one no entry is) — the decision is the one the rules give
 * written plainly, as a filter over each table (the reference below), and
 * no list or record it was given is changed.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import type { Command } from "../../src/commands.js";
import { parseCoreConfig } from "../../src/config.js";
import {
  admitInterrupt,
  capOutbox,
  type DedupeMark,
  dedupeKey,
  expireOutbox,
  INITIAL_INTERRUPTS,
  INTERRUPT_TABLE_CAPS,
  type InterruptDecision,
  type InterruptState,
  OVERFLOW_REPEAT_KEY,
  type RaisedInterrupt,
  type SourceWakes,
} from "../../src/decisions/interrupts.js";
import type { FoldedRepeat } from "../../src/decisions/renderDelta.js";
import type { OutboxEntry } from "../../src/domain/interrupt.js";
import type { PaneId } from "../../src/domain/paneId.js";
import { cheapExpect } from "../cheapExpect.js";

type Config = Parameters<typeof admitInterrupt>[3];

const T0 = 1_700_000_000_000;

// The reference: each rule as a filter over its whole table, every list copied by a spread.
const referenceFold = (state: InterruptState, key: string, raised: RaisedInterrupt): InterruptState => {
  const full = Object.keys(state.repeats).length >= INTERRUPT_TABLE_CAPS.foldedRepeats;
  if (state.repeats[key] === undefined && full) {
    const count = (state.repeats[OVERFLOW_REPEAT_KEY]?.count ?? 0) + 1;
    const overflow = {
      source: "(several)",
      kind: "repeats",
      message: "more repeated interrupts than the digest lists",
      count,
    };
    return { ...state, repeats: { ...state.repeats, [OVERFLOW_REPEAT_KEY]: overflow } };
  }
  const count = (state.repeats[key]?.count ?? 0) + 1;
  const repeat = { source: raised.source, kind: raised.kind, message: raised.message, count };
  return { ...state, repeats: { ...state.repeats, [key]: repeat } };
};

const referenceBounded = <T>(entries: readonly T[], cap: number, isLive: (entry: T) => boolean): readonly T[] => {
  const live = entries.length > cap ? entries.filter(isLive) : entries;
  return live.length > cap ? live.slice(live.length - cap) : live;
};

const referenceKeepDelivering = (state: InterruptState, before: number): number => {
  const delivering = state.outbox.find((entry) => entry.seq === state.delivering);
  return delivering === undefined ? before : Math.min(before, delivering.createdAt);
};

const referenceDropBefore = (state: InterruptState, before: number, epoch: number): InterruptDecision => {
  const kept = state.outbox.filter((entry) => entry.createdAt >= before || entry.seq === state.delivering);
  const dropped = state.outbox.length - kept.length;
  if (dropped === 0) return { state, commands: [], verdict: "queued" };
  return {
    state: { ...state, outbox: kept, expiredUnreported: state.expiredUnreported + dropped },
    commands: [{ type: "store.expireOutbox", before: referenceKeepDelivering(state, before), epoch }],
    verdict: "queued",
  };
};

const referenceCapOutbox = (state: InterruptState, config: Config, epoch: number): InterruptDecision => {
  const excess = state.outbox.length - config.outboxCap;
  if (excess <= 0) return { state, commands: [], verdict: "queued" };
  const waiting = state.outbox.filter((entry) => entry.seq !== state.delivering);
  const lastToGo = waiting[Math.min(excess, waiting.length) - 1];
  if (lastToGo === undefined) return { state, commands: [], verdict: "queued" };
  return referenceDropBefore(state, referenceKeepDelivering(state, lastToGo.createdAt + 1), epoch);
};

const referenceBoundUnfiled = (state: InterruptState, config: Config, before: number): InterruptState => {
  if (state.unfiled.length === 0) return state;
  const aged = state.unfiled.filter((entry) => entry.createdAt >= before);
  const waiting = aged.length > config.outboxCap ? aged.slice(aged.length - config.outboxCap) : aged;
  const dropped = state.unfiled.length - waiting.length;
  return dropped === 0 ? state : { ...state, unfiled: waiting, expiredUnreported: state.expiredUnreported + dropped };
};

const referenceExpire = (state: InterruptState, now: number, config: Config, epoch: number): InterruptDecision => {
  const aged = referenceDropBefore(state, now - config.outboxTtlMs, epoch);
  const bounded = referenceBoundUnfiled(aged.state, config, now - config.outboxTtlMs);
  const capped = referenceCapOutbox(bounded, config, epoch);
  return { state: capped.state, commands: [...aged.commands, ...capped.commands], verdict: "queued" };
};

const referenceAdmit = (
  state: InterruptState,
  raised: RaisedInterrupt,
  firstMatePaneId: string | null,
  config: Config,
  epoch: number,
): InterruptDecision => {
  if (raised.source === firstMatePaneId) return { state, commands: [], verdict: "ignored_self" };
  const key = dedupeKey(raised.source, raised.kind, raised.message);
  const lastWake = state.dedupeMarks.find((mark) => mark.key === key)?.at;
  if (lastWake !== undefined && raised.now - lastWake < config.dedupeWindowMs)
    return { state: referenceFold(state, key, raised), commands: [], verdict: "deduplicated" };
  const recentWakes = (state.sourceWakes.find((wakes) => wakes.source === raised.source)?.times ?? []).filter(
    (at) => raised.now - at < config.rateLimitWindowMs,
  );
  if (recentWakes.length >= config.rateLimitWakes)
    return { state: referenceFold(state, key, raised), commands: [], verdict: "rate_limited" };
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
    dedupeMarks: referenceBounded(
      [
        ...state.dedupeMarks.filter((mark) => mark.key !== key && raised.now - mark.at < config.dedupeWindowMs),
        { key, at: raised.now },
      ],
      INTERRUPT_TABLE_CAPS.dedupeKeys,
      () => true,
    ),
    sourceWakes: referenceBounded(
      [
        ...state.sourceWakes.filter((wakes) => wakes.source !== raised.source),
        { source: raised.source, times: [...recentWakes, raised.now] },
      ],
      INTERRUPT_TABLE_CAPS.rateSources,
      (wakes) => wakes.times.some((at) => raised.now - at < config.rateLimitWindowMs),
    ),
  };
  const capped = referenceCapOutbox(next, config, epoch);
  const commands: Command[] = [{ type: "store.enqueueOutbox", entry, epoch }, ...capped.commands];
  return { state: capped.state, commands, verdict: "queued" };
};

// Tables at and just under their caps, built once: marks, sources and repeats beyond the generated ones.
const fullMarks: readonly DedupeMark[] = Array.from({ length: INTERRUPT_TABLE_CAPS.dedupeKeys }, (_, index) => ({
  key: dedupeKey(`%${1000 + index}`, "report", "filler"),
  at: T0 - index,
}));
/** Sources with one wake each, most of them idle at any time drawn. */
const fullWakes: readonly SourceWakes[] = Array.from({ length: INTERRUPT_TABLE_CAPS.rateSources }, (_, index) => ({
  source: `%${1000 + index}`,
  times: Object.freeze([T0 - index * 1_000]),
}));
/** Sources with recent wakes, every one live in most windows drawn (the table is then only cut). */
const recentWakes: readonly SourceWakes[] = Array.from({ length: INTERRUPT_TABLE_CAPS.rateSources }, (_, index) => ({
  source: `%${1000 + index}`,
  times: Object.freeze([T0 - 10_000 - (index % 7), T0 - (index % 5)]),
}));
/**
 * A full table over idle fillers that already holds the generated sources, twice each: with a generated
 * entry or two on top, it is past its cap, yet not once its source's old entries go.
 */
const wakesWithSources: readonly SourceWakes[] = [
  ...["%2", "%3", "%4", "%2", "%3", "%4"].map((source) => ({ source, times: Object.freeze([T0 - 5]) })),
  ...fullWakes.slice(6),
];
const fillerRepeats = (count: number): Record<string, FoldedRepeat> =>
  Object.fromEntries(
    Array.from({ length: count }, (_, index) => [
      dedupeKey(`%${1000 + index}`, "report", "filler"),
      { source: `%${1000 + index}`, kind: "report", message: "filler", count: 1 + (index % 3) },
    ]),
  );
// The repeats table one under its cap, at it, and past it by the overflow entry.
const REPEATS_AROUND_CAP = [
  INTERRUPT_TABLE_CAPS.foldedRepeats - 1,
  INTERRUPT_TABLE_CAPS.foldedRepeats,
  INTERRUPT_TABLE_CAPS.foldedRepeats + 1,
].map(fillerRepeats);
const OVERFLOW: FoldedRepeat = {
  source: "(several)",
  kind: "repeats",
  message: "more repeated interrupts than the digest lists",
  count: 7,
};

/**
 * The tables as the state holds them, frozen: a decision must make a new
 * list or record for each change, and one that changed a list it was given
 * would throw here.
 */
const frozen = (state: InterruptState): InterruptState => {
  // The fillers' wakes are frozen once, where they are built.
  for (const table of [state.dedupeMarks, state.sourceWakes, state.outbox, state.unfiled, state.repeats])
    Object.freeze(table);
  return Object.freeze(state);
};

const sources = ["%2", "%3", "%4"] as const;
// A table at (or around) its cap is one run in five: enough to meet every path past the cap, at a fifth of the cost.
const aroundCapArb = <T>(...tables: T[]): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...tables) }, { weight: 4, arbitrary: fc.constant(null) });
const timeArb = fc.integer({ min: T0 - 20_000, max: T0 + 20_000 });

const stateArb = fc
  .record({
    marks: fc.array(
      fc.record({ source: fc.constantFrom(...sources), message: fc.constantFrom("a", "b"), at: timeArb }),
      { maxLength: 4 },
    ),
    wakes: fc.array(fc.record({ source: fc.constantFrom(...sources), times: fc.array(timeArb, { maxLength: 4 }) }), {
      maxLength: 3,
    }),
    repeats: fc.array(
      fc.record({ source: fc.constantFrom(...sources), message: fc.constantFrom("a", "b"), count: fc.nat(5) }),
      { maxLength: 2 },
    ),
    // Entries created in the same millisecond now and then (they go together).
    outbox: fc.array(
      fc.record({
        source: fc.constantFrom(...sources),
        createdAt: fc.oneof({ weight: 3, arbitrary: timeArb }, { weight: 1, arbitrary: fc.constantFrom(T0, T0 + 5) }),
      }),
      { maxLength: 5 },
    ),
    unfiled: fc.array(timeArb, { maxLength: 3 }),
    // One outbox in four out of creation order (entries joined from the store are in sequence order).
    outboxSorted: fc.nat(3).map((draw) => draw !== 0),
    // An index into the outbox; 5: the sequence number the next entry gets; 6: one no entry has.
    delivering: fc.option(fc.nat(6), { nil: null }),
    fullMarks: aroundCapArb(fullMarks, fullMarks.slice(1)),
    fullWakes: aroundCapArb(fullWakes, recentWakes, recentWakes.slice(1), wakesWithSources),
    fullRepeats: aroundCapArb(...REPEATS_AROUND_CAP),
    overflow: fc.boolean(),
  })
  .map((drawn): InterruptState => {
    const entries = drawn.outbox.map(
      (entry, index): OutboxEntry => ({
        seq: index + 1,
        source: entry.source as PaneId,
        kind: "report",
        message: "m",
        createdAt: entry.createdAt,
      }),
    );
    const outbox = drawn.outboxSorted ? entries.sort((a, b) => a.createdAt - b.createdAt) : entries;
    const wakes = drawn.wakes.map((entry) => ({ source: entry.source, times: Object.freeze(entry.times) }));
    const marks = drawn.marks.map((mark) => ({ key: dedupeKey(mark.source, "report", mark.message), at: mark.at }));
    const repeats: Record<string, FoldedRepeat> = { ...drawn.fullRepeats };
    if (drawn.fullRepeats !== null && drawn.overflow) repeats[OVERFLOW_REPEAT_KEY] = OVERFLOW;
    for (const repeat of drawn.repeats)
      repeats[dedupeKey(repeat.source, "report", repeat.message)] = {
        ...repeat,
        kind: "report",
        count: repeat.count + 1,
      };
    const delivering =
      drawn.delivering === null
        ? null
        : drawn.delivering === 5
          ? outbox.length + 1
          : drawn.delivering === 6
            ? outbox.length + 50
            : (outbox[drawn.delivering]?.seq ?? null);
    return frozen({
      ...INITIAL_INTERRUPTS,
      dedupeMarks: drawn.fullMarks === null ? marks : [...drawn.fullMarks, ...marks],
      sourceWakes: drawn.fullWakes === null ? wakes : [...drawn.fullWakes, ...wakes],
      repeats,
      outbox,
      delivering,
      lastSeq: outbox.length,
      unfiled: drawn.unfiled.map((createdAt, index) => ({
        seq: 100 + index,
        source: "%2" as PaneId,
        kind: "report",
        message: "u",
        createdAt,
      })),
    });
  });

const configArb = fc
  .record({
    dedupeWindowMs: fc.integer({ min: 1, max: 30_000 }),
    rateLimitWakes: fc.integer({ min: 1, max: 4 }),
    rateLimitWindowMs: fc.integer({ min: 1, max: 30_000 }),
    outboxCap: fc.integer({ min: 1, max: 4 }),
    outboxTtlMs: fc.integer({ min: 1, max: 40_000 }),
  })
  .map((values) => parseCoreConfig(values));

const raisedArb = fc.record({
  now: fc.integer({ min: T0, max: T0 + 30_000 }),
  source: fc.constantFrom(...sources).map((source) => source as PaneId),
  kind: fc.constant("report" as const),
  message: fc.constantFrom("a", "b"),
});

describe("interrupt admission reads its tables in place", () => {
  it("gives the decision the rules written as filters give, at and under the caps, with wakes out of order; so do the outbox's expiry and cap", () => {
    fc.assert(
      fc.property(stateArb, raisedArb, configArb, fc.nat(3), (state, raised, config, epoch) => {
        cheapExpect(admitInterrupt(state, raised, "%1", config, epoch)).toEqual(
          referenceAdmit(state, raised, "%1", config, epoch),
        );
        // The outbox's cut, shared with admission, as the tick's expiry and the filing of waiting entries use it.
        cheapExpect(expireOutbox(state, raised.now, config, epoch)).toEqual(
          referenceExpire(state, raised.now, config, epoch),
        );
        cheapExpect(capOutbox(state, config, epoch)).toEqual(referenceCapOutbox(state, config, epoch));
      }),
      { numRuns: 1000 },
    );
  });
});
