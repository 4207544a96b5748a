/**
 * The payload of an agent lifecycle hook, as the hook command forwards it
 * (Claude Code writes it as JSON on the hook's stdin).
 *
 * Guarantees: only the fields first-mate reads are validated, each bounded;
 * unknown fields are kept (new agent versions add fields) but never read.
 * Large fields (`tool_input`, `tool_response`) are dropped by the hook
 * command before they travel, so a payload fits in one hello line.
 */
import { z } from "zod";

const text = (max: number) => z.string().max(max);

/** A lifecycle hook payload as Claude Code sends it on stdin; unknown fields are kept. */
export const AgentHookPayloadSchema = z.looseObject({
  /** `SessionStart`, `UserPromptSubmit`, `PreToolUse`, `PostToolUse`, `Notification`, `Stop`, `SessionEnd`, … */
  hook_event_name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z]+$/, "an event name is letters only"),
  session_id: text(200).optional(),
  cwd: text(4096).optional(),
  transcript_path: text(4096).optional(),
  permission_mode: text(64).optional(),
  /** Notification: `permission_prompt`, `idle_prompt`, `elicitation_dialog`, `auth_success`, … */
  notification_type: text(64).optional(),
  /** Notification: the text the agent shows, e.g. "Claude needs your permission to use Bash". */
  message: text(2000).optional(),
  title: text(500).optional(),
  /** PreToolUse / PostToolUse. */
  tool_name: text(200).optional(),
  /** SessionStart: `startup`, `resume`, `clear`, `compact`. */
  source: text(64).optional(),
  /** SessionEnd: `clear`, `logout`, `prompt_input_exit`, `other`, … */
  reason: text(200).optional(),
  stop_hook_active: z.boolean().optional(),
});
/** A parsed {@link AgentHookPayloadSchema}. */
export type AgentHookPayload = z.infer<typeof AgentHookPayloadSchema>;

/** The hook events first-mate installs a hook for (Claude Code names). */
export const AGENT_HOOK_EVENTS = [
  "SessionStart",
  "UserPromptSubmit",
  "PreToolUse",
  "PostToolUse",
  "Notification",
  "Stop",
  "SessionEnd",
] as const;
/** One of {@link AGENT_HOOK_EVENTS}. */
export type AgentHookEvent = (typeof AGENT_HOOK_EVENTS)[number];
