/**
 * The compact fleet digest the first mate reasons over.
 *
 * Guarantees: panes sorted by pane id; `idleS` never negative; the first
 * mate's own pane is never present (see buildDigest).
 */
import { z } from "zod";
import { AgentKindSchema } from "./agentKind.js";
import { AgentStateSchema, EvidenceSourceSchema } from "./agentState.js";
import { CiStateSchema, UsageSnapshotSchema } from "./observation.js";
import { PaneIdSchema } from "./paneId.js";

export const PaneDigestSchema = z.object({
  handle: PaneIdSchema,
  name: z.string(),
  session: z.string(),
  agent: AgentKindSchema,
  status: z.string(),
  blocked: z.boolean(),
  pr: z.number().int().positive().nullable(),
  ci: CiStateSchema.nullable(),
  idleS: z.number().int().nonnegative(),
  /** The agent's state (SPEC §3); absent in digests from before agent states. */
  state: AgentStateSchema.optional(),
  /** The source that decided `state` (null when unknown). */
  stateSource: EvidenceSourceSchema.nullable().optional(),
  /** When the deciding evidence was observed, epoch ms (null when unknown). */
  stateAt: z.number().int().nonnegative().nullable().optional(),
});
export type PaneDigest = z.infer<typeof PaneDigestSchema>;

export const FleetDigestSchema = z.object({
  at: z.number().int().nonnegative(),
  panes: z.array(PaneDigestSchema),
  budget: UsageSnapshotSchema,
});
export type FleetDigest = z.infer<typeof FleetDigestSchema>;
