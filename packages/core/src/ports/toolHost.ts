/**
 * The tool host: what the channel server's tools call into. The runtime
 * implements it over the core and the other ports; driver-mcp only
 * validates arguments, checks identity, and renders results.
 *
 * Policy (who may be nudged, what may be peeked) is decided behind this
 * port, in core, never in the driver.
 */
import type { Either } from "fp-ts/lib/Either.js";
import type { AgentHookPayload } from "../domain/agentHookPayload.js";
import type { NotifyKind, Severity } from "../domain/alert.js";
import type { FleetDigest } from "../domain/digest.js";
import type { OutboxEntry } from "../domain/interrupt.js";
import type { LogEntry, LogKind } from "../domain/logEntry.js";
import type { Marker } from "../domain/marker.js";
import type { PaneId } from "../domain/paneId.js";
import type { ToolError } from "./errors.js";

/** What every tool host call returns: a promise of the value or a tool error; it never rejects. */
export type ToolResult<T> = Promise<Either<ToolError, T>>;

/** `spawn_worker`'s input: a window name, and optionally a command line, a directory and a first task. */
export interface SpawnWorkerInput {
  readonly name: string;
  readonly command?: string;
  readonly cwd?: string;
  readonly task?: string;
}

/**
 * What the channel server needs to answer agents' tools: the marker (to verify the first mate), notify and report,
 * the digest, the captain's log, peek and nudge, and the conn-gated actions.
 */
export interface ToolHost {
  /** The current marker, so the server can verify a first mate's token hash. */
  firstMateMarker(): Promise<Marker | null>;

  // any agent
  notify(from: PaneId, input: { kind: NotifyKind; message: string; severity?: Severity }): ToolResult<string>;
  report(from: PaneId, input: { message: string }): ToolResult<string>;
  /**
   * A lifecycle hook of the caller's agent (hello role "hook"); answers the
   * pane's resolved state, e.g. "waiting_permission via hook". Optional so
   * hosts written before agent states still fit; without it the server
   * refuses hook connections.
   */
  agentHook?(from: PaneId, payload: AgentHookPayload): ToolResult<string>;

  // first mate only (the server has verified pane and token)
  /**
   * The current digest. What it returns counts as delivered; `ack` names the
   * push that prompted the call (evidence that the channel reaches the first mate).
   */
  fleetDigest(
    from: PaneId,
    input?: { readonly ack?: string },
  ): ToolResult<{ readonly digest: FleetDigest; readonly text: string }>;
  /**
   * The pending interrupts in sequence order, marked delivered as they are
   * returned: the pull path when pushes cannot reach the first mate.
   * Optional so hosts written before it keep compiling; without it the server refuses `inbox`.
   */
  inbox?(
    from: PaneId,
    input?: { readonly ack?: string },
  ): ToolResult<{ readonly entries: readonly OutboxEntry[]; readonly text: string }>;
  readLog(from: PaneId, input: { limit: number; kind?: LogKind }): ToolResult<readonly LogEntry[]>;
  appendLog(from: PaneId, input: { kind: LogKind; text: string }): ToolResult<LogEntry>;
  peek(from: PaneId, input: { pane: PaneId; lines: number }): ToolResult<string>;
  nudge(from: PaneId, input: { pane: PaneId; message: string }): ToolResult<string>;

  // first mate, conn-gated (docs/design.md, Authority): every call goes through `authorize`.
  // Refused without the conn (a proposal is recorded: ToolRefused), denied
  // when prohibited (ToolForbidden), deferred under budget pressure (Right).
  // Optional so hosts written before the conn keep compiling; a host
  // without them refuses these tools. The runtime's tool host has them all.
  spawnWorker?(from: PaneId, input: SpawnWorkerInput): ToolResult<string>;
  assignTask?(from: PaneId, input: { pane: PaneId; task: string }): ToolResult<string>;
  terminate?(from: PaneId, input: { pane: PaneId }): ToolResult<string>;
  /** Standing tier: propose a ROLE-EXT line; only the human approves it. */
  proposeRoleChange?(from: PaneId, input: { text: string }): ToolResult<string>;

  /**
   * The channel server refused a hello that presented the first mate's spent
   * spawn token from `from`: log it and raise an `identity_conflict` alert.
   * Optional: a host without it only refuses.
   */
  identityConflict?(from: PaneId, detail: string): Promise<void>;
}
