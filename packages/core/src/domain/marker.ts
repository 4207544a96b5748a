/**
 * The first-mate marker: which pane is the first mate, and the hash of the
 * spawn token it was given. A singleton in the store.
 */
import { z } from "zod";
import { PaneIdSchema } from "./paneId.js";
import { TmuxServerIdentitySchema } from "./paneIdentity.js";

/** A sha-256 digest in lower-case hex. */
export const TokenHashSchema = z.string().regex(/^[0-9a-f]{64}$/, "a sha-256 hex digest");

/**
 * The first-mate marker: which pane is the first mate, the hash of its spawn token, when it was spawned and its
 * attempt number; and which process on which tmux server that pane is (see paneIdentity.ts), recorded from the spawn
 * result, or else at the first observation that shows it (null until then).
 */
export const MarkerSchema = z.object({
  paneId: PaneIdSchema,
  tokenHash: TokenHashSchema,
  spawnedAt: z.number().int().nonnegative(),
  attempt: z.number().int().positive(),
  panePid: z.number().int().nonnegative().nullable().optional(),
  tmuxServer: TmuxServerIdentitySchema.nullable().optional(),
});
/** A parsed {@link MarkerSchema}. */
export type Marker = z.infer<typeof MarkerSchema>;

/**
 * How a first-mate start went: starting, running, stable (lived past the minimum uptime), unstable (died too soon)
 * or spawn_failed.
 */
export const StartOutcomeSchema = z.enum(["starting", "running", "stable", "unstable", "spawn_failed"]);
/** A parsed {@link StartOutcomeSchema}. */
export type StartOutcome = z.infer<typeof StartOutcomeSchema>;

/** One row of the restart ledger. */
export const StartRecordSchema = z.object({
  attempt: z.number().int().positive(),
  startedAt: z.number().int().nonnegative(),
  endedAt: z.number().int().nonnegative().nullable(),
  paneId: PaneIdSchema.nullable(),
  outcome: StartOutcomeSchema,
});
/** A parsed {@link StartRecordSchema}. */
export type StartRecord = z.infer<typeof StartRecordSchema>;

/** A start that counts against crash-loop protection. */
export const isFailedStart = (record: StartRecord): boolean =>
  record.outcome === "unstable" || record.outcome === "spawn_failed";
