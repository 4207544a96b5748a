/**
 * What the drivers observe about the fleet, and what the embedder supplies.
 *
 * A `PaneObservation` is one row of one `list-panes -a` call. `FleetInputs`
 * carries what tmux cannot know (status lines, PR/CI, usage) and is supplied
 * by the embedding orchestrator. Both are parsed with zod at the edge.
 */
import { z } from "zod";
import { PaneIdSchema } from "./paneId.js";

export const PaneObservationSchema = z.object({
  paneId: PaneIdSchema,
  session: z.string(),
  windowIndex: z.number().int().nonnegative(),
  windowName: z.string(),
  title: z.string(),
  command: z.string(),
  pid: z.number().int().nonnegative().nullable(),
  dead: z.boolean(),
  /** Last output activity, epoch milliseconds. */
  lastActivityAt: z.number().int().nonnegative(),
  width: z.number().int().nonnegative().optional(),
  height: z.number().int().nonnegative().optional(),
});
export type PaneObservation = z.infer<typeof PaneObservationSchema>;

export const CiStateSchema = z.enum(["red", "pending", "green"]);
export type CiState = z.infer<typeof CiStateSchema>;

/** What the embedder knows about one pane. */
export const PaneInputSchema = z.object({
  statusLine: z.string().max(500).optional(),
  pr: z.number().int().positive().nullable().optional(),
  ci: CiStateSchema.nullable().optional(),
  /** A watched PR's CI turning red interrupts the first mate at once. */
  watched: z.boolean().optional(),
});
export type PaneInput = z.infer<typeof PaneInputSchema>;

export const UsageSnapshotSchema = z.object({
  /** Percent of the usage window spent, 0–100; null when unknown. */
  percent: z.number().min(0).max(100).nullable(),
  /** When the usage window resets, epoch ms; null when unknown. */
  resetsAt: z.number().int().nonnegative().nullable(),
});
export type UsageSnapshot = z.infer<typeof UsageSnapshotSchema>;

export const UNKNOWN_USAGE: UsageSnapshot = { percent: null, resetsAt: null };

export const FleetInputsSchema = z.object({
  panes: z.record(PaneIdSchema, PaneInputSchema),
  usage: UsageSnapshotSchema,
});
export type FleetInputs = z.infer<typeof FleetInputsSchema>;

export const EMPTY_INPUTS: FleetInputs = { panes: {}, usage: UNKNOWN_USAGE };
