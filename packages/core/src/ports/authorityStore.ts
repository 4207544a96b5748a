/**
 * The authority store port (docs/design.md, Authority and Store): the conn, the proposals the human
 * sees, and the role extensions only the human approves. Implemented by
 * `@first-mate/store-sqlite` (beside `StorePort`) and by the fake store.
 *
 * Same guarantees as `StorePort`: a write that resolves Right is durable;
 * rows read back are validated. Deciding an already decided proposal or
 * extension is a `StoreConstraint`; an unknown id is `StoreInvalidInput`.
 * The conn is read back through `StorePort.hydrate` (`Hydration.conn`).
 */
import type { Conn } from "../authority/conn.js";
import type {
  Decision,
  NewProposal,
  Proposal,
  ProposalStatus,
  RoleExtension,
  RoleExtensionStatus,
} from "../authority/proposal.js";
import type { StoreResult } from "./storePort.js";

/**
 * The store port's authority part: the conn, proposals and role extensions. Both stores implement it beside {@link
 * StorePort}.
 */
export interface AuthorityStorePort {
  saveConn(conn: Conn): StoreResult<void>;

  addProposal(proposal: NewProposal): StoreResult<Proposal>;
  /** Oldest first; all, or those with `status`. */
  listProposals(filter?: { readonly status?: ProposalStatus }): StoreResult<readonly Proposal[]>;
  decideProposal(id: number, status: "approved" | "rejected", decision: Decision): StoreResult<Proposal>;

  /** Records a ROLE-EXT proposal (status `proposed`); never an approved one. */
  proposeRoleExtension(proposal: { readonly text: string; readonly at: number }): StoreResult<RoleExtension>;
  /** Oldest first; all, or those with `status`. */
  listRoleExtensions(filter?: { readonly status?: RoleExtensionStatus }): StoreResult<readonly RoleExtension[]>;
  decideRoleExtension(id: number, status: "approved" | "rejected", decision: Decision): StoreResult<RoleExtension>;
}

const AUTHORITY_METHODS = [
  "saveConn",
  "addProposal",
  "listProposals",
  "decideProposal",
  "proposeRoleExtension",
  "listRoleExtensions",
  "decideRoleExtension",
] as const;

/** True when `store` also implements the authority store port. */
export const isAuthorityStore = (store: unknown): store is AuthorityStorePort =>
  typeof store === "object" &&
  store !== null &&
  AUTHORITY_METHODS.every((method) => typeof (store as Record<string, unknown>)[method] === "function");
