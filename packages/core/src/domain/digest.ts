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

/** One pane in the fleet digest: handle, name, session, agent, status, blocked, PR, CI and idle seconds. */
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
  /** The agent's state (docs/design.md, Observation, digest and delta); absent in digests from before agent states. */
  state: AgentStateSchema.optional(),
  /** The source that decided `state` (null when unknown). */
  stateSource: EvidenceSourceSchema.nullable().optional(),
  /** When the deciding evidence was observed, epoch ms (null when unknown). */
  stateAt: z.number().int().nonnegative().nullable().optional(),
});
/** A parsed {@link PaneDigestSchema}. */
export type PaneDigest = z.infer<typeof PaneDigestSchema>;

/** The fleet digest: when, every agent pane but the first mate's, and the budget. */
export const FleetDigestSchema = z.object({
  at: z.number().int().nonnegative(),
  panes: z.array(PaneDigestSchema),
  budget: UsageSnapshotSchema,
});
/** A parsed {@link FleetDigestSchema}. */
export type FleetDigest = z.infer<typeof FleetDigestSchema>;
