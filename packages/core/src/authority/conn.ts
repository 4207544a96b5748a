/**
 * The conn (docs/design.md, Authority): who holds authority over the fleet right now.
 *
 * Pure: executes nothing. Rules, in one place:
 *
 * | from        | fact                          | to          | logged |
 * |-------------|-------------------------------|-------------|--------|
 * | any         | handoff (embedder, with a first mate) | first mate | yes |
 * | first mate  | take-back (embedder)          | human       | yes    |
 * | first mate  | `now >= expiresAt`            | human       | yes    |
 * | first mate  | an out-of-scope action        | human       | yes    |
 * | first mate  | first mate restarted (new marker, or none) | human | yes (fail safe) |
 * | human       | take-back, expiry, restart    | human       | no (nothing changes) |
 *
 * A handoff without a live first mate is refused (typed), and changes nothing.
 * Handing the conn to a first mate is always tied to that first mate's
 * attempt number, so a successor never inherits it.
 */

import { z } from "zod";
import { formatInstant } from "../domain/instant.js";
import { type AuthorityAction, ConnGatedActionSchema } from "./authorityAction.js";

const time = z.number().int().nonnegative();

/** What the conn covers: action kinds, and target patterns (`*` is a wildcard; a pane id or a name). */
export const ConnScopeSchema = z.object({
  actions: z.array(ConnGatedActionSchema).min(1),
  targets: z.array(z.string().min(1).max(200)).min(1).default(["*"]),
});
/** A parsed {@link ConnScopeSchema}. */
export type ConnScope = z.infer<typeof ConnScopeSchema>;

/** The escalation rule a handoff gets when the human names none. */
export const DEFAULT_ESCALATION = "anything outside this scope goes to the human as a proposal";

/**
 * The conn: with the human since a time, or with the first mate (of a given attempt) within a scope until
 * `expiresAt`, with an escalation rule.
 */
export const ConnSchema = z.discriminatedUnion("holder", [
  z.object({ holder: z.literal("human"), since: time }),
  z.object({
    holder: z.literal("first_mate"),
    since: time,
    expiresAt: time,
    scope: ConnScopeSchema,
    /** When to wake the human even inside the scope; told to the first mate with the handoff. */
    escalation: z.string().min(1).max(500),
    /** The attempt number of the first mate that received it. */
    firstMateAttempt: z.number().int().nonnegative(),
  }),
]);
/** A parsed {@link ConnSchema}. */
export type Conn = z.infer<typeof ConnSchema>;
/** The conn while the first mate holds it. */
export type FirstMateConn = Extract<Conn, { holder: "first_mate" }>;

/** The conn with the human, as at start. */
export const HUMAN_CONN: Conn = { holder: "human", since: 0 };

/** Why the conn went back to the human. */
export type HandBackReason = "taken_back" | "expired" | "out_of_scope" | "first_mate_restarted";

/** A conn change: the new conn, and the captain's log line that records it (null when nothing changed). */
export interface ConnTransition {
  readonly conn: Conn;
  /** A captain's log line when the holder changed; null when nothing changed. */
  readonly logText: string | null;
}

/** A handoff from the human: when, the scope, how long, the escalation rule, and the first mate's current attempt. */
export interface HandoffRequest {
  readonly now: number;
  readonly scope: ConnScope;
  readonly expiresAt: number;
  readonly escalation?: string;
}

/** A handoff that cannot apply (no live first mate, an expiry in the past); the reason says which. */
export interface HandoffRefused {
  readonly _tag: "HandoffRefused";
  readonly reason: string;
}

const unchanged = (conn: Conn): ConnTransition => ({ conn, logText: null });

const iso = formatInstant;

/** Pure: one line describing a scope. */
export const describeScope = (scope: ConnScope): string => `${scope.actions.join(", ")} on ${scope.targets.join(", ")}`;

/** Pure: hand the conn to the first mate of `attempt`, or say why not. */
export const handOffConn = (
  firstMateAttempt: number | null,
  request: HandoffRequest,
):
  | { readonly ok: true; readonly transition: ConnTransition }
  | { readonly ok: false; readonly error: HandoffRefused } => {
  if (firstMateAttempt === null) {
    return { ok: false, error: { _tag: "HandoffRefused", reason: "there is no first mate to hand the conn to" } };
  }
  if (request.expiresAt <= request.now) {
    return { ok: false, error: { _tag: "HandoffRefused", reason: "the conn must expire in the future" } };
  }
  const conn: FirstMateConn = {
    holder: "first_mate",
    since: request.now,
    expiresAt: request.expiresAt,
    scope: request.scope,
    escalation: request.escalation ?? DEFAULT_ESCALATION,
    firstMateAttempt,
  };
  return {
    ok: true,
    transition: {
      conn,
      logText: `conn handed to the first mate (attempt ${firstMateAttempt}) until ${iso(conn.expiresAt)}: ${describeScope(conn.scope)}; escalation: ${conn.escalation}`,
    },
  };
};

const HAND_BACK_TEXT: Record<HandBackReason, string> = {
  taken_back: "the human took it back",
  expired: "it expired",
  out_of_scope: "the first mate asked for an action outside its scope",
  first_mate_restarted: "the first mate restarted (fail safe: a new first mate never inherits the conn)",
};

/** Pure: return the conn to the human; a conn the human already holds is unchanged. */
export const handBackConn = (conn: Conn, now: number, reason: HandBackReason, detail?: string): ConnTransition => {
  if (conn.holder === "human") return unchanged(conn);
  return {
    conn: { holder: "human", since: now },
    logText: `conn returned to the human: ${HAND_BACK_TEXT[reason]}${detail ? ` — ${detail}` : ""}`,
  };
};

/** Pure: expire the conn when its time has come. */
export const expireConn = (conn: Conn, now: number): ConnTransition =>
  conn.holder === "first_mate" && now >= conn.expiresAt ? handBackConn(conn, now, "expired") : unchanged(conn);

/**
 * Pure: a conn held by the first mate of another attempt (or by a first mate
 * that no longer exists) goes back to the human. Invariant 10.
 */
export const dropConnOnRestart = (conn: Conn, now: number, currentAttempt: number | null): ConnTransition =>
  conn.holder === "first_mate" && conn.firstMateAttempt !== currentAttempt
    ? handBackConn(conn, now, "first_mate_restarted")
    : unchanged(conn);

/** A glob with `*` as the only wildcard, anchored. */
const globMatches = (pattern: string, value: string): boolean => {
  if (pattern === "*") return true;
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`).test(value);
};

/** Pure: whether a held conn's scope covers `action` (kind and target). */
export const scopeCovers = (scope: ConnScope, action: AuthorityAction): boolean => {
  if (!(scope.actions as readonly string[]).includes(action.kind)) return false;
  const names = [action.target.paneId, action.target.name].filter((value): value is string => value !== undefined);
  if (scope.targets.includes("*")) return true;
  return names.some((name) => scope.targets.some((pattern) => globMatches(pattern, name)));
};
