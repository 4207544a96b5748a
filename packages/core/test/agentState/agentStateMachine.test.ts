/**
 * Agent state with provenance (docs/design.md, Observation, digest and delta): the per-pane machine's rules as
 * properties, and the same rules seen through the whole reducer.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  newAgentRecord,
  type PaneAgentRecord,
  recordEvidence,
  resolveAgentState,
  SOURCE_AUTHORITY,
  settleAgentRecord,
} from "../../src/decisions/agentStateMachine.js";
import { applyAgentEvidence, EMPTY_AGENT_STATES } from "../../src/decisions/agentStates.js";
import { type AgentEvidence, EvidenceSourceSchema, EvidenceStateSchema } from "../../src/domain/agentState.js";
import { DEFAULT_CONFIG, EMPTY_HYDRATION } from "../../src/index.js";
import { type CoreState, initialState } from "../../src/state.js";
import { currentDigest, step } from "../../src/step.js";
import { cheapExpect } from "../cheapExpect.js";
import { deepFrozen, observation, pid, T0, takeLease } from "../support.js";

const MAX_AGE = DEFAULT_CONFIG.agentEvidenceMaxAgeMs;
const CONFIG = DEFAULT_CONFIG;

const source = fc.constantFrom(...EvidenceSourceSchema.options);
const claim = fc.constantFrom(...EvidenceStateSchema.options);
const evidenceAt = (at: fc.Arbitrary<number>): fc.Arbitrary<AgentEvidence> =>
  fc.record({ source, state: claim, at, sessionStart: fc.boolean() }, { requiredKeys: ["source", "state", "at"] });
/** Evidence within 30 minutes after T0, so both fresh and stale pieces occur. */
const evidence = evidenceAt(fc.integer({ min: T0, max: T0 + 1_800_000 }));

const recordOf = (pieces: readonly AgentEvidence[]): PaneAgentRecord =>
  pieces.reduce((record, piece) => recordEvidence(record, piece), newAgentRecord("claude"));

const compatible = (a: string, b: string) =>
  a === b || ((a === "idle" || a === "waiting_input") && (b === "idle" || b === "waiting_input"));

describe("agent state machine", () => {
  it("stale evidence never decides", () => {
    fc.assert(
      fc.property(
        fc.array(evidence, { maxLength: 12 }),
        fc.integer({ min: T0, max: T0 + 3_600_000 }),
        (pieces, now) => {
          const record = recordOf(pieces);
          const resolved = resolveAgentState(record, now, MAX_AGE);
          if (record.ended !== null) {
            cheapExpect(resolved.state).toBe("ended");
            return;
          }
          if (resolved.state === "unknown") return;
          cheapExpect(resolved.at).not.toBeNull();
          cheapExpect(now - resolved.at!).toBeLessThanOrEqual(MAX_AGE);
          const fresh = Object.values(record.evidence).filter((piece) => now - piece!.at <= MAX_AGE);
          if (fresh.length === 0) cheapExpect(resolved.state).toBe("unknown");
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("all evidence stale (and not ended) → unknown", () => {
    fc.assert(
      fc.property(fc.array(evidence, { maxLength: 8 }), (pieces) => {
        const record = recordOf(pieces);
        const resolved = resolveAgentState(record, T0 + 1_800_000 + MAX_AGE + 1, MAX_AGE);
        cheapExpect(resolved.state).toBe(record.ended ? "ended" : "unknown");
      }),
      { numRuns: 1000 },
    );
  });

  it("conflicting fresh evidence yields unknown", () => {
    // Two disagreeing fresh claims: same time, or the stronger one older.
    fc.assert(
      fc.property(
        fc.uniqueArray(source, { minLength: 2, maxLength: 2 }),
        fc.uniqueArray(fc.constantFrom("busy", "waiting_permission", "idle") as fc.Arbitrary<"busy" | "idle">, {
          minLength: 2,
          maxLength: 2,
        }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.boolean(),
        ([first, second], [stateA, stateB], gap, sameTime) => {
          const [strong, weak] =
            SOURCE_AUTHORITY[first!] >= SOURCE_AUTHORITY[second!] ? [first!, second!] : [second!, first!];
          if (!sameTime && SOURCE_AUTHORITY[strong] === SOURCE_AUTHORITY[weak]) return;
          const record = recordOf([
            { source: strong, state: stateA!, at: T0 },
            { source: weak, state: stateB!, at: sameTime ? T0 : T0 + gap + 1 },
          ]);
          cheapExpect(resolveAgentState(record, T0 + gap + 1, MAX_AGE).state).toBe("unknown");
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("the newest fresh evidence decides when nothing stronger disagrees", () => {
    fc.assert(
      fc.property(fc.array(evidence, { minLength: 1, maxLength: 10 }), (pieces) => {
        const record = recordOf(pieces);
        const now = T0 + 1_800_000;
        const resolved = resolveAgentState(record, now, MAX_AGE);
        if (record.ended !== null || resolved.state === "unknown") return;
        const fresh = Object.values(record.evidence).filter((piece) => now - piece!.at <= MAX_AGE) as AgentEvidence[];
        const newest = Math.max(...fresh.map((piece) => piece.at));
        cheapExpect(resolved.at).toBe(newest);
        for (const piece of fresh) {
          if (compatible(piece.state, resolved.state)) continue;
          cheapExpect(piece.at).toBeLessThan(resolved.at!);
          cheapExpect(SOURCE_AUTHORITY[piece.source]).toBeLessThanOrEqual(SOURCE_AUTHORITY[resolved.source!]);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("an ended pane never becomes busy without a new session", () => {
    fc.assert(
      fc.property(
        fc
          .array(evidenceAt(fc.integer({ min: 0, max: 100_000 })), { maxLength: 25 })
          .map((pieces) => pieces.map((piece, index) => ({ ...piece, at: T0 + index * 1000 + (piece.at % 1000) }))),
        (pieces) => {
          let agents = EMPTY_AGENT_STATES;
          let ended = false;
          for (const piece of pieces) {
            agents = applyAgentEvidence(agents, pid(1), piece, piece.at, CONFIG).agents;
            const state = agents[pid(1)]!.resolved.state;
            if (piece.sessionStart === true) ended = false;
            if (piece.state === "ended" && piece.sessionStart !== true) ended = true;
            if (ended) cheapExpect(state).toBe("ended");
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("exactly one permission interrupt per waiting_permission episode", () => {
    fc.assert(
      fc.property(fc.array(evidenceAt(fc.integer({ min: 0, max: 999 })), { maxLength: 30 }), (pieces) => {
        let record = newAgentRecord("claude");
        let episodes = 0;
        let raisedCount = 0;
        let wasWaiting = false;
        let agents = EMPTY_AGENT_STATES;
        pieces.forEach((piece, index) => {
          const at = T0 + index * 1000 + piece.at;
          const timed = { ...piece, at };
          const settled = settleAgentRecord(recordEvidence(record, timed), at, MAX_AGE);
          record = settled.record;
          const waiting = record.resolved.state === "waiting_permission";
          if (waiting && !wasWaiting) episodes++;
          wasWaiting = waiting;
          const update = applyAgentEvidence(agents, pid(1), timed, at, CONFIG);
          agents = update.agents;
          raisedCount += update.raised.length;
          for (const raised of update.raised) cheapExpect(raised.kind).toBe("need_human");
        });
        cheapExpect(raisedCount).toBe(episodes);
      }),
      { numRuns: 1000 },
    );
  });
});

/** A started core with one worker pane (%1) observed; the first mate is not spawned (kill switch). */
const startedWithWorker = (): CoreState => {
  let state = initialState(DEFAULT_CONFIG);
  [state] = step(state, {
    type: "Started",
    now: T0,
    owner: "test",
    hydration: { ...EMPTY_HYDRATION, killSwitch: true },
  });
  // A lone host holds the lease: the outbox is the holder's to write.
  [state] = takeLease(state, T0, 1, { killSwitch: true });
  [state] = step(state, {
    type: "FleetObserved",
    now: T0,
    observeId: state.observe.inFlight?.id ?? 1,
    panes: [observation(1, { title: "api work" })],
  });
  return state;
};
/** Built once: a state is a value, so each run of the property starts from this one. */
const STARTED_WITH_WORKER = deepFrozen(startedWithWorker());

const hookEvent = (state: AgentEvidence["state"], at: number, sessionStart = false) =>
  ({
    type: "AgentEvidenceReceived",
    now: at,
    paneId: pid(1),
    evidence: { source: "hook", state, at, detail: `hook ${state}`, ...(sessionStart ? { sessionStart } : {}) },
  }) as const;

describe("agent state through step", () => {
  it("waiting_permission always implies blocked, and each episode queues at most one interrupt", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(claim, fc.boolean(), fc.integer({ min: 1, max: 120_000 })), { maxLength: 25 }),
        (script) => {
          let state = STARTED_WITH_WORKER;
          let now = T0;
          let episodes = 0;
          let wasWaiting = false;
          for (const [claimed, sessionStart, gap] of script) {
            now += gap;
            [state] = step(state, hookEvent(claimed, now, sessionStart));
            const resolved = state.agents[pid(1)]!.resolved;
            const waiting = resolved.state === "waiting_permission";
            if (waiting && !wasWaiting) episodes++;
            wasWaiting = waiting;
            const row = currentRow(state);
            if (waiting) cheapExpect(row?.blocked).toBe(true);
            if (row) cheapExpect(row.state).toBe(resolved.state);
          }
          const queued = state.interrupts.outbox.filter((entry) => entry.kind === "need_human");
          cheapExpect(queued.length).toBeLessThanOrEqual(episodes);
          if (episodes > 0) cheapExpect(queued.length).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("a permission prompt makes the pane blocked in the digest and queues one interrupt naming the hook", () => {
    let state = startedWithWorker();
    [state] = step(state, hookEvent("busy", T0 + 1000));
    const [next, commands] = step(state, hookEvent("waiting_permission", T0 + 2000));
    expect(commands.filter((command) => command.type === "store.enqueueOutbox")).toHaveLength(1);
    const row = currentRow(next);
    expect(row).toMatchObject({ blocked: true, state: "waiting_permission", stateSource: "hook", stateAt: T0 + 2000 });
    expect(next.interrupts.outbox.at(-1)?.message).toBe("waiting for permission (via hook): hook waiting_permission");
    // The same claim again is the same episode: nothing new.
    const [again, more] = step(next, hookEvent("waiting_permission", T0 + 3000));
    expect(more.filter((command) => command.type === "store.enqueueOutbox")).toHaveLength(0);
    expect(again.interrupts.outbox).toHaveLength(1);
  });

  it("evidence goes stale with time: an observation after the max age turns the state unknown", () => {
    let state = startedWithWorker();
    [state] = step(state, hookEvent("waiting_permission", T0 + 1000));
    [state] = step(state, { type: "Ticked", now: T0 + 1000 + MAX_AGE + 1 });
    [state] = step(state, {
      type: "FleetObserved",
      now: T0 + 1000 + MAX_AGE + 1,
      observeId: state.observe.inFlight!.id,
      panes: [observation(1, { title: "api work" })],
    });
    expect(state.agents[pid(1)]!.resolved.state).toBe("unknown");
    expect(currentRow(state)?.blocked).toBe(false);
  });

  it("a dead pane is ended (source pane); a gone pane is forgotten", () => {
    let state = startedWithWorker();
    [state] = step(state, { type: "Ticked", now: T0 + 30_000 });
    [state] = step(state, {
      type: "FleetObserved",
      now: T0 + 30_000,
      observeId: state.observe.inFlight!.id,
      panes: [observation(1, { dead: true })],
    });
    expect(state.agents[pid(1)]!.resolved).toMatchObject({ state: "ended", source: "pane" });
    [state] = step(state, { type: "Ticked", now: T0 + 60_000 });
    [state] = step(state, {
      type: "FleetObserved",
      now: T0 + 60_000,
      observeId: state.observe.inFlight!.id,
      panes: [],
    });
    expect(state.agents[pid(1)]).toBeUndefined();
  });
});

const currentRow = (state: CoreState) => currentDigest(state).panes.find((pane) => pane.handle === pid(1));
