/**
 * Admitting an interrupt reads its tables in place where it can (the
 * newest wake of a source first, the entry to drop first at the outbox cap,
 * a table with nothing to expire only cut): whatever the tables hold —
 * wakes out of order, expired marks, a table at its cap, an entry being
 * delivered — the decision is the one the rules give written plainly, as a
 * filter over each table (the reference below).
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import type { Command } from "../../src/commands.js";
import { parseCoreConfig } from "../../src/config.js";
import {
  admitInterrupt,
  type DedupeMark,
  dedupeKey,
  INITIAL_INTERRUPTS,
  INTERRUPT_TABLE_CAPS,
  type InterruptDecision,
  type InterruptState,
  OVERFLOW_REPEAT_KEY,
  type RaisedInterrupt,
  type SourceWakes,
} from "../../src/decisions/interrupts.js";
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

const referenceCapOutbox = (state: InterruptState, config: Config, epoch: number): InterruptDecision => {
  const excess = state.outbox.length - config.outboxCap;
  if (excess <= 0) return { state, commands: [], verdict: "queued" };
  const waiting = state.outbox.filter((entry) => entry.seq !== state.delivering);
  const lastToGo = waiting[Math.min(excess, waiting.length) - 1];
  if (lastToGo === undefined) return { state, commands: [], verdict: "queued" };
  const before = referenceKeepDelivering(state, lastToGo.createdAt + 1);
  const kept = state.outbox.filter((entry) => entry.createdAt >= before || entry.seq === state.delivering);
  const dropped = state.outbox.length - kept.length;
  if (dropped === 0) return { state, commands: [], verdict: "queued" };
  return {
    state: { ...state, outbox: kept, expiredUnreported: state.expiredUnreported + dropped },
    commands: [{ type: "store.expireOutbox", before: referenceKeepDelivering(state, before), epoch }],
    verdict: "queued",
  };
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

// Tables at their caps, built once: marks and sources beyond the generated ones, each with one wake.
const fullMarks: readonly DedupeMark[] = Array.from({ length: INTERRUPT_TABLE_CAPS.dedupeKeys }, (_, index) => ({
  key: dedupeKey(`%${1000 + index}`, "report", "filler"),
  at: T0 - index,
}));
const fullWakes: readonly SourceWakes[] = Array.from({ length: INTERRUPT_TABLE_CAPS.rateSources }, (_, index) => ({
  source: `%${1000 + index}`,
  times: [T0 - index * 1_000],
}));

const sources = ["%2", "%3", "%4"] as const;
const atCapArb = fc.oneof({ weight: 1, arbitrary: fc.constant(true) }, { weight: 4, arbitrary: fc.constant(false) });
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
    outbox: fc.array(fc.record({ source: fc.constantFrom(...sources), createdAt: timeArb }), { maxLength: 5 }),
    delivering: fc.option(fc.nat(5), { nil: null }),
    // A table at its cap is one run in five: enough to meet every path past the cap, at a fifth of the cost.
    fullMarks: atCapArb,
    fullWakes: atCapArb,
  })
  .map((drawn): InterruptState => {
    const outbox = drawn.outbox
      .map(
        (entry, index): OutboxEntry => ({
          seq: index + 1,
          source: entry.source as PaneId,
          kind: "report",
          message: "m",
          createdAt: entry.createdAt,
        }),
      )
      .sort((a, b) => a.createdAt - b.createdAt);
    const marks = drawn.marks.map((mark) => ({ key: dedupeKey(mark.source, "report", mark.message), at: mark.at }));
    return {
      ...INITIAL_INTERRUPTS,
      dedupeMarks: drawn.fullMarks ? [...fullMarks, ...marks] : marks,
      sourceWakes: drawn.fullWakes ? [...fullWakes, ...drawn.wakes] : drawn.wakes,
      outbox,
      delivering: drawn.delivering === null ? null : (outbox[drawn.delivering]?.seq ?? null),
      lastSeq: outbox.length,
    };
  });

const configArb = fc
  .record({
    dedupeWindowMs: fc.integer({ min: 1, max: 30_000 }),
    rateLimitWakes: fc.integer({ min: 1, max: 4 }),
    rateLimitWindowMs: fc.integer({ min: 1, max: 30_000 }),
    outboxCap: fc.integer({ min: 1, max: 4 }),
  })
  .map((values) => parseCoreConfig(values));

const raisedArb = fc.record({
  now: fc.integer({ min: T0, max: T0 + 30_000 }),
  source: fc.constantFrom(...sources).map((source) => source as PaneId),
  kind: fc.constant("report" as const),
  message: fc.constantFrom("a", "b"),
});

describe("interrupt admission reads its tables in place", () => {
  it("gives the decision the rules written as filters give, at and under the caps, with wakes out of order", () => {
    fc.assert(
      fc.property(stateArb, raisedArb, configArb, fc.nat(3), (state, raised, config, epoch) => {
        cheapExpect(admitInterrupt(state, raised, "%1", config, epoch)).toEqual(
          referenceAdmit(state, raised, "%1", config, epoch),
        );
      }),
      { numRuns: 1000 },
    );
  });
});
