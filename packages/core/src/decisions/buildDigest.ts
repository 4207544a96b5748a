/**
 * buildDigest: the observed fleet → the fleet digest the first mate sees.
 *
 * Pure: executes nothing. Keeps agent panes only, skips dead panes, and
 * always excludes the first mate's own pane — otherwise its own reactions
 * would feed back into the pushes it receives (docs/design.md, Observation, digest and delta; invariant 6).
 * Any other pane in the first mate's window (a spawn not yet marked, a
 * stray about to be killed) is excluded too: it is never a worker.
 */

import type { AgentSignature } from "../domain/agentKind.js";
import { UNKNOWN_AGENT_STATE } from "../domain/agentState.js";
import type { Alert } from "../domain/alert.js";
import type { FleetDigest, PaneDigest } from "../domain/digest.js";
import type { FleetInputs, PaneObservation } from "../domain/observation.js";
import { comparePaneIds } from "../domain/paneId.js";
import type { AgentStates } from "./agentStates.js";
import { curatePane, paneIdleSeconds } from "./curatePane.js";

/**
 * What `buildDigest` needs beside the observations: the time, the first mate's pane and window (left out of the
 * digest), the embedder's inputs, alerts, agent patterns and agent states.
 */
export interface DigestContext {
  readonly now: number;
  readonly firstMatePaneId: string | null;
  /** The first mate's window; its panes are never workers. */
  readonly firstMateWindow?: { readonly session: string; readonly window: string };
  readonly inputs: FleetInputs;
  readonly alerts: Readonly<Record<string, Alert>>;
  readonly agentSignatures?: readonly AgentSignature[];
  /** Agent states by pane; when given, every row carries its state (unknown when untracked). */
  readonly agents?: AgentStates;
}

/** The digest's rows, sorted, with the panes they were curated from: all of it but the time. */
interface CuratedRows {
  readonly firstMatePaneId: string | null;
  readonly session: string | undefined;
  readonly window: string | undefined;
  readonly inputPanes: FleetInputs["panes"];
  readonly alerts: DigestContext["alerts"];
  readonly agentSignatures: DigestContext["agentSignatures"];
  readonly agents: DigestContext["agents"];
  readonly rows: readonly (readonly [PaneObservation, PaneDigest])[];
}

/**
 * The rows last curated, and the fleet they were curated from. The core's state is immutable, so the same objects
 * mean the same rows: a step that changed none of them (an idle fleet's screen captures) re-ages the rows instead
 * of re-curating and re-sorting a hundred panes. One entry: each observation brings a new fleet, so a table of
 * older ones (a WeakMap cost an insertion and the collector's time at every observation) would never be read.
 */
let curated: { readonly panes: readonly PaneObservation[]; readonly rows: CuratedRows } | null = null;

/** Whether the rows were curated from the same inputs, the agent states aside. */
const sameInputsButAgents = (known: CuratedRows, context: DigestContext): boolean =>
  known.firstMatePaneId === context.firstMatePaneId &&
  known.session === context.firstMateWindow?.session &&
  known.window === context.firstMateWindow?.window &&
  known.inputPanes === context.inputs.panes &&
  known.alerts === context.alerts &&
  known.agentSignatures === context.agentSignatures;

/** The agent state a row of `pane` shows, as curateRows reads it (undefined: the digest shows none). */
const rowStateOf = (agents: DigestContext["agents"], pane: PaneObservation) =>
  agents ? (agents[pane.paneId]?.resolved ?? UNKNOWN_AGENT_STATE) : undefined;

/**
 * Whether a row reads the same agent state from `agents` as from the table
 * the rows were curated from. The agent table changes more often than the
 * states the rows show (a screen asked for, evidence renewed as it was): the
 * rows are then the same, and so is the digest the heartbeat compares.
 */
const sameRowStates = (known: CuratedRows, agents: DigestContext["agents"]): boolean => {
  if (known.agents === agents) return true;
  for (const [pane] of known.rows) if (rowStateOf(known.agents, pane) !== rowStateOf(agents, pane)) return false;
  return true;
};

/**
 * `known` standing for another agent table: its fields written out (in the
 * same order) instead of an object spread, which Node 20 runs several
 * times slower; the agent table changes at most observations.
 */
const withAgents = (known: CuratedRows, agents: DigestContext["agents"]): CuratedRows => ({
  firstMatePaneId: known.firstMatePaneId,
  session: known.session,
  window: known.window,
  inputPanes: known.inputPanes,
  alerts: known.alerts,
  agentSignatures: known.agentSignatures,
  agents,
  rows: known.rows,
});

const curateRows = (panes: readonly PaneObservation[], context: DigestContext): CuratedRows => {
  const rows: (readonly [PaneObservation, PaneDigest])[] = [];
  const home = context.firstMateWindow;
  for (const pane of panes) {
    if (pane.dead || pane.paneId === context.firstMatePaneId) continue;
    if (home && pane.session === home.session && pane.windowName === home.window) continue;
    const row = curatePane(pane, {
      now: context.now,
      input: context.inputs.panes[pane.paneId],
      alert: context.alerts[pane.paneId],
      // Absent and undefined read alike in curatePane: one shape of context, no conditional spreads per pane.
      agentSignatures: context.agentSignatures,
      agentState: rowStateOf(context.agents, pane),
    });
    if (row) rows.push([pane, row]);
  }
  rows.sort((a, b) => comparePaneIds(a[1].handle, b[1].handle));
  return {
    firstMatePaneId: context.firstMatePaneId,
    session: home?.session,
    window: home?.window,
    inputPanes: context.inputs.panes,
    alerts: context.alerts,
    agentSignatures: context.agentSignatures,
    agents: context.agents,
    rows,
  };
};

/**
 * `row` at another time: the same fields (in the same order) with `idleS`
 * anew. Written out: an object spread of each row costs V8 several times
 * as much, on every digest. The rows are curatePane's, so their fields are
 * known: the agent state's three are there together or not at all.
 */
const agedRow = (row: PaneDigest, idleS: number): PaneDigest => {
  const { handle, name, session, agent, status, blocked, pr, ci } = row;
  if (!Object.hasOwn(row, "state")) return { handle, name, session, agent, status, blocked, pr, ci, idleS };
  const { state, stateSource, stateAt } = row;
  return { handle, name, session, agent, status, blocked, pr, ci, idleS, state, stateSource, stateAt };
};

/**
 * The digest last built, with the rows and time it was built from: a step
 * asks for the digest more than once at the same time (delivery and the
 * heartbeat, an observation and the screens that follow it), and the
 * digest is immutable, so the same rows at the same time give the same one.
 */
let built: {
  readonly rows: CuratedRows["rows"];
  readonly now: number;
  readonly budget: FleetInputs["usage"];
  readonly digest: FleetDigest;
} | null = null;

/** Pure: the fleet digest at `now`, panes sorted by pane id. */
export const buildDigest = (panes: readonly PaneObservation[], context: DigestContext): FleetDigest => {
  let known = curated?.panes === panes ? curated.rows : undefined;
  if (known === undefined || !sameInputsButAgents(known, context)) {
    known = curateRows(panes, context);
    curated = { panes, rows: known };
  } else if (known.agents !== context.agents) {
    // The same rows when each shows the same agent state: kept (with the table they now stand for).
    known = sameRowStates(known, context.agents) ? withAgents(known, context.agents) : curateRows(panes, context);
    curated = { panes, rows: known };
  }
  const budget = context.inputs.usage;
  if (built !== null && built.rows === known.rows && Object.is(built.now, context.now) && built.budget === budget)
    return built.digest;
  const digest = agedDigest(known, context);
  built = { rows: known.rows, now: context.now, budget, digest };
  return digest;
};

/** The digest of curated rows at the context's time. */
const agedDigest = (known: CuratedRows, context: DigestContext): FleetDigest => {
  // The time is the one input a row takes that the memo does not hold: `idleS` is curatePane's, at `now`.
  const rows = known.rows.map(([pane, row]) => agedRow(row, paneIdleSeconds(context.now, pane.lastActivityAt)));
  return { at: context.now, panes: rows, budget: context.inputs.usage };
};

/** Pure: what `buildDigest` gives, curated and built afresh (nothing remembered is read or kept). */
export const buildDigestAfresh = (panes: readonly PaneObservation[], context: DigestContext): FleetDigest =>
  agedDigest(curateRows(panes, context), context);
