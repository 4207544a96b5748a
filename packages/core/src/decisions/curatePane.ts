/**
 * curatePane: one observed pane → its digest row.
 *
 * Pure: executes nothing. Returns null for panes that are not agents
 * (the digest keeps agent panes only). `idleS` is never negative, even when
 * tmux's activity clock runs ahead of `now`. `blocked` = the newest alert is
 * `need_human`, or the agent state is `waiting_permission`.
 */

import { type AgentSignature, DEFAULT_AGENT_SIGNATURES } from "../domain/agentKind.js";
import type { ResolvedAgentState } from "../domain/agentState.js";
import type { Alert } from "../domain/alert.js";
import type { PaneDigest } from "../domain/digest.js";
import type { PaneInput, PaneObservation } from "../domain/observation.js";
import { classifyAgent } from "./classifyAgent.js";

/** What `curatePane` needs beside the observation: the time, the embedder's input, the pane's alert, agent patterns and agent state. */
export interface CurateContext {
  readonly now: number;
  readonly input?: PaneInput | undefined;
  /** The newest outstanding alert of this pane, if any. */
  readonly alert?: Alert | undefined;
  readonly agentSignatures?: readonly AgentSignature[] | undefined;
  /**
   * The pane's resolved agent state. When given, the row carries `state`,
   * `stateSource` and `stateAt`, and `waiting_permission` makes it blocked.
   */
  readonly agentState?: ResolvedAgentState | undefined;
}

/** Pure: whole seconds since the pane's last activity, never negative (tmux's clock may run ahead of `now`). */
export const paneIdleSeconds = (now: number, lastActivityAt: number): number =>
  Math.max(0, Math.floor((now - lastActivityAt) / 1000));

/** Pure: the digest row for one pane, or null when the pane runs no agent. */
export const curatePane = (pane: PaneObservation, context: CurateContext): PaneDigest | null => {
  const agent = classifyAgent(pane, context.agentSignatures ?? DEFAULT_AGENT_SIGNATURES);
  if (agent === null) return null;
  const input = context.input;
  const handle = pane.paneId;
  const name = pane.windowName;
  const session = pane.session;
  const status = input?.statusLine ?? pane.title;
  const agentState = context.agentState;
  const blocked = context.alert?.kind === "need_human" || agentState?.state === "waiting_permission";
  const pr = input?.pr ?? null;
  const ci = input?.ci ?? null;
  const idleS = paneIdleSeconds(context.now, pane.lastActivityAt);
  // One literal per outcome, the same fields in the same order, rather than a conditional spread: a spread row
  // takes another object shape, and every function reading rows is compiled again for it.
  if (!agentState) return { handle, name, session, agent, status, blocked, pr, ci, idleS };
  const { state, source: stateSource, at: stateAt } = agentState;
  return { handle, name, session, agent, status, blocked, pr, ci, idleS, state, stateSource, stateAt };
};
