/**
 * Agent state with provenance (docs/design.md, Observation, digest and delta): what an agent in a pane is doing,
 * which source said so, and when.
 *
 * Guarantees: every piece of evidence names its source and time; `unknown`
 * is never evidence (it is what the resolver answers when evidence is
 * missing, stale or conflicting). Schemas only: the rules live in
 * decisions/agentStateMachine.ts.
 */
import { z } from "zod";

/** The resolved state of an agent pane. */
export const AgentStateSchema = z.enum(["busy", "waiting_permission", "waiting_input", "idle", "ended", "unknown"]);
/** A parsed {@link AgentStateSchema}. */
export type AgentState = z.infer<typeof AgentStateSchema>;

/** What a piece of evidence may claim: any state but `unknown`. */
export const EvidenceStateSchema = z.enum(["busy", "waiting_permission", "waiting_input", "idle", "ended"]);
/** A parsed {@link EvidenceStateSchema}. */
export type EvidenceState = z.infer<typeof EvidenceStateSchema>;

/**
 * Where evidence came from, strongest first: an agent lifecycle hook, a
 * first-mate tool call (`notify`, `report`), the pane itself (its process
 * died), the pane title, a captured screen.
 */
export const EvidenceSourceSchema = z.enum(["hook", "tool", "pane", "title", "screen"]);
/** A parsed {@link EvidenceSourceSchema}. */
export type EvidenceSource = z.infer<typeof EvidenceSourceSchema>;

/** One piece of evidence about an agent's state: its source, the state it shows, and when. */
export const AgentEvidenceSchema = z.object({
  source: EvidenceSourceSchema,
  state: EvidenceStateSchema,
  /** When the evidence was observed, epoch ms. */
  at: z.number().int().nonnegative(),
  /** A new agent session began (Claude Code `SessionStart`): reopens an ended pane. */
  sessionStart: z.boolean().optional(),
  /** Human-readable origin, e.g. `Notification permission_prompt: …`; used in interrupts and renders. */
  detail: z.string().max(500).optional(),
});
/** A parsed {@link AgentEvidenceSchema}. */
export type AgentEvidence = z.infer<typeof AgentEvidenceSchema>;

/** A resolved state, the source that decided it and that evidence's time (null when unknown). */
export interface ResolvedAgentState {
  readonly state: AgentState;
  readonly source: EvidenceSource | null;
  readonly at: number | null;
  readonly detail?: string | undefined;
}

/** An agent state nobody has evidence for. */
export const UNKNOWN_AGENT_STATE: ResolvedAgentState = { state: "unknown", source: null, at: null };
