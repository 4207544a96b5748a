/** The captain's log: the first mate's durable memory across restarts. */
import { z } from "zod";

export const LogKindSchema = z.enum(["standing_order", "watch", "narrative"]);
export type LogKind = z.infer<typeof LogKindSchema>;

export const LogTextSchema = z.string().min(1).max(2000);

export const NewLogEntrySchema = z.object({
  kind: LogKindSchema,
  text: LogTextSchema,
  at: z.number().int().nonnegative(),
  /** Who wrote it: the first mate, or first-mate itself (the kit). */
  author: z.enum(["first_mate", "kit", "human"]),
});
export type NewLogEntry = z.infer<typeof NewLogEntrySchema>;

export const LogEntrySchema = NewLogEntrySchema.extend({ id: z.number().int().positive() });
export type LogEntry = z.infer<typeof LogEntrySchema>;

export const LogReadQuerySchema = z.object({
  limit: z.number().int().min(1).max(200).default(50),
  kind: LogKindSchema.optional(),
});
export type LogReadQuery = z.input<typeof LogReadQuerySchema>;
