/**
 * Role extensions (docs/design.md, Authority: the ROLE-EXT prompt layer): text the first mate
 * proposes and only a human approves or rejects. The shapes live in the
 * core (they cross the authority store port); this module re-exports them
 * and adds the inputs of the store's synchronous extras.
 */
import { DeciderSchema, LogTextSchema } from "@first-mate/core";
import { z } from "zod";

export {
  DeciderSchema,
  type RoleExtension,
  RoleExtensionSchema,
  type RoleExtensionStatus,
  RoleExtensionStatusSchema,
} from "@first-mate/core";

/** A ROLE-EXT line the first mate proposes, and when. */
export const ExtensionProposalSchema = z.object({
  text: LogTextSchema,
  at: z.number().int().nonnegative(),
});
/** A parsed {@link ExtensionProposalSchema}. */
export type ExtensionProposal = z.infer<typeof ExtensionProposalSchema>;

/** Who decided a role extension, and when. */
export const ExtensionDecisionSchema = z.object({
  by: DeciderSchema,
  at: z.number().int().nonnegative(),
});
/** A parsed {@link ExtensionDecisionSchema}. */
export type ExtensionDecision = z.infer<typeof ExtensionDecisionSchema>;
