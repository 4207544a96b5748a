/**
 * Interrupts: what wakes the first mate at once, and the durable outbox
 * entry that carries one until it is delivered.
 */
import { z } from "zod";
import { MessageSchema } from "./alert.js";
import { PaneIdSchema } from "./paneId.js";

export const InterruptKindSchema = z.enum(["need_human", "report", "ci_red"]);
export type InterruptKind = z.infer<typeof InterruptKindSchema>;

export const OutboxEntrySchema = z.object({
  /** Monotonic; lets the first mate recognise a repeat. */
  seq: z.number().int().positive(),
  source: PaneIdSchema,
  kind: InterruptKindSchema,
  message: MessageSchema,
  createdAt: z.number().int().nonnegative(),
});
export type OutboxEntry = z.infer<typeof OutboxEntrySchema>;
