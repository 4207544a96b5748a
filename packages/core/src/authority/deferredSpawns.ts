/**
 * The deferred spawn queue (docs/design.md, Authority): spawns the conn allowed but the budget
 * held back, released when the usage window resets.
 *
 * Pure. Release rule: a spawn is due once `now` reaches its `releaseAt`
 * (the reset time) or once the budget is known to be back below the
 * high-water mark, whichever comes first. Order is kept.
 */
import { z } from "zod";
import { AgentKindSchema } from "../domain/agentKind.js";
import type { UsageSnapshot } from "../domain/observation.js";
import type { BudgetPolicy } from "./budgetStewardship.js";

/** How to start a worker: its window name, and optionally a command line, a directory and a first task. */
export const WorkerLaunchSchema = z.object({
  /** The worker's window name. */
  name: z.string().min(1).max(100),
  session: z.string().min(1).max(100),
  argv: z.array(z.string()).min(1),
  cwd: z.string().min(1).optional(),
  env: z.record(z.string(), z.string()).optional(),
  /** The agent kind the argv starts, when known: the pane is then detected by construction. */
  agent: AgentKindSchema.optional(),
  /** Typed into the new pane once it exists. */
  task: z.string().min(1).max(2000).optional(),
});
/** A parsed {@link WorkerLaunchSchema}. */
export type WorkerLaunch = z.infer<typeof WorkerLaunchSchema>;

/** A worker spawn the budget deferred: its id, launch, when it was asked for and until when it waits. */
export const DeferredSpawnSchema = z.object({
  id: z.string().min(1).max(100),
  launch: WorkerLaunchSchema,
  requestedAt: z.number().int().nonnegative(),
  releaseAt: z.number().int().nonnegative(),
});
/** A parsed {@link DeferredSpawnSchema}. */
export type DeferredSpawn = z.infer<typeof DeferredSpawnSchema>;

/** Pure: split the queue into what is due now and what still waits. */
export const releaseDueSpawns = (
  queue: readonly DeferredSpawn[],
  now: number,
  usage: UsageSnapshot,
  policy: BudgetPolicy,
): { readonly due: readonly DeferredSpawn[]; readonly waiting: readonly DeferredSpawn[] } => {
  const budgetEased = usage.percent !== null && usage.percent < policy.highWaterPercent;
  const due: DeferredSpawn[] = [];
  const waiting: DeferredSpawn[] = [];
  for (const spawn of queue) (budgetEased || now >= spawn.releaseAt ? due : waiting).push(spawn);
  return { due, waiting };
};

/** At most this many spawns wait for the budget (the store keeps no more rows than this). */
export const DEFERRED_SPAWN_CAP = 100;

/** A row to write into the stored queue: the spawn to keep, or null to delete the one with `id`. */
export const DeferredSpawnChangeSchema = z
  .object({ id: z.string().min(1).max(100), spawn: DeferredSpawnSchema.nullable() })
  .refine((row) => row.spawn === null || row.spawn.id === row.id, "a spawn is stored under its own id");
/** A parsed {@link DeferredSpawnChangeSchema}. */
export type DeferredSpawnChange = z.infer<typeof DeferredSpawnChangeSchema>;
