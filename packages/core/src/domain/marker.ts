/**
 * The first-mate marker: which pane is the first mate, and the hash of the
 * spawn token it was given. A singleton in the store.
 */
import { z } from "zod";
import { PaneIdSchema } from "./paneId.js";

export const TokenHashSchema = z.string().regex(/^[0-9a-f]{64}$/, "a sha-256 hex digest");

export const MarkerSchema = z.object({
  paneId: PaneIdSchema,
  tokenHash: TokenHashSchema,
  spawnedAt: z.number().int().nonnegative(),
  attempt: z.number().int().positive(),
});
export type Marker = z.infer<typeof MarkerSchema>;

export const StartOutcomeSchema = z.enum(["starting", "running", "stable", "unstable", "spawn_failed"]);
export type StartOutcome = z.infer<typeof StartOutcomeSchema>;

/** One row of the restart ledger. */
export const StartRecordSchema = z.object({
  attempt: z.number().int().positive(),
  startedAt: z.number().int().nonnegative(),
  endedAt: z.number().int().nonnegative().nullable(),
  paneId: PaneIdSchema.nullable(),
  outcome: StartOutcomeSchema,
});
export type StartRecord = z.infer<typeof StartRecordSchema>;

/** A start that counts against crash-loop protection. */
export const isFailedStart = (record: StartRecord): boolean =>
  record.outcome === "unstable" || record.outcome === "spawn_failed";
