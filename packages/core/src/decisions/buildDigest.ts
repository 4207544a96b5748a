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
import { curatePane } from "./curatePane.js";

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

/** Pure: the fleet digest at `now`, panes sorted by pane id. */
export const buildDigest = (panes: readonly PaneObservation[], context: DigestContext): FleetDigest => {
  const rows: PaneDigest[] = [];
  for (const pane of panes) {
    if (pane.dead || pane.paneId === context.firstMatePaneId) continue;
    const home = context.firstMateWindow;
    if (home && pane.session === home.session && pane.windowName === home.window) continue;
    const row = curatePane(pane, {
      now: context.now,
      input: context.inputs.panes[pane.paneId],
      alert: context.alerts[pane.paneId],
      ...(context.agentSignatures ? { agentSignatures: context.agentSignatures } : {}),
      ...(context.agents ? { agentState: context.agents[pane.paneId]?.resolved ?? UNKNOWN_AGENT_STATE } : {}),
    });
    if (row) rows.push(row);
  }
  rows.sort((a, b) => comparePaneIds(a.handle, b.handle));
  return { at: context.now, panes: rows, budget: context.inputs.usage };
};
