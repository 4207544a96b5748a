/**
 * Small literal builders shared by the core's tests. Not exported from the
 * package: embedders use `@first-mate/core/testing`.
 */

import type { Command } from "../src/commands.js";
import type { AgentStates } from "../src/decisions/agentStates.js";
import type { DigestContext } from "../src/decisions/buildDigest.js";
import type { FleetDigest, PaneDigest } from "../src/domain/digest.js";
import type { PaneObservation } from "../src/domain/observation.js";
import type { PaneId } from "../src/domain/paneId.js";
import type { EventOf } from "../src/events.js";
import type { CoreState } from "../src/state.js";
import { step } from "../src/step.js";

export const T0 = 1_700_000_000_000;

/** A digest's context at T0 with no first mate, inputs or alerts, and `agents` as the agent table when given. */
export const emptyDigestContext = (agents?: AgentStates): DigestContext => ({
  now: T0,
  firstMatePaneId: null,
  inputs: { panes: {}, usage: { percent: null, resetsAt: null } },
  alerts: {},
  ...(agents ? { agents } : {}),
});

export const pid = (n: number): PaneId => `%${n}` as PaneId;

export const paneRow = (n: number, overrides: Partial<PaneDigest> = {}): PaneDigest => ({
  handle: pid(n),
  name: `w${n}`,
  session: "work",
  agent: "claude",
  status: "working",
  blocked: false,
  pr: null,
  ci: null,
  idleS: 0,
  ...overrides,
});

export const digestOf = (panes: PaneDigest[], budget: Partial<FleetDigest["budget"]> = {}, at = T0): FleetDigest => ({
  at,
  panes,
  budget: { percent: null, resetsAt: null, ...budget },
});

export const observation = (n: number, overrides: Partial<PaneObservation> = {}): PaneObservation => ({
  paneId: pid(n),
  session: "work",
  windowIndex: n,
  windowName: `w${n}`,
  title: "working",
  command: "claude",
  pid: 1000 + n,
  dead: false,
  lastActivityAt: T0,
  ...overrides,
});

export const THRESHOLDS = { idleThresholdMs: 300_000, budgetStepPoints: 5 } as const;

type StoredSupervisor = Partial<Omit<EventOf<"SupervisorStateRead">, "type" | "now" | "readId">>;

/** Answer the supervisor re-read in flight with `stored` (default: what the state already remembers). */
export const answerRead = (state: CoreState, now: number, stored: StoredSupervisor = {}): [CoreState, Command[]] => {
  const readId = state.supervisorRead.inFlight;
  if (readId === null) return [state, []];
  const [next, commands] = step(state, {
    type: "SupervisorStateRead",
    now,
    readId,
    marker: state.supervisor.marker,
    ledger: [...state.supervisor.ledger],
    gaveUp: state.supervisor.gaveUp,
    resetAt: state.supervisor.resetAt,
    killSwitch: state.supervisor.killSwitch,
    ...stored,
  });
  return [next, [...commands]];
};

/** Take the lease at `epoch` and answer the re-read it asks for, as a host would. */
export const takeLease = (
  state: CoreState,
  now: number,
  epoch = 1,
  stored: StoredSupervisor = {},
): [CoreState, Command[]] => {
  const [leased, first] = step(state, { type: "LeaseRenewed", now, held: true, expiresAt: now + 90_000, epoch });
  const [synced, second] = answerRead(leased, now, stored);
  return [synced, [...first, ...second]];
};

/**
 * Freeze a value and everything it holds, so a state built once and shared
 * by every run of a property fails loudly if anything writes to it.
 */
export const deepFrozen = <T>(value: T): T => {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFrozen(inner);
  }
  return value;
};
