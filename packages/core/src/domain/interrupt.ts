/**
 * Interrupts: what wakes the first mate at once, and the durable outbox
 * entry that carries one until it is delivered.
 */
import { z } from "zod";
import { MessageSchema } from "./alert.js";
import { PaneIdSchema } from "./paneId.js";

/** What raised an interrupt: a need_human notify, a report, or a watched PR's CI turning red. */
export const InterruptKindSchema = z.enum(["need_human", "report", "ci_red"]);
/** A parsed {@link InterruptKindSchema}. */
export type InterruptKind = z.infer<typeof InterruptKindSchema>;

/** An interrupt waiting in the durable outbox, with its sequence number. */
export const OutboxEntrySchema = z.object({
  /** Monotonic; lets the first mate recognise a repeat. */
  seq: z.number().int().positive(),
  source: PaneIdSchema,
  kind: InterruptKindSchema,
  message: MessageSchema,
  createdAt: z.number().int().nonnegative(),
});
/** A parsed {@link OutboxEntrySchema}. */
export type OutboxEntry = z.infer<typeof OutboxEntrySchema>;
