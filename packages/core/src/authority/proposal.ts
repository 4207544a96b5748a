/**
 * Proposals and role extensions (docs/design.md, Authority): what the first mate may only
 * ask for. A proposal is a conn-gated action the kit did not run (no conn,
 * out of scope, budget); a role extension is a ROLE-EXT line the first mate
 * proposed. Only the human (through the embedder) decides either.
 */
import { z } from "zod";
import { LogTextSchema } from "../domain/logEntry.js";
import { AuthorityActionSchema } from "./authorityAction.js";

const time = z.number().int().nonnegative();

/** Who decided, e.g. `human` or an embedder's user name. */
export const DeciderSchema = z.string().min(1).max(100);

/** Where a proposal stands: pending, approved or rejected. */
export const ProposalStatusSchema = z.enum(["pending", "approved", "rejected"]);
/** A parsed {@link ProposalStatusSchema}. */
export type ProposalStatus = z.infer<typeof ProposalStatusSchema>;

/** A conn-gated action the kit did not run, with the reason and when, before it is stored. */
export const NewProposalSchema = z.object({
  action: AuthorityActionSchema,
  reason: z.string().min(1).max(500),
  at: time,
});
/** A parsed {@link NewProposalSchema}. */
export type NewProposal = z.infer<typeof NewProposalSchema>;

/** A stored proposal: its id, status, and who decided it and when. */
export const ProposalSchema = NewProposalSchema.extend({
  id: z.number().int().positive(),
  status: ProposalStatusSchema,
  decidedAt: time.nullable(),
  decidedBy: DeciderSchema.nullable(),
});
/** A parsed {@link ProposalSchema}. */
export type Proposal = z.infer<typeof ProposalSchema>;

/** Where a role extension stands: proposed, approved or rejected. */
export const RoleExtensionStatusSchema = z.enum(["proposed", "approved", "rejected"]);
/** A parsed {@link RoleExtensionStatusSchema}. */
export type RoleExtensionStatus = z.infer<typeof RoleExtensionStatusSchema>;

/** A ROLE-EXT line the first mate proposed: its id, text, status, and who decided it and when. */
export const RoleExtensionSchema = z.object({
  id: z.number().int().positive(),
  text: LogTextSchema,
  status: RoleExtensionStatusSchema,
  proposedAt: time,
  decidedAt: time.nullable(),
  decidedBy: DeciderSchema.nullable(),
});
/** A parsed {@link RoleExtensionSchema}. */
export type RoleExtension = z.infer<typeof RoleExtensionSchema>;

/** A decision: who made it and when. */
export const DecisionSchema = z.object({ by: DeciderSchema, at: time });
/** A parsed {@link DecisionSchema}. */
export type Decision = z.infer<typeof DecisionSchema>;
