/**
 * The authority part of the core's state: the conn, the deferred spawns,
 * and what the kit knows of the first mate's identity file. Plain data.
 */
import type { CoreConfig } from "../config.js";
import type { BudgetPolicy } from "./budgetStewardship.js";
import { type Conn, HUMAN_CONN } from "./conn.js";
import type { DeferredSpawn } from "./deferredSpawns.js";

/**
 * The authority part of the core's state: the conn, spawns deferred by the budget, the identity's size and last
 * edit, and notices for the next push.
 */
export interface AuthorityState {
  readonly conn: Conn;
  readonly deferred: readonly DeferredSpawn[];
  /** The heartbeat's push count when the identity file last changed. */
  readonly identityEditedAtPush: number;
  /** The identity file's size when last seen; null when unknown. */
  readonly identityChars: number | null;
  /** Counter for conn notice emit ids. */
  readonly notices: number;
  /**
   * Counts the changes of the conn: names the conn in effect, so two conns
   * given within the same millisecond (equal `since`) are still told apart.
   */
  readonly connVersion: number;
}

/** The authority state at start: the conn with the human, nothing deferred. */
export const INITIAL_AUTHORITY: AuthorityState = {
  conn: HUMAN_CONN,
  deferred: [],
  identityEditedAtPush: 0,
  identityChars: null,
  notices: 0,
  connVersion: 0,
};

/** Pure: the budget policy in a core configuration. */
export const budgetPolicyOf = (config: CoreConfig): BudgetPolicy => ({
  highWaterPercent: config.budgetHighWaterPercent,
  backoffFromPercent: config.budgetBackoffFromPercent,
  backoffMaxFactor: config.budgetBackoffMaxFactor,
});
