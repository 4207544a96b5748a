/**
 * A first mate's tool call that acts on the fleet, as the core receives it,
 * and the reply the core decides for it.
 *
 * The tool host turns `spawn_worker`, `assign_task`, `terminate`, `nudge`
 * and `peek` into a `ToolCalled` event carrying one of these calls and a
 * request id; `step` decides on the state it holds at that moment (never a
 * snapshot taken earlier) and answers with a `tool.reply` command naming the
 * same request id. Plain data: no closures, no promises.
 */
import { z } from "zod";
import type { ToolError } from "../ports/errors.js";
import { MessageSchema, type NotifyKind, type Severity } from "./alert.js";
import { type LogEntry, LogKindSchema, LogTextSchema } from "./logEntry.js";
import { PaneIdSchema } from "./paneId.js";

/** The tools whose effects (and writes) the core decides and the runtime runs. */
export const ACTING_TOOLS = [
  "spawn_worker",
  "assign_task",
  "terminate",
  "nudge",
  "peek",
  "captains_log_append",
  "propose_role_change",
] as const;
/** One of {@link ACTING_TOOLS}. */
export type ActingTool = (typeof ACTING_TOOLS)[number];

/** One tool call's request id, issued by the tool host (`tool-7`); the reply names it. */
export const ToolRequestIdSchema = z.string().regex(/^tool-\d{1,15}$/, "a tool request id such as tool-7");

/** What the first mate asked for: the tool and its validated input. */
export const ToolCallSchema = z.discriminatedUnion("tool", [
  z.object({
    tool: z.literal("spawn_worker"),
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "a worker name"),
    command: z.string().min(1).max(2000).optional(),
    cwd: z.string().min(2).max(1000).regex(/^\//, "an absolute path").optional(),
    task: MessageSchema.optional(),
  }),
  z.object({ tool: z.literal("assign_task"), pane: PaneIdSchema, task: MessageSchema }),
  z.object({ tool: z.literal("terminate"), pane: PaneIdSchema }),
  z.object({ tool: z.literal("nudge"), pane: PaneIdSchema, message: MessageSchema }),
  z.object({ tool: z.literal("peek"), pane: PaneIdSchema, lines: z.number().int().min(1).max(200) }),
  z.object({ tool: z.literal("captains_log_append"), kind: LogKindSchema, text: LogTextSchema }),
  z.object({ tool: z.literal("propose_role_change"), text: LogTextSchema }),
]);
/** A parsed {@link ToolCallSchema}. */
export type ToolCall = z.infer<typeof ToolCallSchema>;

/**
 * A tool call the tool host hands to the core: one that acts
 * ({@link ToolCall}, a ToolCalled event) or an agent's `notify` / `report`
 * (a NotifyReceived / ReportReceived event naming the request).
 */
export type ToolRequest =
  | ToolCall
  | {
      readonly tool: "notify";
      readonly kind: NotifyKind;
      readonly message: string;
      readonly severity?: Severity;
    }
  | { readonly tool: "report"; readonly message: string };

/**
 * The reply to one tool call: its text (and, for `captains_log_append`, the
 * entry as stored), or a tagged refusal or failure (driver-mcp renders it `isError`).
 */
export type ToolReply =
  | { readonly ok: true; readonly text: string; readonly logEntry?: LogEntry }
  | { readonly ok: false; readonly error: ToolError };
