/**
 * Commands: what the core asks the drivers to do, as plain serialisable data.
 *
 * A union on `type`, namespaced by the port that executes it. No closures,
 * so tests compare them with `toEqual` and a runtime can persist them.
 * Each command's outcome comes back as an event (see events.ts).
 */

import type { AuthorityAction } from "./authority/authorityAction.js";
import type { Conn, HandBackReason } from "./authority/conn.js";
import type { DeferredSpawnChange, WorkerLaunch } from "./authority/deferredSpawns.js";
import type { Alert } from "./domain/alert.js";
import type { OutboxEntry } from "./domain/interrupt.js";
import type { InterruptTableChanges } from "./domain/interruptTables.js";
import type { NewLogEntry } from "./domain/logEntry.js";
import type { Marker, StartRecord } from "./domain/marker.js";
import type { PaneId } from "./domain/paneId.js";
import type { ToolReply } from "./domain/toolCall.js";

/** Channel meta: keys are `[A-Za-z0-9_]` only (Claude Code drops others). */
export type ChannelMeta = Readonly<Record<string, string>>;

/** Why a channel write is made: a digest push or an interrupt. */
export type EmitPurpose = "digest" | "interrupt";

/**
 * What the core asks the drivers to do: a union on `type`, namespaced by the port that executes it (`fleet.*`,
 * `tmux.*`, `channel.*`, `store.*`, `timer.*`, `alert.*`, …). Plain data; each outcome comes back as an {@link
 * Event}.
 */
export type Command =
  /** Observe the whole fleet (one `list-panes -a`); answered by FleetObserved / ObserveFailed. */
  | { readonly type: "fleet.observe"; readonly observeId: number }
  /**
   * Create the first mate's window with the agent as the pane's own process.
   * The executor generates the spawn token and hands back only its hash.
   * Answered by SpawnSucceeded / SpawnFailed.
   */
  | {
      readonly type: "tmux.spawn";
      readonly requestId: string;
      readonly session: string;
      readonly window: string;
      readonly attempt: number;
    }
  /**
   * Kill one pane (e.g. a stale duplicate first mate). With the pane's pid,
   * its process tree is recorded first and ended after the close
   * (SIGHUP → SIGTERM → SIGKILL); answered then by PaneEnded. With a
   * `requestId` (a tool call's `terminate`) it is always answered, by
   * PaneCloseSettled.
   */
  | {
      readonly type: "tmux.kill";
      readonly paneId: PaneId;
      readonly pid?: number;
      readonly reason?: string;
      readonly requestId?: string;
    }
  /** Kill a window by id (`@N`) or `session:window`; used for orphaned spawns. */
  | { readonly type: "tmux.killWindow"; readonly target: string }
  /**
   * Capture the bottom of a pane's screen for the agent-state fallback;
   * answered by ScreenCaptured (or nothing). With a `requestId` (a tool
   * call's `peek`) it is always answered: ScreenCaptured or ScreenCaptureFailed.
   */
  | { readonly type: "tmux.capture"; readonly paneId: PaneId; readonly lines: number; readonly requestId?: string }
  /** Type literal text, then Enter, into a pane (a wake-up); answered by TextSent / TextSendFailed. */
  | { readonly type: "tmux.sendText"; readonly requestId: string; readonly paneId: PaneId; readonly text: string }
  /** Press keys in a pane (tmux key names, e.g. `Enter`); e.g. to answer a start-up dialog. */
  | { readonly type: "tmux.sendKeys"; readonly paneId: PaneId; readonly keys: readonly string[] }
  /** Push to a pane's channel session; answered by EmitSucceeded / EmitFailed. */
  | {
      readonly type: "channel.emit";
      readonly emitId: string;
      readonly purpose: EmitPurpose;
      readonly paneId: PaneId;
      readonly content: string;
      readonly meta: ChannelMeta;
    }
  /** Holder-only writes carry the lease epoch; the store refuses a stale one. */
  | { readonly type: "store.setMarker"; readonly marker: Marker; readonly epoch: number }
  | { readonly type: "store.clearMarker"; readonly paneId: PaneId; readonly epoch: number }
  | { readonly type: "store.recordStart"; readonly record: StartRecord; readonly epoch: number }
  | { readonly type: "store.appendLog"; readonly entry: NewLogEntry }
  /** Alert and outbox writes are the holder's too: they carry the lease epoch, like the marker. */
  | { readonly type: "store.setAlert"; readonly alert: Alert; readonly epoch: number }
  | { readonly type: "store.clearAlert"; readonly paneId: PaneId; readonly epoch: number }
  | { readonly type: "store.enqueueOutbox"; readonly entry: OutboxEntry; readonly epoch: number }
  | { readonly type: "store.markDelivered"; readonly seq: number; readonly epoch: number }
  | { readonly type: "store.expireOutbox"; readonly before: number; readonly epoch: number }
  /** A give-up carries the holder's lease epoch; the human's reset carries null. */
  | {
      readonly type: "store.setSupervisorGaveUp";
      readonly gaveUp: boolean;
      readonly at: number;
      readonly epoch: number | null;
    }
  /** Rows of the dedupe, rate and folded-repeat tables to store or delete. Fenced by `epoch`. */
  | { readonly type: "store.saveInterruptTables"; readonly changes: InterruptTableChanges; readonly epoch: number }
  /** Rows of the deferred spawn queue to store or delete. Fenced by `epoch`. */
  | {
      readonly type: "store.saveDeferredSpawns";
      readonly changes: readonly DeferredSpawnChange[];
      readonly epoch: number;
    }
  /**
   * Read the store's whole supervisor state (marker, ledger, give-up, kill
   * switch) after taking the lease; answered by SupervisorStateRead or
   * SupervisorReadFailed. A read: it does not wait for, nor hold back, effects.
   */
  | { readonly type: "store.readSupervisor"; readonly readId: number }
  /** Renew (or take) the supervisor lease; answered by LeaseRenewed. */
  | { readonly type: "store.renewLease"; readonly owner: string; readonly now: number; readonly ttlMs: number }
  /** Store the conn (docs/design.md, Authority); durable before any effect of the batch. */
  | { readonly type: "store.setConn"; readonly conn: Conn }
  /**
   * Store a proposal for the human (a conn-gated action the core did not
   * allow); answered by ActionProposed with the stored id, or none and why.
   */
  | {
      readonly type: "store.addProposal";
      readonly requestId: string;
      readonly action: AuthorityAction;
      readonly reason: string;
      readonly handBack: HandBackReason | null;
      readonly at: number;
    }
  /** Append the first mate's own captain's-log line (`captains_log_append`); answered by LogEntryAppended or ToolStoreWriteFailed. */
  | { readonly type: "store.appendFirstMateLog"; readonly requestId: string; readonly entry: NewLogEntry }
  /** Store the first mate's ROLE-EXT proposal; answered by RoleChangeProposed or ToolStoreWriteFailed. */
  | {
      readonly type: "store.proposeRoleExtension";
      readonly requestId: string;
      readonly text: string;
      readonly at: number;
    }
  /**
   * Start a worker window (an allowed `spawn_worker`, its spawn id the tool
   * call's request id, or a released deferred spawn); answered by DeferredSpawnSettled.
   */
  | { readonly type: "tmux.spawnWorker"; readonly spawnId: string; readonly launch: WorkerLaunch }
  /** Tell the human (through the embedder), not the first mate. */
  | {
      readonly type: "alert.raise";
      readonly level: "warning" | "critical";
      readonly code: string;
      readonly message: string;
    }
  /** Ask to be woken with a Ticked event at (or soon after) `at`. */
  | { readonly type: "timer.wakeAt"; readonly at: number }
  /**
   * Answer the tool call `requestId` (a ToolCalled event) with `reply`. Never
   * held back by a failed write of its batch: the caller always hears back.
   */
  | { readonly type: "tool.reply"; readonly requestId: string; readonly reply: ToolReply };

/** The `type` of any command. */
export type CommandType = Command["type"];
/** The command with the given `type`. */
export type CommandOf<T extends CommandType> = Extract<Command, { type: T }>;

/** Store commands are executed first in a batch: state is durable before effects. */
export const isStoreCommand = (command: Command): boolean => command.type.startsWith("store.");

/**
 * Store commands answered by an event (reads, lease calls, a proposal whose
 * id the core waits for): never awaited before effects, never held back by
 * a failed write, and their failure is their answer, not a StoreWriteFailed.
 */
export const isStoreQuery = (command: Command): boolean =>
  command.type === "store.renewLease" ||
  command.type === "store.readSupervisor" ||
  command.type === "store.addProposal" ||
  command.type === "store.appendFirstMateLog" ||
  command.type === "store.proposeRoleExtension";
