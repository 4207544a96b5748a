/**
 * What the contract suite needs from an engine: how to open a fresh store,
 * how to reach the same store again (from this process or a child), and the
 * few engine-specific things a port cannot do (edit a row behind the
 * store's back, list every row).
 */
import type { AuthorityStorePort, StoreError, StorePort } from "@first-mate/core";
import type { Either } from "fp-ts/lib/Either.js";

type MaybePromise<T> = T | Promise<T>;

/**
 * Retention, beyond the port: what the host's retention timer calls.
 * Either synchronous or asynchronous.
 */
export interface RetentionMethods {
  /** Keeps every `standing_order` entry and the `keepNewest` newest of the other kinds; returns how many were deleted. */
  pruneLog(policy: { readonly keepNewest: number }): MaybePromise<Either<StoreError, number>>;
  /** Deletes outbox entries delivered before `before`; returns how many. */
  pruneDeliveredOutbox(before: number): MaybePromise<Either<StoreError, number>>;
  /** The highest outbox sequence number ever enqueued (0 when none). */
  lastOutboxSeq(): MaybePromise<Either<StoreError, number>>;
}

/** A store the contract runs against: the store port, the authority store port and retention. */
export type ContractStore = StorePort & AuthorityStorePort & RetentionMethods;

/**
 * Rows the contract corrupts behind the store's back (bypassing its own
 * checks), one per table, to see each read answer `StoreCorruptRow`.
 */
export type Corruption =
  | "marker.paneId"
  | "marker.attempt"
  | "restart_ledger.outcome"
  | "captains_log.kind"
  | "alerts.message"
  | "alerts.raisedAt"
  | "outbox.source"
  | "supervisor_settings.resetAt"
  | "supervisor_lease.owner"
  | "conn_state.json"
  | "role_extensions.status"
  | "proposals.action"
  | "interrupt_rate.times"
  | "interrupt_repeats.count"
  | "deferred_spawns.spawn";

/**
 * A store engine under the contract suite: its name, how to open a fresh store (and a second connection to it),
 * and the engine-specific hooks the suite needs.
 */
export interface StoreContractSubject {
  /** The engine's name, in test titles. */
  readonly name: string;
  /**
   * A fresh, empty store whose bookkeeping clock (`delivered_at`, `readLease`,
   * the `hydrate` ledger horizon) is `now`. `location` is a string a child
   * process can open the same store from.
   */
  open(options: { readonly now: () => number }): Promise<{ readonly store: ContractStore; readonly location: string }>;
  /** Another handle (another connection) on the store at `location`. */
  reopen(location: string, options: { readonly now: () => number }): Promise<ContractStore>;
  /** Applies `corruption` to the store at `location` without going through the store. */
  corrupt(location: string, corruption: Corruption): Promise<void>;
  /** Every row of every table as one string: equal strings mean nothing was written. */
  snapshot(location: string): Promise<string>;
  /**
   * A module (absolute path) exporting `openContractStore(location: string):
   * Promise<ContractStore>`; the suite's child processes open the store with it.
   */
  readonly childModule: string;
  /** Node arguments for child processes; default `["--conditions=@first-mate/source", "--import", "tsx"]`. */
  readonly childNodeArgs?: readonly string[];
  /** Engine-specific integrity check after a child was killed mid-write (e.g. SQLite's integrity_check). */
  checkIntegrity?(location: string): Promise<"ok" | string>;
  /** Releases whatever `open` created (files, schemas). Called after each test. */
  dispose?(location: string): Promise<void>;
}
