/**
 * Every per-source interrupt table is bounded (invariant 16): a flood of
 * invented sources or of distinct messages costs bounded memory, and the
 * tables still do their job for a normal fleet.
 */
import { describe, expect, it } from "vitest";
import { parseCoreConfig } from "../../src/config.js";
import {
  admitInterrupt,
  INITIAL_INTERRUPTS,
  INTERRUPT_TABLE_CAPS,
  type InterruptState,
  OVERFLOW_REPEAT_KEY,
} from "../../src/decisions/interrupts.js";
import type { PaneId } from "../../src/domain/paneId.js";

const config = parseCoreConfig({});
const T0 = 1_700_000_000_000;
const LOAD = 10_000;

const sizes = (state: InterruptState) => ({
  dedupe: state.dedupeMarks.length,
  rate: state.sourceWakes.length,
  repeats: Object.keys(state.repeats).length,
});

const withinCaps = (state: InterruptState) => {
  const size = sizes(state);
  expect(size.dedupe).toBeLessThanOrEqual(INTERRUPT_TABLE_CAPS.dedupeKeys);
  expect(size.rate).toBeLessThanOrEqual(INTERRUPT_TABLE_CAPS.rateSources);
  expect(size.repeats).toBeLessThanOrEqual(INTERRUPT_TABLE_CAPS.foldedRepeats + 1);
};

describe("interrupt tables are bounded (invariant 16)", () => {
  it("invariant 16: 10 000 invented sources keep the dedupe and rate tables within their caps", () => {
    let state = INITIAL_INTERRUPTS;
    for (let index = 0; index < LOAD; index += 1) {
      const raised = {
        now: T0 + index,
        source: `%${index + 10}` as PaneId,
        kind: "need_human" as const,
        message: "help",
      };
      state = admitInterrupt(state, raised, "%1", config, 0).state;
      if (index % 1000 === 999) withinCaps(state);
    }
    withinCaps(state);
    expect(sizes(state).rate).toBe(INTERRUPT_TABLE_CAPS.rateSources);
  });

  it("invariant 16: 10 000 distinct messages from one source keep the dedupe and folded-repeat tables within their caps", () => {
    let state = INITIAL_INTERRUPTS;
    for (let index = 0; index < LOAD; index += 1) {
      const raised = { now: T0 + index, source: "%5" as PaneId, kind: "report" as const, message: `m${index}` };
      state = admitInterrupt(state, raised, "%1", config, 0).state;
    }
    withinCaps(state);
    // The rate limit let six wake; every other message was folded, and the fold still counts them all.
    expect(state.outbox).toHaveLength(config.rateLimitWakes);
    const folded = Object.values(state.repeats).reduce((sum, repeat) => sum + repeat.count, 0);
    expect(folded).toBe(LOAD - config.rateLimitWakes);
    expect(state.repeats[OVERFLOW_REPEAT_KEY]?.count).toBe(
      LOAD - config.rateLimitWakes - INTERRUPT_TABLE_CAPS.foldedRepeats,
    );
  });

  it("under the caps nothing changes: a repeat inside the window is still folded, the seventh wake still rate limited", () => {
    let state = INITIAL_INTERRUPTS;
    const wake = (now: number, message: string) =>
      admitInterrupt(state, { now, source: "%5" as PaneId, kind: "need_human", message }, "%1", config, 0);
    let decision = wake(T0, "a");
    state = decision.state;
    expect(decision.verdict).toBe("queued");
    decision = wake(T0 + 1, "a");
    state = decision.state;
    expect(decision.verdict).toBe("deduplicated");
    for (let index = 0; index < config.rateLimitWakes - 1; index += 1) state = wake(T0 + 2 + index, `b${index}`).state;
    expect(wake(T0 + 100, "c").verdict).toBe("rate_limited");
  });
});
