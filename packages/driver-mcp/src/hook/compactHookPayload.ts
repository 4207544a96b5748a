/**
 * compactHookPayload: what an agent wrote on the hook's stdin → the small
 * payload the hook command forwards in its hello line.
 *
 * Pure and dependency-free (the hook command must start fast). Keeps only
 * the fields the server reads, clipped, and drops the large ones
 * (`tool_input`, `tool_response`), so the hello stays well under its 4 KiB
 * limit. Input that is cut short (over the stdin bound) or not JSON is
 * searched for the same fields as plain `"name":"value"` pairs; without a
 * `hook_event_name` there is nothing to forward (null). Validation proper is
 * the server's job.
 */

const STRING_FIELDS: Readonly<Record<string, number>> = {
  hook_event_name: 64,
  session_id: 200,
  notification_type: 64,
  message: 1000,
  title: 200,
  tool_name: 200,
  source: 64,
  reason: 200,
  permission_mode: 64,
};

const BOOLEAN_FIELDS = ["stop_hook_active"] as const;

/** Bytes a compact payload may take in the hello line (the whole line is capped at 4 KiB). */
export const MAX_COMPACT_PAYLOAD_BYTES = 3 * 1024;

const clip = (text: string, max: number): string => (text.length > max ? text.slice(0, max) : text);

const fromObject = (value: Record<string, unknown>): Record<string, unknown> => {
  const compact: Record<string, unknown> = {};
  for (const [field, max] of Object.entries(STRING_FIELDS)) {
    const raw = value[field];
    if (typeof raw === "string") compact[field] = clip(raw, max);
  }
  for (const field of BOOLEAN_FIELDS) if (typeof value[field] === "boolean") compact[field] = value[field];
  return compact;
};

const fromText = (text: string): Record<string, unknown> => {
  const compact: Record<string, unknown> = {};
  for (const [field, max] of Object.entries(STRING_FIELDS)) {
    const match = new RegExp(`"${field}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)"`).exec(text);
    if (!match) continue;
    try {
      compact[field] = clip(JSON.parse(`"${match[1]}"`) as string, max);
    } catch {
      // an escape cut in half: this field is skipped, the others still count
    }
  }
  return compact;
};

/** Pure: the payload to forward, or null when the input names no hook event. */
export const compactHookPayload = (input: string, complete: boolean): Record<string, unknown> | null => {
  let compact: Record<string, unknown> | null = null;
  if (complete) {
    try {
      const value: unknown = JSON.parse(input);
      if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        compact = fromObject(value as Record<string, unknown>);
      }
    } catch {
      compact = null;
    }
  }
  compact ??= fromText(input);
  if (typeof compact.hook_event_name !== "string" || compact.hook_event_name.length === 0) return null;
  if (Buffer.byteLength(JSON.stringify(compact), "utf8") > MAX_COMPACT_PAYLOAD_BYTES) {
    compact = { ...compact, message: clip(String(compact.message ?? ""), 200) };
  }
  return compact;
};
