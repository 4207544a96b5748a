/**
 * The interrupt tables as the store keeps them: the last wake of each dedupe
 * key, the recent wakes of each source, and the folded repeats awaiting the
 * next digest. With them on file a restart neither wakes the first mate
 * again for what it was just told, nor resets a source's rate limit, nor
 * forgets the repeats it has not reported yet.
 *
 * The store holds at most the in-memory caps of each table
 * (`INTERRUPT_TABLE_CAPS`), so a flood costs bounded disk as well as
 * bounded memory. Changes travel as rows to set or delete, never as the
 * whole table: one interrupt writes a few rows.
 */
import { z } from "zod";
import { PaneIdSchema } from "./paneId.js";

const time = z.number().int().nonnegative();

/** A dedupe key: source, kind and message joined (see `dedupeKey`), or the overflow key. */
export const DedupeKeySchema = z.string().min(1).max(2200);

/** The last wake of one dedupe key. */
export const DedupeMarkSchema = z.object({ key: DedupeKeySchema, at: time });

/** The wakes of one source inside the rate window, oldest first. */
export const SourceWakesSchema = z.object({ source: PaneIdSchema, times: z.array(time).max(1_000) });

/** A suppressed repeat: who raised it, its kind and message, and how many times it was folded. */
export const FoldedRepeatSchema = z.object({
  source: z.string().min(1).max(100),
  kind: z.string().min(1).max(64),
  message: z.string().min(1).max(2000),
  count: z.number().int().positive(),
});

/** The three tables as read back at start. */
export const InterruptTablesSchema = z.object({
  dedupeMarks: z.array(DedupeMarkSchema),
  sourceWakes: z.array(SourceWakesSchema),
  repeats: z.array(z.object({ key: DedupeKeySchema, repeat: FoldedRepeatSchema })),
});
/** A parsed {@link InterruptTablesSchema}. */
export type InterruptTables = z.infer<typeof InterruptTablesSchema>;

/** Empty interrupt tables. */
export const EMPTY_INTERRUPT_TABLES: InterruptTables = { dedupeMarks: [], sourceWakes: [], repeats: [] };

/**
 * Rows to write into the interrupt tables: a row with a value is stored
 * (inserted or replaced), a row with null is deleted.
 */
export const InterruptTableChangesSchema = z.object({
  dedupeMarks: z.array(z.object({ key: DedupeKeySchema, at: time.nullable() })).max(2_000),
  sourceWakes: z.array(z.object({ source: PaneIdSchema, times: z.array(time).max(1_000).nullable() })).max(2_000),
  repeats: z.array(z.object({ key: DedupeKeySchema, repeat: FoldedRepeatSchema.nullable() })).max(202),
});
/** A parsed {@link InterruptTableChangesSchema}. */
export type InterruptTableChanges = z.infer<typeof InterruptTableChangesSchema>;
