/**
 * decideHeartbeat remembers its last decision that did nothing, with what it
 * was decided from. Whatever sequence of asks shares or replaces the
 * heartbeat's state and each of its inputs, every answer equals the one
 * decided afresh from the digests (decideHeartbeatAfresh).
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import {
  decideHeartbeat,
  decideHeartbeatAfresh,
  type HeartbeatInput,
  type HeartbeatState,
  INITIAL_HEARTBEAT,
} from "../../src/decisions/heartbeat.js";
import type { FoldedRepeat } from "../../src/decisions/renderDelta.js";
import type { PaneId } from "../../src/domain/paneId.js";
import { cheapExpect } from "../cheapExpect.js";
import { digestOf, paneRow, pid, T0, THRESHOLDS } from "../support.js";

// Small pools, each value built once: consecutive asks often share every input (the remembered answer is used).
const digests = [
  digestOf([paneRow(1)]),
  digestOf([paneRow(1, { status: "testing" })]),
  digestOf([paneRow(1), paneRow(2)]),
  digestOf([paneRow(1, { idleS: 400 })]),
  digestOf([paneRow(1)], { percent: 50 }),
  digestOf([paneRow(1, { state: "busy", stateSource: null, stateAt: null })]),
  digestOf([paneRow(1)], { percent: 10 }),
  digestOf([paneRow(1)], { percent: 30 }),
];
// The digests a threshold decides on (idle for 400 s; the budget 20 points up) drawn more often.
const digestPool = [...digests, digests[3]!, digests[7]!, digests[3]!, digests[7]!];
const heartbeats: readonly HeartbeatState[] = [
  INITIAL_HEARTBEAT,
  { ...INITIAL_HEARTBEAT, lastSent: digests[0]!, lastPushAt: T0, pushCount: 1 },
  { ...INITIAL_HEARTBEAT, lastSent: digests[0]!, lastPushAt: T0 - 200_000, pushCount: 2 },
  { ...INITIAL_HEARTBEAT, lastSent: digests[2]!, lastPushAt: T0, pushCount: 1, wakeRequestedFor: T0 + 60_000 },
  { ...INITIAL_HEARTBEAT, lastSent: digests[0]!, lastPushAt: T0, pushCount: 3, wakeRequestedFor: T0 + 120_000 },
  { ...INITIAL_HEARTBEAT, lastSent: digests[6]!, lastPushAt: T0 - 200_000, pushCount: 4 },
  {
    ...INITIAL_HEARTBEAT,
    lastSent: digests[0]!,
    pushCount: 1,
    inFlight: { emitId: "digest-0-1", digest: digests[0]!, repeatKeys: [], expiredReported: 0 },
  },
];
const nows = [T0, T0 + 30_000, T0 + 60_000, T0 + 120_000, T0 + 300_000];
const repeatTables: readonly Readonly<Record<string, FoldedRepeat>>[] = [
  {},
  { "%1|report|m": { source: "%1", kind: "report", message: "m", count: 2 } },
];
const expiredCounts = [0, 2];
const intervals = [60_000, 120_000];
const noteLists: readonly (readonly string[] | undefined)[] = [undefined, ["budget posture"]];
const thresholdSets = [THRESHOLDS, { idleThresholdMs: 600_000, budgetStepPoints: 30 }];
const caps = [4096, 120];
// Mostly a first mate, attached: the heartbeat decides, and a decision to do nothing is remembered.
const firstMates: readonly (PaneId | null)[] = [pid(9), pid(9), pid(9), null];
const attachedStates = [true, true, true, false];
const attempts = [0, 1];

const pools = {
  heartbeat: heartbeats,
  digest: digestPool,
  now: nows,
  repeats: repeatTables,
  expired: expiredCounts,
  interval: intervals,
  notes: noteLists,
  thresholds: thresholdSets,
  cap: caps,
  firstMate: firstMates,
  attached: attachedStates,
  attempt: attempts,
} as const;

type Field = keyof typeof pools;
type Choice = Readonly<Record<Field, number>>;
const fields = Object.keys(pools) as Field[];

const choiceArb: fc.Arbitrary<Choice> = fc.record(
  Object.fromEntries(fields.map((field) => [field, fc.nat(pools[field].length - 1)])) as Record<
    Field,
    fc.Arbitrary<number>
  >,
);

/** The fields a decision to do nothing depends on are replaced more often than those it does not. */
const fieldArb: fc.Arbitrary<Field> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<Field>("heartbeat", "digest", "now", "thresholds", "interval") },
  { weight: 1, arbitrary: fc.constantFrom(...fields) },
);

/** One ask after another: the same inputs again (often), or one of them replaced. */
const changeArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 3, arbitrary: fc.record({ field: fieldArb, index: fc.nat(11) }) },
);

const heartbeatOf = (choice: Choice): HeartbeatState => pools.heartbeat[choice.heartbeat]!;

/** A fresh input literal of the chosen values, as `step` builds one per ask. */
const inputOf = (choice: Choice): HeartbeatInput => ({
  now: pools.now[choice.now]!,
  digest: pools.digest[choice.digest]!,
  firstMatePaneId: pools.firstMate[choice.firstMate]!,
  firstMateAttempt: pools.attempt[choice.attempt]!,
  attached: pools.attached[choice.attached]!,
  repeats: pools.repeats[choice.repeats]!,
  expiredUnreported: pools.expired[choice.expired]!,
  intervalMs: pools.interval[choice.interval]!,
  thresholds: pools.thresholds[choice.thresholds]!,
  capBytes: pools.cap[choice.cap]!,
  ...(pools.notes[choice.notes] === undefined ? {} : { notes: pools.notes[choice.notes] }),
});

describe("the heartbeat's remembered idle decision", () => {
  it("answers every ask as the decision made afresh does", () => {
    fc.assert(
      fc.property(choiceArb, fc.array(changeArb, { minLength: 1, maxLength: 12 }), (first, changes) => {
        let choice = first;
        for (const change of [null, ...changes]) {
          if (change !== null)
            choice = { ...choice, [change.field]: change.index % pools[change.field].length } as Choice;
          const state = heartbeatOf(choice);
          const remembered = decideHeartbeat(state, inputOf(choice));
          const afresh = decideHeartbeatAfresh(state, inputOf(choice));
          cheapExpect(remembered).toEqual(afresh);
          // A decision that does nothing keeps the state itself, remembered or not.
          cheapExpect(remembered.state === state).toBe(afresh.state === state);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
