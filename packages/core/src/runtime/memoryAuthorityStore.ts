/**
 * An in-memory AuthorityStorePort: the fallback when the runtime's store
 * does not implement the port (not durable: say so to the human), and the
 * authority half of the fake store.
 */
import * as E from "fp-ts/lib/Either.js";
import { type Conn, ConnSchema, HUMAN_CONN } from "../authority/conn.js";
import {
  type Decision,
  DecisionSchema,
  NewProposalSchema,
  type Proposal,
  type RoleExtension,
} from "../authority/proposal.js";
import { LogTextSchema } from "../domain/logEntry.js";
import type { AuthorityStorePort } from "../ports/authorityStore.js";
import { isAuthorityStore } from "../ports/authorityStore.js";
import type { StoreError } from "../ports/errors.js";
import type { StorePort } from "../ports/storePort.js";

/** What the in-memory authority store holds. */
export interface MemoryAuthorityContents {
  conn: Conn;
  proposals: Proposal[];
  roleExtensions: RoleExtension[];
}

/** An authority store in memory, with its contents readable (tests and embedders without a durable store). */
export interface MemoryAuthorityStore extends AuthorityStorePort {
  contents(): MemoryAuthorityContents;
}

const invalid = (message: string): StoreError => ({ _tag: "StoreInvalidInput", message });

/** An in-memory authority store; `available` returning false makes every call a `StoreUnavailable`. */
export const createMemoryAuthorityStore = (available: () => boolean = () => true): MemoryAuthorityStore => {
  const contents: MemoryAuthorityContents = { conn: HUMAN_CONN, proposals: [], roleExtensions: [] };
  const run = async <T>(body: () => E.Either<StoreError, T>): Promise<E.Either<StoreError, T>> =>
    available() ? body() : E.left({ _tag: "StoreUnavailable", message: "database is locked" });
  const decide = <T extends { id: number; status: string; decidedAt: number | null; decidedBy: string | null }>(
    rows: T[],
    id: number,
    status: T["status"],
    decision: Decision,
    pending: string,
  ): E.Either<StoreError, T> => {
    const parsed = DecisionSchema.safeParse(decision);
    if (!parsed.success) return E.left(invalid(`decision: ${parsed.error.issues[0]?.message}`));
    const index = rows.findIndex((row) => row.id === id);
    if (index < 0) return E.left(invalid(`no entry with id ${id}`));
    const row = rows[index]!;
    if (row.status !== pending) return E.left({ _tag: "StoreConstraint", message: `${id} is already ${row.status}` });
    const decided = { ...row, status, decidedAt: parsed.data.at, decidedBy: parsed.data.by };
    rows[index] = decided;
    return E.right(decided);
  };

  return {
    contents: () => contents,
    saveConn: (conn) =>
      run(() => {
        const parsed = ConnSchema.safeParse(conn);
        if (!parsed.success) return E.left(invalid(`conn: ${parsed.error.issues[0]?.message}`));
        contents.conn = parsed.data;
        return E.right(undefined);
      }),
    addProposal: (proposal) =>
      run(() => {
        const parsed = NewProposalSchema.safeParse(proposal);
        if (!parsed.success) return E.left(invalid(`proposal: ${parsed.error.issues[0]?.message}`));
        const stored: Proposal = {
          ...parsed.data,
          id: contents.proposals.length + 1,
          status: "pending",
          decidedAt: null,
          decidedBy: null,
        };
        contents.proposals.push(stored);
        return E.right(stored);
      }),
    listProposals: (filter = {}) =>
      run(() => E.right(contents.proposals.filter((row) => !filter.status || row.status === filter.status))),
    decideProposal: (id, status, decision) => run(() => decide(contents.proposals, id, status, decision, "pending")),
    proposeRoleExtension: (proposal) =>
      run(() => {
        const text = LogTextSchema.safeParse(proposal.text);
        if (!text.success) return E.left(invalid("role extension text must be 1–2000 characters"));
        const stored: RoleExtension = {
          id: contents.roleExtensions.length + 1,
          text: text.data,
          status: "proposed",
          proposedAt: proposal.at,
          decidedAt: null,
          decidedBy: null,
        };
        contents.roleExtensions.push(stored);
        return E.right(stored);
      }),
    listRoleExtensions: (filter = {}) =>
      run(() => E.right(contents.roleExtensions.filter((row) => !filter.status || row.status === filter.status))),
    decideRoleExtension: (id, status, decision) =>
      run(() => decide(contents.roleExtensions, id, status, decision, "proposed")),
  };
};

const fallbacks = new WeakMap<object, MemoryAuthorityStore>();

/**
 * The authority store that goes with `store`: `store` itself when it
 * implements the port, else one in-memory store per `store` (shared by the
 * tool host and the command executor).
 */
export const authorityStoreFor = (store: StorePort): AuthorityStorePort => {
  if (isAuthorityStore(store)) return store;
  let fallback = fallbacks.get(store);
  if (!fallback) {
    fallback = createMemoryAuthorityStore();
    fallbacks.set(store, fallback);
  }
  return fallback;
};
