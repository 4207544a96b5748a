import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../src/config.js";
import {
  admitInterrupt,
  deliverNext,
  expireOutbox,
  INITIAL_INTERRUPTS,
  type InterruptState,
  type RaisedInterrupt,
  renderInterrupt,
  settleDelivery,
} from "../../src/decisions/interrupts.js";
import { paneIdArb } from "../../src/testing/arbitraries.js";
import { cheapExpect } from "../cheapExpect.js";
import { pid, T0 } from "../support.js";

/** The lease epoch the outbox writes are fenced with. */
const EPOCH = 3;

const raise = (offsetMs: number, overrides: Partial<RaisedInterrupt> = {}): RaisedInterrupt => ({
  now: T0 + offsetMs,
  source: pid(3),
  kind: "need_human",
  message: "need approval",
  ...overrides,
});

const admitAll = (raised: RaisedInterrupt[], firstMate: string | null = "%1") => {
  let state: InterruptState = INITIAL_INTERRUPTS;
  const verdicts: string[] = [];
  let enqueued = 0;
  for (const one of raised) {
    const decision = admitInterrupt(state, one, firstMate, DEFAULT_CONFIG, EPOCH);
    state = decision.state;
    verdicts.push(decision.verdict);
    enqueued += decision.commands.filter((command) => command.type === "store.enqueueOutbox").length;
  }
  return { state, verdicts, enqueued };
};

describe("interrupt dedupe", () => {
  it("the same source, kind and message within 60 s wakes once; the repeats are counted", () => {
    const { state, verdicts } = admitAll([raise(0), raise(1_000), raise(59_999)]);
    expect(verdicts).toEqual(["queued", "deduplicated", "deduplicated"]);
    expect(state.outbox).toHaveLength(1);
    expect(Object.values(state.repeats)).toEqual([
      { source: "%3", kind: "need_human", message: "need approval", count: 2 },
    ]);
  });

  it("the window is measured from the last wake: exactly 60 s later wakes again", () => {
    expect(admitAll([raise(0), raise(60_000)]).verdicts).toEqual(["queued", "queued"]);
    expect(admitAll([raise(0), raise(59_000), raise(61_000)]).verdicts).toEqual(["queued", "deduplicated", "queued"]);
  });

  it("a different message, kind or source is not a repeat", () => {
    const { verdicts } = admitAll([
      raise(0),
      raise(1, { message: "other" }),
      raise(2, { kind: "report" }),
      raise(3, { source: pid(4) }),
    ]);
    expect(verdicts).toEqual(["queued", "queued", "queued", "queued"]);
  });

  it("the first mate's own interrupts never wake it", () => {
    const { verdicts, state } = admitAll([raise(0, { source: pid(1) })], "%1");
    expect(verdicts).toEqual(["ignored_self"]);
    expect(state).toBe(INITIAL_INTERRUPTS);
  });

  it("invariant 11: repeated identical interrupts within the window wake once", () => {
    fc.assert(
      fc.property(
        paneIdArb,
        fc.constantFrom("need_human" as const, "report" as const, "ci_red" as const),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: DEFAULT_CONFIG.dedupeWindowMs - 1 }), { minLength: 1, maxLength: 30 }),
        (source, kind, message, offsets) => {
          const sorted = [0, ...offsets].sort((a, b) => a - b);
          const { state, enqueued } = admitAll(
            sorted.map((offset) => raise(offset, { source, kind, message })),
            "%99999",
          );
          cheapExpect(enqueued).toBe(1);
          cheapExpect(state.outbox).toHaveLength(1);
          const repeats = Object.values(state.repeats);
          cheapExpect(repeats.reduce((sum, repeat) => sum + repeat.count, 0)).toBe(sorted.length - 1);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("interrupt rate limit", () => {
  it("at most 6 wakes per source per 10 minutes; the surplus is folded", () => {
    const raised = Array.from({ length: 8 }, (_, i) => raise(i * 61_000, { message: `m${i}` }));
    const { verdicts, state } = admitAll(raised);
    expect(verdicts).toEqual([
      "queued",
      "queued",
      "queued",
      "queued",
      "queued",
      "queued",
      "rate_limited",
      "rate_limited",
    ]);
    expect(state.outbox).toHaveLength(6);
    expect(Object.keys(state.repeats)).toHaveLength(2);
  });

  it("the limit is per source, and frees up as the window slides", () => {
    const six = Array.from({ length: 6 }, (_, i) => raise(i, { message: `m${i}` }));
    const { verdicts } = admitAll([
      ...six,
      raise(10, { source: pid(4), message: "m" }),
      raise(DEFAULT_CONFIG.rateLimitWindowMs - 1, { message: "late" }),
      raise(DEFAULT_CONFIG.rateLimitWindowMs, { message: "later" }),
    ]);
    expect(verdicts.slice(6)).toEqual(["queued", "rate_limited", "queued"]);
  });
});

describe("outbox delivery", () => {
  const queued = admitAll([raise(0, { message: "a" }), raise(1, { message: "b" }), raise(2, { source: pid(5) })]).state;

  it("delivers the head, in sequence order, one at a time, only when attached", () => {
    expect(deliverNext(queued, pid(1), false, {}).commands).toEqual([]);
    expect(deliverNext(queued, null, true, {}).commands).toEqual([]);
    const first = deliverNext(queued, pid(1), true, { "%3": "api" });
    expect(first.state.delivering).toBe(1);
    expect(first.commands).toEqual([
      {
        type: "channel.emit",
        emitId: "interrupt-0-1",
        purpose: "interrupt",
        paneId: "%1",
        content: "[interrupt #1] NEEDS A HUMAN %3 api: a",
        meta: { kind: "interrupt", interrupt: "need_human", source: "%3", seq: "1" },
      },
    ]);
    expect(deliverNext(first.state, pid(1), true, {}).commands).toEqual([]);
  });

  it("success removes the entry durably; failure keeps it queued for a retry", () => {
    const delivering = deliverNext(queued, pid(1), true, {}).state;
    const failed = settleDelivery(delivering, 1, false, EPOCH);
    expect(failed.state.outbox.map((entry) => entry.seq)).toEqual([1, 2, 3]);
    expect(failed.state.delivering).toBeNull();
    expect(failed.commands).toEqual([]);
    const done = settleDelivery(delivering, 1, true, EPOCH);
    expect(done.state.outbox.map((entry) => entry.seq)).toEqual([2, 3]);
    expect(done.commands).toEqual([{ type: "store.markDelivered", seq: 1, epoch: EPOCH }]);
    // A result for another sequence number changes nothing.
    expect(settleDelivery(delivering, 2, true, EPOCH).state).toBe(delivering);
  });

  it("entries older than the TTL are dropped with a count, never the one in delivery", () => {
    const ttl = DEFAULT_CONFIG.outboxTtlMs;
    const expired = expireOutbox(queued, T0 + ttl + 2, DEFAULT_CONFIG, EPOCH);
    expect(expired.state.outbox.map((entry) => entry.seq)).toEqual([3]);
    expect(expired.state.expiredUnreported).toBe(2);
    expect(expired.commands).toEqual([{ type: "store.expireOutbox", before: T0 + 2, epoch: EPOCH }]);
    expect(expireOutbox(queued, T0 + ttl, DEFAULT_CONFIG, EPOCH).commands).toEqual([]);
    const delivering = deliverNext(queued, pid(1), true, {}).state;
    expect(
      expireOutbox(delivering, T0 + ttl * 2, DEFAULT_CONFIG, EPOCH).state.outbox.map((entry) => entry.seq),
    ).toEqual([1]);
  });

  it("renders a report and a CI interrupt with their labels", () => {
    const entry = { seq: 7, source: pid(2), kind: "ci_red" as const, message: "CI turned red on PR #4", createdAt: T0 };
    expect(renderInterrupt(entry, undefined)).toBe("[interrupt #7] CI RED %2: CI turned red on PR #4");
    expect(renderInterrupt({ ...entry, kind: "report" }, "web")).toBe(
      "[interrupt #7] REPORT %2 web: CI turned red on PR #4",
    );
  });
});
