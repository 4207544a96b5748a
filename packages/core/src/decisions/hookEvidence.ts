/**
 * hookEvidence: a lifecycle hook payload → state evidence.
 *
 * Pure: executes nothing. The table below is the whole mapping; an event
 * that says nothing about the state (e.g. `PreCompact`, or a Notification
 * of type `auth_success`) yields null and is acknowledged but not recorded.
 * A Notification without `notification_type` (older agent versions) falls
 * back to its message text, conservatively.
 */
import type { AgentHookPayload } from "../domain/agentHookPayload.js";
import type { AgentEvidence, EvidenceState } from "../domain/agentState.js";

const NOTIFICATION_STATES: Readonly<Record<string, EvidenceState>> = {
  permission_prompt: "waiting_permission",
  idle_prompt: "waiting_input",
  elicitation_dialog: "waiting_input",
};

const notificationState = (payload: AgentHookPayload): EvidenceState | null => {
  const type = payload.notification_type;
  if (type !== undefined) return NOTIFICATION_STATES[type] ?? null;
  const message = payload.message ?? "";
  if (/\bneeds your permission\b/i.test(message)) return "waiting_permission";
  if (/\bwaiting for your input\b/i.test(message)) return "waiting_input";
  return null;
};

const EVENT_STATES: Readonly<Record<string, EvidenceState>> = {
  SessionStart: "idle",
  UserPromptSubmit: "busy",
  PreToolUse: "busy",
  PostToolUse: "busy",
  Stop: "idle",
  SessionEnd: "ended",
};

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const detailOf = (payload: AgentHookPayload): string => {
  const name = payload.hook_event_name;
  if (name === "Notification") {
    const type = payload.notification_type ?? "notification";
    return clip(payload.message ? `${name} ${type}: ${payload.message}` : `${name} ${type}`, 500);
  }
  if (payload.tool_name) return clip(`${name} ${payload.tool_name}`, 500);
  if (name === "SessionEnd" && payload.reason) return clip(`${name} ${payload.reason}`, 500);
  if (name === "SessionStart" && payload.source) return clip(`${name} ${payload.source}`, 500);
  return name;
};

/** Pure: the evidence a hook payload carries at `now`, or null when it says nothing about the state. */
export const hookEvidence = (payload: AgentHookPayload, now: number): AgentEvidence | null => {
  const name = payload.hook_event_name;
  const state = name === "Notification" ? notificationState(payload) : (EVENT_STATES[name] ?? null);
  if (state === null) return null;
  return {
    source: "hook",
    state,
    at: now,
    detail: detailOf(payload),
    ...(name === "SessionStart" ? { sessionStart: true } : {}),
  };
};
