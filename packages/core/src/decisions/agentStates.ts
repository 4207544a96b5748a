/**
 * Agent states across the fleet: feeds the per-pane machine
 * (agentStateMachine.ts) from hooks, tool calls, observations and captured
 * screens, raises the permission interrupts, and plans screen captures.
 *
 * Pure: executes nothing; returns the new records, the interrupts to admit
 * and the commands to run. Rules:
 * - a pane's record lives while the pane is observed; a gone pane's record
 *   is dropped; a dead pane is `ended` (source `pane`);
 * - the pane title counts only while it clearly says something (see
 *   classifyTitle); a title that says nothing withdraws the title evidence;
 * - a `waiting_permission` episode raises exactly one `need_human`
 *   interrupt, admitted (deduplicated, rate limited) like any other;
 * - screen capture is the last fallback: only for live agent panes that are
 *   not the first mate, not ended, with no fresh evidence but the screen's,
 *   at most once per `screenCaptureIntervalMs` each and at most
 *   `screenCapturesPerTick` per observation (longest-waiting first), so a
 *   tick stays one pass over the panes at any fleet size.
 */
import type { Command } from "../commands.js";
import type { CoreConfig } from "../config.js";
import { type AgentSignature, DEFAULT_AGENT_SIGNATURES } from "../domain/agentKind.js";
import type { AgentEvidence, EvidenceSource, ResolvedAgentState } from "../domain/agentState.js";
import type { PaneObservation } from "../domain/observation.js";
import type { PaneId } from "../domain/paneId.js";
import {
  forgetSource,
  isFresh,
  newAgentRecord,
  type PaneAgentRecord,
  permissionEpisodeStarted,
  recordEvidence,
  settledRecord,
  updateRecord,
} from "./agentStateMachine.js";
import { classifyAgent } from "./classifyAgent.js";
import { classifyScreen, DEFAULT_SCREEN_RULES, type ScreenRuleTable } from "./classifyScreen.js";
import { classifyTitle, DEFAULT_TITLE_RULES, type TitleRuleTable } from "./classifyTitle.js";
import type { RaisedInterrupt } from "./interrupts.js";

/** Agent records by pane id. */
export type AgentStates = Readonly<Record<string, PaneAgentRecord>>;

/** No agent records yet. */
export const EMPTY_AGENT_STATES: AgentStates = {};

/** The configuration agent-state decisions read (evidence ages, idle and silence thresholds). */
export type AgentStateConfig = Pick<
  CoreConfig,
  | "agentEvidenceMaxAgeMs"
  | "screenCaptureIntervalMs"
  | "screenCapturesPerTick"
  | "screenCaptureLines"
  | "session"
  | "window"
>;

/** Classifier tables an embedder may replace: agent patterns, title rules, screen rules. */
export interface AgentTables {
  /** The agent detection table (default DEFAULT_AGENT_SIGNATURES). */
  readonly agentSignatures?: readonly AgentSignature[];
  readonly titleRules?: TitleRuleTable;
  readonly screenRules?: ScreenRuleTable;
}

/**
 * The result of updating agent states: the new records, and the interrupts to admit (one per permission episode
 * that began).
 */
export interface AgentStatesUpdate {
  readonly agents: AgentStates;
  /** Interrupts to admit: one per permission episode that began. */
  readonly raised: readonly RaisedInterrupt[];
  readonly commands: readonly Command[];
}

const MAX_MESSAGE = 2000;

/** Pure: the need_human message of a permission episode. */
export const permissionMessage = (resolved: ResolvedAgentState): string => {
  const text = `waiting for permission (via ${resolved.source ?? "unknown"})${resolved.detail ? `: ${resolved.detail}` : ""}`;
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
};

const settleInto = (
  paneId: string,
  record: PaneAgentRecord,
  now: number,
  config: AgentStateConfig,
  raised: RaisedInterrupt[],
): PaneAgentRecord => {
  // The record alone: no result object per pane and observation.
  const settled = settledRecord(record, now, config.agentEvidenceMaxAgeMs);
  if (permissionEpisodeStarted(record, settled)) {
    raised.push({
      now,
      source: paneId as PaneId,
      kind: "need_human",
      message: permissionMessage(settled.resolved),
    });
  }
  return settled;
};

/** Pure: fold one piece of evidence (a hook, a tool call) for one pane. */
export const applyAgentEvidence = (
  agents: AgentStates,
  paneId: PaneId,
  evidence: AgentEvidence,
  now: number,
  config: AgentStateConfig,
): AgentStatesUpdate => {
  const raised: RaisedInterrupt[] = [];
  const record = settleInto(
    paneId,
    recordEvidence(agents[paneId] ?? newAgentRecord(null), evidence),
    now,
    config,
    raised,
  );
  return { agents: record === agents[paneId] ? agents : { ...agents, [paneId]: record }, raised, commands: [] };
};

/** Pure: fold a captured screen; a screen that says nothing withdraws the screen evidence. */
export const applyScreenCapture = (
  agents: AgentStates,
  paneId: PaneId,
  screen: string,
  now: number,
  config: AgentStateConfig,
  tables: AgentTables = {},
): AgentStatesUpdate => {
  const record = agents[paneId];
  if (record === undefined || record.kind === null) return { agents, raised: [], commands: [] };
  const classified = classifyScreen(record.kind, screen, tables.screenRules ?? DEFAULT_SCREEN_RULES);
  const updated =
    classified === null
      ? forgetSource(record, "screen")
      : recordEvidence(record, {
          source: "screen",
          state: classified.state,
          at: now,
          detail: `screen: ${classified.rule}`,
        });
  const raised: RaisedInterrupt[] = [];
  const settled = settleInto(paneId, updated, now, config, raised);
  return { agents: settled === record ? agents : { ...agents, [paneId]: settled }, raised, commands: [] };
};

const observeTitle = (record: PaneAgentRecord, pane: PaneObservation, now: number, rules: TitleRuleTable) => {
  if (record.kind === null) return record;
  const state = classifyTitle(record.kind, pane.title, rules);
  const current = record.evidence.title;
  let next: PaneAgentRecord;
  if (state === null) next = forgetSource(record, "title");
  else if (current !== undefined && current.state === state && record.lastTitle === pane.title) next = record;
  else next = recordEvidence(record, { source: "title", state, at: now, detail: "pane title" });
  return next.lastTitle === pane.title ? next : updateRecord(next, { lastTitle: pane.title });
};

const hasFreshNonScreenEvidence = (record: PaneAgentRecord, now: number, maxAgeMs: number): boolean => {
  for (const source in record.evidence) {
    const evidence = record.evidence[source as EvidenceSource];
    if (source !== "screen" && evidence !== undefined && isFresh(evidence, now, maxAgeMs)) return true;
  }
  return false;
};

const wantsCapture = (record: PaneAgentRecord, now: number, config: AgentStateConfig): boolean => {
  if (record.kind === null || record.ended !== null) return false;
  if (record.lastScreenRequestAt !== null && now - record.lastScreenRequestAt < config.screenCaptureIntervalMs) {
    return false;
  }
  const screen = record.evidence.screen;
  if (screen !== undefined && now - screen.at < config.screenCaptureIntervalMs) return false;
  return !hasFreshNonScreenEvidence(record, now, config.agentEvidenceMaxAgeMs);
};

/**
 * Pure: fold one fleet observation: new and gone panes, dead panes, titles,
 * evidence going stale with time; then plan this observation's captures.
 */
export const observeAgentStates = (
  agents: AgentStates,
  panes: readonly PaneObservation[],
  now: number,
  config: AgentStateConfig,
  firstMatePaneId: string | null,
  tables: AgentTables = {},
): AgentStatesUpdate => {
  const signatures = tables.agentSignatures ?? DEFAULT_AGENT_SIGNATURES;
  const titleRules = tables.titleRules ?? DEFAULT_TITLE_RULES;
  const raised: RaisedInterrupt[] = [];
  // The records in listing order: a table is made of them only when it differs from `agents`.
  const ids: string[] = [];
  const records: PaneAgentRecord[] = [];
  let changed = false;
  const candidates: PaneAgentRecord[] = [];
  const candidateIds: string[] = [];
  for (const pane of panes) {
    const prior = agents[pane.paneId];
    // Remembered per command line (classifyAgent), so an unchanged pane costs a lookup.
    const kind = classifyAgent(pane, signatures);
    if (prior === undefined && kind === null) continue;
    let record = prior ?? newAgentRecord(kind, pane.command);
    if (record.command !== pane.command) record = updateRecord(record, { command: pane.command });
    if (kind !== null && record.kind !== kind) record = updateRecord(record, { kind });
    if (pane.dead) {
      if (record.ended === null) {
        record = recordEvidence(record, { source: "pane", state: "ended", at: now, detail: "pane died" });
      }
    } else {
      record = observeTitle(record, pane, now, titleRules);
    }
    record = settleInto(pane.paneId, record, now, config, raised);
    ids.push(pane.paneId);
    records.push(record);
    if (record !== prior) changed = true;
    // The first mate's window is never a worker's: its screens are not read.
    const home = pane.session === config.session && pane.windowName === config.window;
    if (!pane.dead && !home && pane.paneId !== firstMatePaneId && wantsCapture(record, now, config)) {
      candidates.push(record);
      candidateIds.push(pane.paneId);
    }
  }
  const capturing = config.screenCapturesPerTick > 0 && candidates.length > 0;
  // Most observations change no record of the same panes: the table as it was, and none is made.
  if (!capturing && !changed && holdsExactly(agents, ids)) return { agents, raised, commands: [] };
  const next: Record<string, PaneAgentRecord> = {};
  for (let index = 0; index < ids.length; index++) next[ids[index]!] = records[index]!;
  const commands: Command[] = [];
  if (capturing) {
    const order = candidates.map((_, index) => index);
    order.sort((a, b) => (candidates[a]!.lastScreenRequestAt ?? -1) - (candidates[b]!.lastScreenRequestAt ?? -1));
    for (const index of order.slice(0, config.screenCapturesPerTick)) {
      const paneId = candidateIds[index]!;
      next[paneId] = updateRecord(next[paneId]!, { lastScreenRequestAt: now });
      commands.push({ type: "tmux.capture", paneId: paneId as PaneId, lines: config.screenCaptureLines });
    }
  }
  // A quiet observation changes no record: the same table, so what is remembered per table (digest rows) holds.
  return { agents: sameRecords(agents, next) ? agents : next, raised, commands };
};

/**
 * Pure: whether the pane ids `ids` (each a key of `agents`) are all of its
 * keys, each once: a table made of their records as they are would be
 * `agents` again. False when unsure (an id listed twice): the table is made.
 */
export const holdsExactly = (agents: AgentStates, ids: readonly string[]): boolean => {
  let keys = 0;
  for (const paneId in agents) if (Object.hasOwn(agents, paneId)) keys++;
  return keys === ids.length && allDistinct(ids);
};

/** Whether no id appears twice (a listing names each pane once; checked, not assumed). */
const allDistinct = (ids: readonly string[]): boolean => {
  if (ids.length > 16) return new Set(ids).size === ids.length;
  for (let index = 1; index < ids.length; index++) if (ids.lastIndexOf(ids[index]!, index - 1) !== -1) return false;
  return true;
};

/** Whether `next` holds exactly the records of `agents`, the same objects under the same pane ids. */
const sameRecords = (agents: AgentStates, next: AgentStates): boolean => {
  let unmatched = 0;
  for (const paneId in next) {
    if (next[paneId] !== agents[paneId]) return false;
    unmatched++;
  }
  for (const paneId in agents) if (Object.hasOwn(agents, paneId)) unmatched--;
  return unmatched === 0;
};
