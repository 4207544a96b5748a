/**
 * Alerts a pane raised through `notify`. The newest one per pane decides
 * whether the pane is blocked (kind `need_human`).
 */
import { z } from "zod";
import { PaneIdSchema } from "./paneId.js";

export const NotifyKindSchema = z.enum(["info", "done", "need_human"]);
export type NotifyKind = z.infer<typeof NotifyKindSchema>;

export const SeveritySchema = z.enum(["low", "normal", "high"]);
export type Severity = z.infer<typeof SeveritySchema>;

export const MessageSchema = z.string().min(1).max(2000);

export const AlertSchema = z.object({
  paneId: PaneIdSchema,
  kind: NotifyKindSchema,
  message: MessageSchema,
  severity: SeveritySchema.optional(),
  raisedAt: z.number().int().nonnegative(),
});
export type Alert = z.infer<typeof AlertSchema>;
