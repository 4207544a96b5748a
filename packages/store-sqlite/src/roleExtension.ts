/**
 * Role extensions (SPEC §8, the ROLE-EXT prompt layer): text the first mate
 * proposes and only a human approves or rejects. This module holds the
 * shapes; `SqliteStore` persists them.
 */
import { LogTextSchema } from "@first-mate/core";
import { z } from "zod";

export const RoleExtensionStatusSchema = z.enum(["proposed", "approved", "rejected"]);
export type RoleExtensionStatus = z.infer<typeof RoleExtensionStatusSchema>;

/** Who decided, e.g. `human` or an embedder's user name. */
export const DeciderSchema = z.string().min(1).max(100);

export const RoleExtensionSchema = z.object({
  id: z.number().int().positive(),
  text: LogTextSchema,
  status: RoleExtensionStatusSchema,
  proposedAt: z.number().int().nonnegative(),
  decidedAt: z.number().int().nonnegative().nullable(),
  decidedBy: DeciderSchema.nullable(),
});
export type RoleExtension = z.infer<typeof RoleExtensionSchema>;

export const ExtensionProposalSchema = z.object({
  text: LogTextSchema,
  at: z.number().int().nonnegative(),
});
export type ExtensionProposal = z.infer<typeof ExtensionProposalSchema>;

export const ExtensionDecisionSchema = z.object({
  by: DeciderSchema,
  at: z.number().int().nonnegative(),
});
export type ExtensionDecision = z.infer<typeof ExtensionDecisionSchema>;
