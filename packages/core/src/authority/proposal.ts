/**
 * Proposals and role extensions (SPEC §8): what the first mate may only
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

export const ProposalStatusSchema = z.enum(["pending", "approved", "rejected"]);
export type ProposalStatus = z.infer<typeof ProposalStatusSchema>;

export const NewProposalSchema = z.object({
  action: AuthorityActionSchema,
  reason: z.string().min(1).max(500),
  at: time,
});
export type NewProposal = z.infer<typeof NewProposalSchema>;

export const ProposalSchema = NewProposalSchema.extend({
  id: z.number().int().positive(),
  status: ProposalStatusSchema,
  decidedAt: time.nullable(),
  decidedBy: DeciderSchema.nullable(),
});
export type Proposal = z.infer<typeof ProposalSchema>;

export const RoleExtensionStatusSchema = z.enum(["proposed", "approved", "rejected"]);
export type RoleExtensionStatus = z.infer<typeof RoleExtensionStatusSchema>;

export const RoleExtensionSchema = z.object({
  id: z.number().int().positive(),
  text: LogTextSchema,
  status: RoleExtensionStatusSchema,
  proposedAt: time,
  decidedAt: time.nullable(),
  decidedBy: DeciderSchema.nullable(),
});
export type RoleExtension = z.infer<typeof RoleExtensionSchema>;

export const DecisionSchema = z.object({ by: DeciderSchema, at: time });
export type Decision = z.infer<typeof DecisionSchema>;
