/**
 * What the drivers observe about the fleet, and what the embedder supplies.
 *
 * A `PaneObservation` is one row of one `list-panes -a` call. `FleetInputs`
 * carries what tmux cannot know (status lines, PR/CI, usage) and is supplied
 * by the embedding orchestrator. Both are parsed with zod at the edge.
 */
import { z } from "zod";
import { AgentKindSchema } from "./agentKind.js";
import { PaneIdSchema } from "./paneId.js";
import { TmuxServerIdentitySchema } from "./paneIdentity.js";

/** Bounds on what a pane's process tree contributes, so one hostile pane costs bounded memory. */
export const PANE_PROCESS_LIMITS = { processes: 32, words: 64, wordLength: 4096 } as const;

/** One pane as tmux reports it: id, session, window, title, command, pid, dead flag and last activity. */
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
  /** The command tmux started the pane with (`#{pane_start_command}`); empty for the default shell. */
  startCommand: z
    .string()
    .max(PANE_PROCESS_LIMITS.words * PANE_PROCESS_LIMITS.wordLength)
    .optional(),
  /**
   * argv of the pane's processes, the pane's own process first, then its
   * descendants (agent detection looks through wrappers with it).
   */
  processes: z
    .array(z.array(z.string().max(PANE_PROCESS_LIMITS.wordLength)).max(PANE_PROCESS_LIMITS.words))
    .max(PANE_PROCESS_LIMITS.processes)
    .optional(),
  /** The agent kind first-mate spawned the pane with: known by construction. */
  declaredAgent: AgentKindSchema.optional(),
  /** The tmux server the pane runs on (see paneIdentity.ts); absent when the listing did not say. */
  tmuxServer: TmuxServerIdentitySchema.optional(),
});
/** A parsed {@link PaneObservationSchema}. */
export type PaneObservation = z.infer<typeof PaneObservationSchema>;

/** A pull request's CI state. */
export const CiStateSchema = z.enum(["red", "pending", "green"]);
/** A parsed {@link CiStateSchema}. */
export type CiState = z.infer<typeof CiStateSchema>;

/** What the embedder knows about one pane. */
export const PaneInputSchema = z.object({
  statusLine: z.string().max(500).optional(),
  pr: z.number().int().positive().nullable().optional(),
  ci: CiStateSchema.nullable().optional(),
  /** A watched PR's CI turning red interrupts the first mate at once. */
  watched: z.boolean().optional(),
});
/** A parsed {@link PaneInputSchema}. */
export type PaneInput = z.infer<typeof PaneInputSchema>;

/** The embedder's usage snapshot: percent of the window spent and when it resets, each possibly unknown. */
export const UsageSnapshotSchema = z.object({
  /** Percent of the usage window spent, 0–100; null when unknown. */
  percent: z.number().min(0).max(100).nullable(),
  /** When the usage window resets, epoch ms; null when unknown. */
  resetsAt: z.number().int().nonnegative().nullable(),
});
/** A parsed {@link UsageSnapshotSchema}. */
export type UsageSnapshot = z.infer<typeof UsageSnapshotSchema>;

/** A usage snapshot with nothing known. */
export const UNKNOWN_USAGE: UsageSnapshot = { percent: null, resetsAt: null };

/** What the embedder knows about the fleet: per-pane inputs and the usage snapshot. */
export const FleetInputsSchema = z.object({
  panes: z.record(PaneIdSchema, PaneInputSchema),
  usage: UsageSnapshotSchema,
});
/** A parsed {@link FleetInputsSchema}. */
export type FleetInputs = z.infer<typeof FleetInputsSchema>;

/** No inputs from the embedder. */
export const EMPTY_INPUTS: FleetInputs = { panes: {}, usage: UNKNOWN_USAGE };
