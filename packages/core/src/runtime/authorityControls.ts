/**
 * The embedder's authority surface over a running runtime (docs/design.md, Authority): hand
 * the conn off and take it back, see proposals, approve or reject ROLE-EXT.
 *
 * Guarantees: inputs are validated with zod (a bad scope or duration is a
 * typed error and changes nothing); a handoff with no first mate is refused;
 * conn changes go through `step`, so they are stored, logged and told to the
 * first mate in order. Deciding a proposal records the human's decision and
 * logs it; running an approved action is the human's own act (or a later
 * handoff), never an implicit one.
 */
import * as E from "fp-ts/lib/Either.js";
import { z } from "zod";
import { type Conn, ConnScopeSchema, handOffConn } from "../authority/conn.js";
import type { DeferredSpawn } from "../authority/deferredSpawns.js";
import type { Proposal, ProposalStatus, RoleExtension, RoleExtensionStatus } from "../authority/proposal.js";
import type { Event } from "../events.js";
import type { AuthorityStorePort } from "../ports/authorityStore.js";
import { describeError, type StoreError } from "../ports/errors.js";
import type { CoreState } from "../state.js";

/** A handoff from the human: the scope, how long, and the escalation rule. */
export const HandoffInputSchema = z
  .object({
    scope: ConnScopeSchema,
    /** Either an absolute expiry (epoch ms)… */
    expiresAt: z.number().int().positive().optional(),
    /** …or a duration from now (ms). */
    durationMs: z
      .number()
      .int()
      .positive()
      .max(7 * 24 * 3_600_000)
      .optional(),
    escalation: z.string().min(1).max(500).optional(),
  })
  .refine((value) => (value.expiresAt === undefined) !== (value.durationMs === undefined), {
    message: "give exactly one of expiresAt and durationMs",
  });
/** The input of {@link HandoffInputSchema}, before defaults. */
export type HandoffInput = z.input<typeof HandoffInputSchema>;

/** Why an authority control refused: invalid input, a refused handoff (no first mate), or a store error. */
export type AuthorityControlError =
  | { readonly _tag: "InvalidInput"; readonly message: string }
  | { readonly _tag: "HandoffRefused"; readonly reason: string }
  | { readonly _tag: "StoreFailed"; readonly message: string };

/**
 * The human's authority over a running first mate: see and hand off the conn, take it back, list and decide
 * proposals and role extensions. Exposed as `runtime.authority`.
 */
export interface AuthorityControls {
  /** Who holds the conn now. */
  conn(): Conn;
  handOffConn(input: HandoffInput): Promise<E.Either<AuthorityControlError, Conn>>;
  takeBackConn(): Promise<Conn>;
  deferredSpawns(): readonly DeferredSpawn[];
  listProposals(filter?: { status?: ProposalStatus }): Promise<E.Either<AuthorityControlError, readonly Proposal[]>>;
  decideProposal(id: number, approve: boolean, by?: string): Promise<E.Either<AuthorityControlError, Proposal>>;
  listRoleExtensions(filter?: {
    status?: RoleExtensionStatus;
  }): Promise<E.Either<AuthorityControlError, readonly RoleExtension[]>>;
  approveRoleExtension(id: number, by?: string): Promise<E.Either<AuthorityControlError, RoleExtension>>;
  rejectRoleExtension(id: number, by?: string): Promise<E.Either<AuthorityControlError, RoleExtension>>;
}

/**
 * What the authority controls need from the runtime: its state, the authority store, and a way to feed events
 * through `step`.
 */
export interface AuthorityControlDeps {
  readonly getState: () => CoreState;
  readonly authorityStore: AuthorityStorePort;
  readonly now: () => number;
  readonly dispatch: (event: Event) => Promise<void>;
}

const storeFailed = (error: StoreError): AuthorityControlError => ({
  _tag: "StoreFailed",
  message: describeError(error),
});

const fromStore = <T>(result: E.Either<StoreError, T>): E.Either<AuthorityControlError, T> =>
  E.isLeft(result) ? E.left(storeFailed(result.left)) : E.right(result.right);

/**
 * Build the human's authority controls over a runtime's state and store; every change goes through `step`, so it
 * is logged and told to the first mate.
 */
export const createAuthorityControls = (deps: AuthorityControlDeps): AuthorityControls => ({
  conn: () => deps.getState().authority.conn,

  async handOffConn(input) {
    const parsed = HandoffInputSchema.safeParse(input);
    if (!parsed.success) {
      return E.left({
        _tag: "InvalidInput",
        message: parsed.error.issues
          .map((issue) => `${issue.path.join(".") || "handoff"}: ${issue.message}`)
          .join("; "),
      });
    }
    const now = deps.now();
    const expiresAt = parsed.data.expiresAt ?? now + parsed.data.durationMs!;
    // Checked here too so the caller hears why; step applies the same rule.
    const check = handOffConn(deps.getState().supervisor.marker?.attempt ?? null, {
      now,
      scope: parsed.data.scope,
      expiresAt,
    });
    if (!check.ok) return E.left(check.error);
    await deps.dispatch({
      type: "ConnHandedOff",
      now,
      scope: parsed.data.scope,
      expiresAt,
      ...(parsed.data.escalation ? { escalation: parsed.data.escalation } : {}),
    });
    return E.right(deps.getState().authority.conn);
  },

  async takeBackConn() {
    await deps.dispatch({ type: "ConnTakenBack", now: deps.now() });
    return deps.getState().authority.conn;
  },

  deferredSpawns: () => deps.getState().authority.deferred,

  listProposals: async (filter = {}) => fromStore(await deps.authorityStore.listProposals(filter)),

  async decideProposal(id, approve, by = "human") {
    return fromStore(
      await deps.authorityStore.decideProposal(id, approve ? "approved" : "rejected", { by, at: deps.now() }),
    );
  },

  listRoleExtensions: async (filter = {}) => fromStore(await deps.authorityStore.listRoleExtensions(filter)),

  approveRoleExtension: async (id, by = "human") =>
    fromStore(await deps.authorityStore.decideRoleExtension(id, "approved", { by, at: deps.now() })),

  rejectRoleExtension: async (id, by = "human") =>
    fromStore(await deps.authorityStore.decideRoleExtension(id, "rejected", { by, at: deps.now() })),
});
