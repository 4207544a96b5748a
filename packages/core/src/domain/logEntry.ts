/** The captain's log: the first mate's durable memory across restarts. */
import { z } from "zod";

/** The kinds of captain's-log entries: standing orders, the watch-list, and the narrative. */
export const LogKindSchema = z.enum(["standing_order", "watch", "narrative"]);
/** A parsed {@link LogKindSchema}. */
export type LogKind = z.infer<typeof LogKindSchema>;

/** The text of a log entry: 1–2000 characters. */
export const LogTextSchema = z.string().min(1).max(2000);

/** A captain's-log entry before it is stored. */
export const NewLogEntrySchema = z.object({
  kind: LogKindSchema,
  text: LogTextSchema,
  at: z.number().int().nonnegative(),
  /** Who wrote it: the first mate, or first-mate itself (the kit). */
  author: z.enum(["first_mate", "kit", "human"]),
});
/** A parsed {@link NewLogEntrySchema}. */
export type NewLogEntry = z.infer<typeof NewLogEntrySchema>;

/** A stored captain's-log entry, with its id. */
export const LogEntrySchema = NewLogEntrySchema.extend({ id: z.number().int().positive() });
/** A parsed {@link LogEntrySchema}. */
export type LogEntry = z.infer<typeof LogEntrySchema>;

/** A log read: at most `limit` (1–200, default 50) entries, optionally of one kind. */
export const LogReadQuerySchema = z.object({
  limit: z.number().int().min(1).max(200).default(50),
  kind: LogKindSchema.optional(),
});
/** The input of {@link LogReadQuerySchema}, before defaults. */
export type LogReadQuery = z.input<typeof LogReadQuerySchema>;
