/**
 * The heartbeat's interval and notes are remembered for the sources they were
 * computed from (authorityHeartbeatInputs): whatever changes between two
 * asks — the configuration, the usage, the deferred spawns, the conn, the
 * push count, the identity facts — the answer is the one computed afresh.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { authorityHeartbeatInputs, heartbeatInputsOf } from "../src/authority/authorityStep.js";
import { type Conn, HUMAN_CONN } from "../src/authority/conn.js";
import type { DeferredSpawn } from "../src/authority/deferredSpawns.js";
import { parseCoreConfig } from "../src/config.js";
import { UNKNOWN_USAGE, type UsageSnapshot } from "../src/domain/observation.js";
import { type CoreState, initialState, updateState } from "../src/state.js";
import { cheapExpect } from "./cheapExpect.js";

const T0 = 1_700_000_000_000;

// Small pools, each value built once: consecutive asks often share every source (the remembered answer is used).
const configs = [
  parseCoreConfig({}),
  parseCoreConfig({ pushIntervalMs: 90_000, identityNudgeAfterWakes: 2, identityCapChars: 100 }),
  parseCoreConfig({ pushIntervalMs: 30_000, identityNudgeAfterWakes: 3, budgetBackoffFromPercent: 20 }),
];
const usages: readonly UsageSnapshot[] = [
  UNKNOWN_USAGE,
  { percent: 40, resetsAt: T0 + 3_600_000 },
  { percent: 70, resetsAt: null },
  { percent: 95, resetsAt: T0 + 7_200_000 },
];
const spawn: DeferredSpawn = {
  id: "spawn-1",
  launch: { name: "worker", session: "fleet", argv: ["claude"] },
  requestedAt: T0,
  releaseAt: T0 + 3_600_000,
};
const conns: readonly Conn[] = [
  HUMAN_CONN,
  {
    holder: "first_mate",
    since: T0,
    expiresAt: T0 + 600_000,
    scope: { actions: ["spawn_worker"], targets: ["*"] },
    escalation: "ask first",
    firstMateAttempt: 1,
  },
  {
    holder: "first_mate",
    since: T0,
    expiresAt: T0 + 1_200_000,
    scope: { actions: ["terminate"], targets: ["api"] },
    escalation: "ask first",
    firstMateAttempt: 1,
  },
];

/** One source of the inputs set to one of its values. */
const changeArb = fc.oneof(
  fc.nat(configs.length - 1).map((index) => (state: CoreState) => updateState(state, { config: configs[index]! })),
  fc
    .nat(usages.length - 1)
    .map((index) => (state: CoreState) => updateState(state, { inputs: { ...state.inputs, usage: usages[index]! } })),
  fc
    .nat(3)
    .map(
      (count) => (state: CoreState) =>
        updateState(state, { authority: { ...state.authority, deferred: Array.from({ length: count }, () => spawn) } }),
    ),
  fc
    .nat(conns.length - 1)
    .map(
      (index) => (state: CoreState) => updateState(state, { authority: { ...state.authority, conn: conns[index]! } }),
    ),
  fc
    .nat(6)
    .map((pushCount) => (state: CoreState) => updateState(state, { heartbeat: { ...state.heartbeat, pushCount } })),
  fc
    .nat(3)
    .map(
      (identityEditedAtPush) => (state: CoreState) =>
        updateState(state, { authority: { ...state.authority, identityEditedAtPush } }),
    ),
  fc
    .constantFrom(null, 50, 500)
    .map(
      (identityChars) => (state: CoreState) => updateState(state, { authority: { ...state.authority, identityChars } }),
    ),
  // The same state again, or an equal copy of it: asked twice in a row.
  fc.constant((state: CoreState) => state),
);

describe("the heartbeat's inputs, remembered", () => {
  it("answer what they answer computed afresh, whichever source changed between two asks", () => {
    fc.assert(
      fc.property(fc.array(changeArb, { minLength: 1, maxLength: 12 }), (changes) => {
        let state = initialState(configs[0]!);
        for (const change of changes) {
          state = change(state);
          cheapExpect(authorityHeartbeatInputs(state)).toEqual(heartbeatInputsOf(state));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
