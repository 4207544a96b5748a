import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decideHeartbeat,
  type HeartbeatInput,
  type HeartbeatState,
  INITIAL_HEARTBEAT,
  resetForNewFirstMate,
  settlePush,
} from "../../src/decisions/heartbeat.js";
import { fleetDigestArb } from "../../src/testing/arbitraries.js";
import { cheapExpect } from "../cheapExpect.js";
import { digestOf, paneRow, pid, T0, THRESHOLDS } from "../support.js";

const input = (
  now: number,
  digest = digestOf([paneRow(1)]),
  overrides: Partial<HeartbeatInput> = {},
): HeartbeatInput => ({
  now,
  digest,
  firstMatePaneId: pid(9),
  attached: true,
  repeats: {},
  expiredUnreported: 0,
  intervalMs: 120_000,
  thresholds: THRESHOLDS,
  capBytes: 4096,
  ...overrides,
});

/** Push and settle successfully at `now`. */
const pushed = (state: HeartbeatState, at: number, digest = digestOf([paneRow(1)])) => {
  const decision = decideHeartbeat(state, input(at, digest));
  const emit = decision.commands[0];
  if (emit?.type !== "channel.emit") throw new Error("expected a push");
  return settlePush(decision.state, emit.emitId, true, at).state;
};

describe("decideHeartbeat", () => {
  it("first sight pushes the whole picture at once", () => {
    const decision = decideHeartbeat(INITIAL_HEARTBEAT, input(T0));
    expect(decision.commands).toHaveLength(1);
    expect(decision.commands[0]).toMatchObject({
      type: "channel.emit",
      purpose: "digest",
      paneId: "%9",
      meta: { kind: "digest_full", changes: "1", panes: "1" },
    });
  });

  it("no first mate, not attached, or a push in flight: nothing", () => {
    expect(decideHeartbeat(INITIAL_HEARTBEAT, input(T0, undefined, { firstMatePaneId: null })).commands).toEqual([]);
    expect(decideHeartbeat(INITIAL_HEARTBEAT, input(T0, undefined, { attached: false })).commands).toEqual([]);
    const inFlight = decideHeartbeat(INITIAL_HEARTBEAT, input(T0)).state;
    expect(decideHeartbeat(inFlight, input(T0 + 500_000, digestOf([]))).commands).toEqual([]);
  });

  it("coalesces: a divergence sooner than the interval waits, one wake-up, then goes complete", () => {
    const sent = pushed(INITIAL_HEARTBEAT, T0);
    const one = digestOf([paneRow(1, { status: "testing" })]);
    const early = decideHeartbeat(sent, input(T0 + 10_000, one));
    expect(early.commands).toEqual([{ type: "timer.wakeAt", at: T0 + 120_000 }]);
    const again = decideHeartbeat(
      early.state,
      input(T0 + 20_000, digestOf([paneRow(1, { status: "testing" }), paneRow(2)])),
    );
    expect(again.commands).toEqual([]);
    const due = decideHeartbeat(
      early.state,
      input(T0 + 120_000, digestOf([paneRow(1, { status: "testing" }), paneRow(2)])),
    );
    expect(due.commands).toHaveLength(1);
    expect(due.pushed?.map((change) => change.type)).toEqual(["status", "appeared"]);
  });

  it("a respawned first mate (reset) gets the whole picture at once, whatever the interval", () => {
    const sent = pushed(INITIAL_HEARTBEAT, T0);
    const reset = resetForNewFirstMate(sent);
    const decision = decideHeartbeat(reset, input(T0 + 1));
    expect(decision.commands[0]).toMatchObject({ meta: { kind: "digest_full" } });
  });

  it("nothing material: no push", () => {
    const sent = pushed(INITIAL_HEARTBEAT, T0);
    expect(decideHeartbeat(sent, input(T0 + 999_999, digestOf([paneRow(1, { idleS: 200 })]))).commands).toEqual([]);
  });

  it("folded repeats and expiries alone are worth a push", () => {
    const sent = pushed(INITIAL_HEARTBEAT, T0);
    const repeats = { k: { source: "%3", kind: "need_human", message: "asked", count: 3 } };
    expect(decideHeartbeat(sent, input(T0 + 200_000, undefined, { repeats })).commands).toHaveLength(1);
    const expired = decideHeartbeat(sent, input(T0 + 200_000, undefined, { expiredUnreported: 2 }));
    expect(expired.commands[0]).toMatchObject({
      content: expect.stringContaining("2 undelivered interrupts expired unread"),
    });
  });
});

describe("invariant 2", () => {
  it("invariant 2: lastSent changes only on a successful emit of that push", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            digest: fleetDigestArb({ maxPanes: 3 }),
            advanceMs: fc.integer({ min: 0, max: 200_000 }),
            result: fc.constantFrom("succeeded", "failed", "other-id", "none"),
          }),
          { maxLength: 8 },
        ),
        (rounds) => {
          let state = INITIAL_HEARTBEAT;
          let now = T0;
          for (const round of rounds) {
            now += round.advanceMs;
            const decision = decideHeartbeat(state, input(now, round.digest));
            cheapExpect(decision.state.lastSent).toBe(state.lastSent);
            state = decision.state;
            const inFlight = state.inFlight;
            if (inFlight === null || round.result === "none") continue;
            const emitId = round.result === "other-id" ? `${inFlight.emitId}-x` : inFlight.emitId;
            const settled = settlePush(state, emitId, round.result === "succeeded", now).state;
            if (round.result === "succeeded") cheapExpect(settled.lastSent).toBe(inFlight.digest);
            else cheapExpect(settled.lastSent).toBe(state.lastSent);
            state = settled;
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
