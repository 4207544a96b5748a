/**
 * The per-pane agent state machine: evidence in, a resolved state with its
 * deciding source and time out (docs/design.md, Observation, digest and delta: agent state).
 *
 * Pure: executes nothing. Rules (the whole of them):
 * - each source keeps only its newest evidence; older evidence from the same
 *   source (out of order) is ignored;
 * - evidence older than `maxEvidenceAgeMs` stops counting (it never decides);
 *   no fresh evidence → `unknown`;
 * - the newest fresh evidence decides, unless other fresh evidence disagrees
 *   with it and is either just as new or from a stronger source
 *   (hook > tool > pane > title = screen): that is a conflict → `unknown`.
 *   `idle` and `waiting_input` agree (both: the agent waits for its human);
 * - `ended` (SessionEnd, or the pane's process died) is sticky: nothing but a
 *   new session (`sessionStart` evidence, e.g. SessionStart) reopens the
 *   pane, and evidence before it is forgotten; ended never goes stale;
 * - a *permission episode* is a maximal run of resolutions that are
 *   `waiting_permission`; `settleAgentRecord` reports its start exactly once.
 */
import type { AgentKind } from "../domain/agentKind.js";
import {
  type AgentEvidence,
  type AgentState,
  type EvidenceSource,
  type ResolvedAgentState,
  UNKNOWN_AGENT_STATE,
} from "../domain/agentState.js";
import { type FieldCopy, fieldUpdater } from "../domain/fieldUpdater.js";

/** What the core remembers about one pane's agent: its kind, its command, its evidence, its resolved state, and the permission and screen bookkeeping. */
export interface PaneAgentRecord {
  /** The agent kind last detected in the pane (null: not detected). */
  readonly kind: AgentKind | null;
  /** The pane command the kind was detected from (detection runs again only when it changes). */
  readonly command: string | null;
  /** Newest evidence per source. */
  readonly evidence: Readonly<Partial<Record<EvidenceSource, AgentEvidence>>>;
  /** The evidence that ended the session, while it stays ended. */
  readonly ended: AgentEvidence | null;
  /** The resolution at the last update (what the digest shows). */
  readonly resolved: ResolvedAgentState;
  /** The current permission episode has already raised its interrupt. */
  readonly permissionRaised: boolean;
  readonly lastTitle: string | null;
  readonly lastScreenRequestAt: number | null;
}

/** Strength of a source when fresh evidence disagrees. */
export const SOURCE_AUTHORITY: Readonly<Record<EvidenceSource, number>> = {
  hook: 4,
  tool: 3,
  pane: 2,
  title: 1,
  screen: 1,
};

/** Pure: a record for a pane nothing is known about yet. */
export const newAgentRecord = (kind: AgentKind | null, command: string | null = null): PaneAgentRecord => ({
  kind,
  command,
  evidence: {},
  ended: null,
  resolved: UNKNOWN_AGENT_STATE,
  permissionRaised: false,
  lastTitle: null,
  lastScreenRequestAt: null,
});

/** A record's fields, copied one by one (a field left out fails to compile). */
const fieldsOf = (record: PaneAgentRecord): FieldCopy<PaneAgentRecord> => ({
  kind: record.kind,
  command: record.command,
  evidence: record.evidence,
  ended: record.ended,
  resolved: record.resolved,
  permissionRaised: record.permissionRaised,
  lastTitle: record.lastTitle,
  lastScreenRequestAt: record.lastScreenRequestAt,
});

/**
 * Pure: `record` with `changes`, what `{ ...record, ...changes }` gives,
 * copied field by field (domain/fieldUpdater.ts): records change on most
 * observations and screens.
 */
export const updateRecord: (record: PaneAgentRecord, changes: Partial<PaneAgentRecord>) => PaneAgentRecord =
  fieldUpdater(fieldsOf);

const agree = (a: AgentState, b: AgentState): boolean =>
  a === b || ((a === "idle" || a === "waiting_input") && (b === "idle" || b === "waiting_input"));

/** Pure: is this evidence still fresh at `now`? */
export const isFresh = (evidence: AgentEvidence, now: number, maxEvidenceAgeMs: number): boolean =>
  now - evidence.at <= maxEvidenceAgeMs;

/** Pure: the state the record's evidence supports at `now` (see the module rules). */
export const resolveAgentState = (
  record: PaneAgentRecord,
  now: number,
  maxEvidenceAgeMs: number,
): ResolvedAgentState => {
  // The deciding evidence itself is the resolution (it carries state, source, at, detail): no copy per tick.
  if (record.ended !== null) return record.ended;
  const evidence = record.evidence;
  let newest: AgentEvidence | null = null;
  for (const key in evidence) {
    const piece = evidence[key as EvidenceSource];
    if (piece === undefined || !isFresh(piece, now, maxEvidenceAgeMs)) continue;
    if (
      newest === null ||
      piece.at > newest.at ||
      (piece.at === newest.at && SOURCE_AUTHORITY[piece.source] > SOURCE_AUTHORITY[newest.source])
    ) {
      newest = piece;
    }
  }
  if (newest === null) return UNKNOWN_AGENT_STATE;
  for (const key in evidence) {
    const other = evidence[key as EvidenceSource];
    if (other === undefined || other === newest || !isFresh(other, now, maxEvidenceAgeMs)) continue;
    if (agree(other.state, newest.state)) continue;
    if (other.at === newest.at || SOURCE_AUTHORITY[other.source] > SOURCE_AUTHORITY[newest.source]) {
      return UNKNOWN_AGENT_STATE;
    }
  }
  return newest;
};

/** Pure: fold one piece of evidence into the record (resolution is `settleAgentRecord`'s job). */
export const recordEvidence = (record: PaneAgentRecord, evidence: AgentEvidence): PaneAgentRecord => {
  if (record.ended !== null) {
    if (evidence.sessionStart !== true || evidence.at < record.ended.at) return record;
    // A new session: what was said about the old one no longer counts.
    if (evidence.state === "ended") return updateRecord(record, { ended: evidence, evidence: {} });
    return updateRecord(record, { ended: null, evidence: { [evidence.source]: evidence } });
  }
  if (evidence.state === "ended") return updateRecord(record, { ended: evidence, evidence: {} });
  if (evidence.sessionStart === true) return updateRecord(record, { evidence: { [evidence.source]: evidence } });
  const previous = record.evidence[evidence.source];
  if (previous !== undefined && previous.at > evidence.at) return record;
  return updateRecord(record, { evidence: { ...record.evidence, [evidence.source]: evidence } });
};

/** Pure: forget what one source said (it no longer says anything). */
export const forgetSource = (record: PaneAgentRecord, source: EvidenceSource): PaneAgentRecord => {
  if (record.evidence[source] === undefined) return record;
  const { [source]: _dropped, ...rest } = record.evidence;
  return updateRecord(record, { evidence: rest });
};

const sameResolution = (a: ResolvedAgentState, b: ResolvedAgentState): boolean =>
  a.state === b.state && a.source === b.source && a.at === b.at && a.detail === b.detail;

/**
 * Pure: the record re-resolved at `now`; the same record object when
 * nothing changed. A permission episode began exactly when the result is
 * `permissionRaised` and `record` was not: no other change sets it.
 */
export const settledRecord = (record: PaneAgentRecord, now: number, maxEvidenceAgeMs: number): PaneAgentRecord => {
  const resolved = resolveAgentState(record, now, maxEvidenceAgeMs);
  const waiting = resolved.state === "waiting_permission";
  if (sameResolution(resolved, record.resolved) && waiting === record.permissionRaised) return record;
  return updateRecord(record, { resolved, permissionRaised: waiting });
};

/** Pure: whether settling `before` into `after` opened a permission episode (the one change that raises it). */
export const permissionEpisodeStarted = (before: PaneAgentRecord, after: PaneAgentRecord): boolean =>
  after.permissionRaised && !before.permissionRaised;

/**
 * Pure: re-resolve at `now`. `permissionEpisodeStarted` is true exactly when
 * this resolution opens a new permission episode (the caller raises one
 * interrupt for it). Returns the same record object when nothing changed.
 */
export const settleAgentRecord = (
  record: PaneAgentRecord,
  now: number,
  maxEvidenceAgeMs: number,
): { readonly record: PaneAgentRecord; readonly permissionEpisodeStarted: boolean } => {
  const settled = settledRecord(record, now, maxEvidenceAgeMs);
  return { record: settled, permissionEpisodeStarted: permissionEpisodeStarted(record, settled) };
};
