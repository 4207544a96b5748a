/**
 * The actions the first mate may ask for, sorted into the tiers of docs/design.md, Authority.
 *
 * The standing tier is always allowed (reading the fleet, keeping the log,
 * peeking, nudging an idle worker, proposing a role change). The conn-gated
 * tier acts on the fleet and needs the conn. Any other kind (an embedder's
 * own action, such as `merge_pr`) is treated as conn-gated: unknown power is
 * never standing power.
 */
import { z } from "zod";
import { PaneIdSchema } from "../domain/paneId.js";

/** Actions the first mate may always take (reading the fleet and its log, peeking, nudging an idle worker). */
export const STANDING_ACTIONS = [
  "fleet_digest",
  "inbox",
  "captains_log_read",
  "captains_log_append",
  "peek",
  "nudge",
  "propose_role_change",
] as const;

/** Actions the first mate may take only while it holds the conn, within its scope and the budget. */
export const CONN_GATED_ACTIONS = ["spawn_worker", "assign_task", "terminate"] as const;

/** One of {@link CONN_GATED_ACTIONS}. */
export const ConnGatedActionSchema = z.enum(CONN_GATED_ACTIONS);
/** A parsed {@link ConnGatedActionSchema}. */
export type ConnGatedAction = z.infer<typeof ConnGatedActionSchema>;

/** An action kind: one of the kit's, or an embedder's own (lower snake case). */
export const ActionKindSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, "an action kind is lower snake case, at most 64 characters");

/**
 * One action to authorize. `target` names what it acts on (a pane, a
 * worker's name); `args` carries the textual arguments prohibitions match
 * (a command line, a task). Plain data.
 */
export const AuthorityActionSchema = z.object({
  kind: ActionKindSchema,
  target: z.object({ paneId: PaneIdSchema.optional(), name: z.string().max(200).optional() }).default({}),
  args: z.record(z.string(), z.string()).default({}),
});
/** A parsed {@link AuthorityActionSchema}. */
export type AuthorityAction = z.infer<typeof AuthorityActionSchema>;

/** Pure: whether `kind` is in the standing tier. */
export const isStandingAction = (kind: string): boolean => (STANDING_ACTIONS as readonly string[]).includes(kind);

/** Pure: one line naming an action, for the log and for proposals. */
export const describeAction = (action: AuthorityAction): string => {
  const target = [action.target.name, action.target.paneId].filter(Boolean).join(" ");
  const args = Object.entries(action.args)
    .map(([key, value]) => `${key}=${JSON.stringify(value.length > 120 ? `${value.slice(0, 119)}…` : value)}`)
    .join(" ");
  return [action.kind, target, args].filter((part) => part.length > 0).join(" ");
};
