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
 * Extension point: conn handoff / take-back and role-extension approval are
 * embedder powers too (SPEC §8); they join this interface as further methods,
 * and proposals reach embedders as `event` notices.
 */
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
  /** Hear alerts and events as they happen. */
  subscribe(listener: (notice: EmbedderNotice) => void): Unsubscribe;
}
