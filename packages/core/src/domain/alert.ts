/**
 * Alerts a pane raised through `notify`. The newest one per pane decides
 * whether the pane is blocked (kind `need_human`).
 */
import { z } from "zod";
import { PaneIdSchema } from "./paneId.js";
import { TmuxServerIdentitySchema } from "./paneIdentity.js";

/** The kind of a `notify`: info, done, or need_human. */
export const NotifyKindSchema = z.enum(["info", "done", "need_human"]);
/** A parsed {@link NotifyKindSchema}. */
export type NotifyKind = z.infer<typeof NotifyKindSchema>;

/** How urgent a `notify` says it is. */
export const SeveritySchema = z.enum(["low", "normal", "high"]);
/** A parsed {@link SeveritySchema}. */
export type Severity = z.infer<typeof SeveritySchema>;

/** A message or text from an agent: 1–2000 characters. */
export const MessageSchema = z.string().min(1).max(2000);

/**
 * An outstanding alert on a pane: its kind, message, severity and time, and which process on which tmux server the
 * pane was when it was raised (see paneIdentity.ts): a pane id reused by another process is not heir to it.
 */
export const AlertSchema = z.object({
  paneId: PaneIdSchema,
  kind: NotifyKindSchema,
  message: MessageSchema,
  severity: SeveritySchema.optional(),
  raisedAt: z.number().int().nonnegative(),
  panePid: z.number().int().nonnegative().nullable().optional(),
  tmuxServer: TmuxServerIdentitySchema.nullable().optional(),
});
/** A parsed {@link AlertSchema}. */
export type Alert = z.infer<typeof AlertSchema>;
