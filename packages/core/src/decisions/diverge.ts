/**
 * diverge: the complete list of material changes between two digests.
 *
 * Pure: executes nothing. Reports every change, never just the first
 * (a predecessor reported one per tick and swallowed the rest). The
 * timestamp, idle drift below the threshold and budget drift below the step
 * are never material. An agent state change is material; while a pane's
 * state is known (either side), idle entered/left by output activity is not
 * reported — the state says it. `diverge(d, d)` is empty; `prev = null` is first sight.
 */

import type { AgentState } from "../domain/agentState.js";
import type { FleetDigest, PaneDigest } from "../domain/digest.js";
import type { CiState } from "../domain/observation.js";
import { comparePaneIds } from "../domain/paneId.js";

/** What counts as material: the idle threshold and the budget step. */
export interface DivergeThresholds {
  /** A pane idle at least this long (ms) is idle. */
  readonly idleThresholdMs: number;
  /** Budget movement (percentage points) that is material. */
  readonly budgetStepPoints: number;
}

/**
 * One material change between two digests (first sight, appeared, gone, blocked, unblocked, status, PR, CI, idle,
 * budget).
 */
export type Change =
  | { readonly type: "first_sight" }
  | { readonly type: "appeared"; readonly pane: PaneDigest }
  | { readonly type: "gone"; readonly pane: PaneDigest }
  | { readonly type: "blocked"; readonly pane: PaneDigest }
  | { readonly type: "unblocked"; readonly pane: PaneDigest }
  | { readonly type: "status"; readonly pane: PaneDigest; readonly from: string; readonly to: string }
  | { readonly type: "pr"; readonly pane: PaneDigest; readonly from: number | null; readonly to: number | null }
  | { readonly type: "ci"; readonly pane: PaneDigest; readonly from: CiState | null; readonly to: CiState | null }
  | { readonly type: "state"; readonly pane: PaneDigest; readonly from: AgentState; readonly to: AgentState }
  | { readonly type: "idle_entered"; readonly pane: PaneDigest }
  | { readonly type: "idle_left"; readonly pane: PaneDigest }
  /** A pane whose agent is busy has printed nothing for the idle threshold: it may be hung. */
  | { readonly type: "silent_busy"; readonly pane: PaneDigest }
  | { readonly type: "budget"; readonly from: number; readonly to: number };

/** The `type` of any change. */
export type ChangeType = Change["type"];

const isIdle = (pane: PaneDigest, thresholds: DivergeThresholds): boolean =>
  pane.idleS * 1000 >= thresholds.idleThresholdMs;

/** Add the changes of one pane seen in both digests to `changes` (one list for the whole digest, not one per pane). */
const addPaneChanges = (changes: Change[], prev: PaneDigest, cur: PaneDigest, thresholds: DivergeThresholds): void => {
  if (prev.blocked !== cur.blocked) changes.push({ type: cur.blocked ? "blocked" : "unblocked", pane: cur });
  if (prev.status !== cur.status) changes.push({ type: "status", pane: cur, from: prev.status, to: cur.status });
  if (prev.pr !== cur.pr) changes.push({ type: "pr", pane: cur, from: prev.pr, to: cur.pr });
  if (prev.ci !== cur.ci) changes.push({ type: "ci", pane: cur, from: prev.ci, to: cur.ci });
  const from = prev.state ?? "unknown";
  const to = cur.state ?? "unknown";
  if (from !== to) changes.push({ type: "state", pane: cur, from, to });
  // A busy agent that has printed nothing for the idle threshold is told once, as silent while busy.
  if (from === "busy" && to === "busy" && !isIdle(prev, thresholds) && isIdle(cur, thresholds))
    changes.push({ type: "silent_busy", pane: cur });
  // A known agent state says whether the pane is idle; output activity decides only when neither is known.
  if (from !== "unknown" || to !== "unknown") return;
  const wasIdle = isIdle(prev, thresholds);
  const nowIdle = isIdle(cur, thresholds);
  if (wasIdle !== nowIdle) changes.push({ type: nowIdle ? "idle_entered" : "idle_left", pane: cur });
};

/**
 * Pure: whether a change only rides along with a push and never triggers
 * one — a state that went back to unknown because its evidence aged out
 * (nothing happened; an idle fleet stays quiet).
 */
export const ridesAlong = (change: Change): boolean =>
  change.type === "state" && change.to === "unknown" && (change.pane.stateSource ?? null) === null;

/**
 * Whether both lists name the same panes at the same places, each once (in
 * increasing pane order, as a digest lists them): then each pane's rows are
 * compared where they stand, without indexing them.
 */
const samePanesInOrder = (prev: readonly PaneDigest[], cur: readonly PaneDigest[]): boolean => {
  if (prev.length !== cur.length) return false;
  for (let index = 0; index < cur.length; index++) {
    if (prev[index]!.handle !== cur[index]!.handle) return false;
    if (index > 0 && comparePaneIds(cur[index - 1]!.handle, cur[index]!.handle) >= 0) return false;
  }
  return true;
};

/** Pure: every material change from `prev` to `cur`, in pane order, budget last. */
export const diverge = (prev: FleetDigest | null, cur: FleetDigest, thresholds: DivergeThresholds): Change[] => {
  if (prev === null) return [{ type: "first_sight" }];
  const changes: Change[] = [];
  if (samePanesInOrder(prev.panes, cur.panes)) {
    // The usual pair: nothing appeared or went, and each pane's old row is at its own place.
    for (let index = 0; index < cur.panes.length; index++)
      addPaneChanges(changes, prev.panes[index]!, cur.panes[index]!, thresholds);
  } else {
    const before = new Map(prev.panes.map((pane) => [pane.handle as string, pane]));
    const seen = new Set<string>();
    for (const pane of cur.panes) {
      seen.add(pane.handle);
      const old = before.get(pane.handle);
      if (old === undefined) changes.push({ type: "appeared", pane });
      else addPaneChanges(changes, old, pane, thresholds);
    }
    for (const pane of prev.panes) if (!seen.has(pane.handle)) changes.push({ type: "gone", pane });
  }
  const from = prev.budget.percent;
  const to = cur.budget.percent;
  if (from !== null && to !== null && Math.abs(to - from) >= thresholds.budgetStepPoints) {
    changes.push({ type: "budget", from, to });
  }
  return changes;
};
