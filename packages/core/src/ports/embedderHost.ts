/**
 * The embedder host: what an orchestrator in another process (or language)
 * reaches through the channel server's `embedder` role. The runtime
 * implements it (`createEmbedderHost`); driver-mcp only verifies the
 * embedder token, validates arguments and renders results.
 *
 * Guarantees asked of an implementation: every method resolves (errors are
 * `ToolError` values, never rejections); `subscribe` delivers alerts and
 * events in the order they happened and never lets one listener's failure
 * reach another.
 *
 * The authority powers (docs/design.md, Authority) are here too: hand the conn off and take
 * it back, decide proposals and role extensions. Proposals, role proposals
 * and conn changes reach embedders as `event` notices (see
 * `EmbedderEventType`); alerts stay alerts.
 */
import type { ConnGatedAction } from "../authority/authorityAction.js";
import type { Conn } from "../authority/conn.js";
import type { DeferredSpawn } from "../authority/deferredSpawns.js";
import type { Proposal, ProposalStatus, RoleExtension, RoleExtensionStatus } from "../authority/proposal.js";
import type { FleetDigest } from "../domain/digest.js";
import type { LogEntry, LogKind } from "../domain/logEntry.js";
import type { PaneInput, UsageSnapshot } from "../domain/observation.js";
import type { Unsubscribe } from "./tmuxPort.js";
import type { ToolResult } from "./toolHost.js";

/** What an embedder feeds: per-pane status lines and PR/CI state, and a usage snapshot. */
export interface EmbedderInputs {
  readonly panes?: Readonly<Record<string, PaneInput>>;
  readonly usage?: UsageSnapshot;
}

/** A JSON-serialisable status snapshot (the runtime's `status()`). */
export type EmbedderStatus = Readonly<Record<string, unknown>>;

/**
 * What the embedder is told without asking. `alert` is something for the
 * human (a crash loop the supervisor gave up on); `event` is a generic,
 * typed fact (a proposal waiting for approval, a conn change) whose `data`
 * is a JSON object described by its `type`.
 */
export type EmbedderNotice =
  | {
      readonly kind: "alert";
      readonly level: "warning" | "critical";
      readonly code: string;
      readonly message: string;
      readonly at: number;
    }
  | {
      readonly kind: "event";
      readonly type: string;
      readonly at: number;
      readonly data: Readonly<Record<string, unknown>>;
    };

/** The `type`s of `event` notices the runtime raises, and what their `data` holds. */
export type EmbedderEventType =
  /** A conn-gated action the kit did not run: `{id, action, reason, handBack}` (`id` null when it could not be stored). */
  | "proposal"
  /** A ROLE-EXT line the first mate proposed: `{id, text}`. */
  | "role_proposal"
  /** The conn changed holder: `{conn, reason}` (reason: handed_off, taken_back, expired, out_of_scope, first_mate_restarted, restored). */
  | "conn";

/** A conn handoff: what it covers, for how long, and when to wake the human anyway. */
export interface EmbedderHandoff {
  readonly scope: { readonly actions: readonly ConnGatedAction[]; readonly targets?: readonly string[] };
  /** Minutes from now; more than 0 and at most 7 days. */
  readonly minutes: number;
  readonly escalation?: string;
}

/** Who holds the conn, and the spawns the budget holds until its reset. */
export interface EmbedderConnStatus {
  readonly conn: Conn;
  readonly deferredSpawns: readonly DeferredSpawn[];
}

/** Approve or reject a proposal or a role extension; `by` defaults to "human". */
export interface EmbedderDecision {
  readonly id: number;
  readonly approve: boolean;
  readonly by?: string;
}

/**
 * What an orchestrator can do with a running first-mate: feed inputs, read the digest, status and log, flip the
 * kill switch, reset the supervisor, and decide the conn, proposals and role extensions. Served over the socket by
 * driver-mcp; `createEmbedderHost` builds it from a runtime.
 */
export interface EmbedderHost {
  /** Merge the embedder's knowledge into the fleet inputs; bad input is `ToolInvalidInput` and changes nothing. */
  updateInputs(input: EmbedderInputs): ToolResult<string>;
  /** The current fleet digest and its rendering (the whole fleet). */
  fleetDigest(): ToolResult<{ readonly digest: FleetDigest; readonly text: string }>;
  status(): ToolResult<EmbedderStatus>;
  readLog(input: { limit: number; kind?: LogKind }): ToolResult<readonly LogEntry[]>;
  /** Set or clear the kill switch (durable; no spawn while set). */
  setKillSwitch(on: boolean): ToolResult<string>;
  /** Clear a supervisor give-up so it may start the first mate again. */
  resetSupervisor(): ToolResult<string>;
  /** Hand the conn to the current first mate; refused (`ToolRefused`, with the reason) when there is none. */
  handOffConn(input: EmbedderHandoff): ToolResult<Conn>;
  /** Take the conn back (nothing changes when the human holds it). */
  takeBackConn(): ToolResult<Conn>;
  connStatus(): ToolResult<EmbedderConnStatus>;
  listProposals(filter: { status?: ProposalStatus }): ToolResult<readonly Proposal[]>;
  /** Record the human's decision; running an approved action stays the human's own act. */
  decideProposal(decision: EmbedderDecision): ToolResult<Proposal>;
  listRoleExtensions(filter: { status?: RoleExtensionStatus }): ToolResult<readonly RoleExtension[]>;
  /** An approved extension joins the prompt at the first mate's next start. */
  decideRoleExtension(decision: EmbedderDecision): ToolResult<RoleExtension>;
  /** Hear alerts and events as they happen. */
  subscribe(listener: (notice: EmbedderNotice) => void): Unsubscribe;
}
