/**
 * The authority events (docs/design.md, Authority), as zod schemas joined into the core's
 * Event union. Facts from the embedder (handoff, take-back, identity
 * edits) and about conn-gated actions (what ran, was deferred, proposed or
 * denied; the core decides them from ToolCalled, see toolStep.ts).
 */
import { z } from "zod";
import { PaneIdSchema } from "../domain/paneId.js";
import { AuthorityActionSchema } from "./authorityAction.js";
import { ConnScopeSchema } from "./conn.js";
import { DeferredSpawnSchema } from "./deferredSpawns.js";

const now = z.number().int().nonnegative();

/** Why the conn went back to the human: taken back, expired, an action out of scope, or the first mate restarted. */
export const HandBackReasonSchema = z.enum(["taken_back", "expired", "out_of_scope", "first_mate_restarted"]);

/**
 * The schemas of the authority events (conn handoffs and hand-backs, actions, proposals, deferred spawns, identity
 * edits), part of {@link EventSchema}.
 */
export const AUTHORITY_EVENT_SCHEMAS = [
  /** The human handed the conn to the current first mate. */
  z.object({
    type: z.literal("ConnHandedOff"),
    now,
    scope: ConnScopeSchema,
    expiresAt: now,
    escalation: z.string().min(1).max(500).optional(),
  }),
  /** The human took the conn back. */
  z.object({ type: z.literal("ConnTakenBack"), now }),
  /** An allowed conn-gated action ran (or was tried and failed). */
  z.object({
    type: z.literal("ActionExecuted"),
    now,
    action: AuthorityActionSchema,
    ok: z.boolean(),
    detail: z.string().max(500),
  }),
  /** A prohibited (or self-targeted) action was refused. */
  z.object({
    type: z.literal("ActionDenied"),
    now,
    action: AuthorityActionSchema,
    reason: z.string().max(500),
    prohibition: z.string().nullable(),
  }),
  /**
   * An action became a proposal for the human: `proposalId` as stored, or
   * null with `storeError` when it could not be stored. With `requestId`, it
   * answers the `store.addProposal` of that tool call.
   */
  z.object({
    type: z.literal("ActionProposed"),
    now,
    action: AuthorityActionSchema,
    reason: z.string().max(500),
    proposalId: z.number().int().positive().nullable(),
    handBack: HandBackReasonSchema.nullable(),
    requestId: z.string().optional(),
    storeError: z.string().max(2000).optional(),
  }),
  /** The conn allowed a spawn that the budget holds until the reset. */
  z.object({ type: z.literal("SpawnDeferred"), now, spawn: DeferredSpawnSchema }),
  /**
   * A worker spawn (`tmux.spawnWorker`: an allowed `spawn_worker` or a
   * released deferred spawn) ran: `paneId` when it did, `reason` when it failed.
   */
  z.object({
    type: z.literal("DeferredSpawnSettled"),
    now,
    spawnId: z.string(),
    paneId: z.string().nullable(),
    reason: z.string().nullable(),
  }),
  /** The first mate's identity file changed (the host watches it). */
  z.object({ type: z.literal("IdentityEdited"), now, chars: z.number().int().nonnegative() }),
  /**
   * A connection presented the first mate's spawn token after it was
   * consumed (a neighbour that read it, or a replayed hello); it was refused.
   */
  z.object({
    type: z.literal("IdentityConflictDetected"),
    now,
    paneId: PaneIdSchema,
    detail: z.string().max(500),
  }),
  /** A first mate proposed a role extension (ROLE-EXT); the human decides. */
  z.object({
    type: z.literal("RoleChangeProposed"),
    now,
    extensionId: z.number().int().positive(),
    text: z.string(),
    /** The `propose_role_change` call it answers, when it came through `step`. */
    requestId: z.string().optional(),
  }),
] as const;

/** The `type` of every authority event. */
export const AUTHORITY_EVENT_TYPES = AUTHORITY_EVENT_SCHEMAS.map((schema) => schema.shape.type.value);

/** Any authority event. */
export type AuthorityEvent = z.infer<(typeof AUTHORITY_EVENT_SCHEMAS)[number]>;
