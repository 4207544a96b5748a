/**
 * The store port: everything first-mate keeps across restarts (docs/design.md, Store).
 * Implemented by `@first-mate/store-sqlite` and by the fake world.
 *
 * Guarantees asked of every implementation: a write whose promise resolves
 * Right survives a crash of the process; rows read back are validated, and a
 * corrupt row is a `StoreCorruptRow` error, not a wrong value.
 */
import type { Either } from "fp-ts/lib/Either.js";
import type { DeferredSpawnChange } from "../authority/deferredSpawns.js";
import type { Alert } from "../domain/alert.js";
import type { OutboxEntry } from "../domain/interrupt.js";
import type { InterruptTableChanges } from "../domain/interruptTables.js";
import type { LogEntry, LogKind, NewLogEntry } from "../domain/logEntry.js";
import type { Marker, StartRecord } from "../domain/marker.js";
import type { PaneId } from "../domain/paneId.js";
import type { Hydration } from "../events.js";
import type { StoreError } from "./errors.js";

/** What every store call returns: a promise of the value or a {@link StoreError}; it never rejects. */
export type StoreResult<T> = Promise<Either<StoreError, T>>;

/** The supervisor's durable flags: the kill switch, and whether it gave up after a crash loop. */
export interface SupervisorFlags {
  readonly killSwitch: boolean;
  readonly gaveUp: boolean;
  readonly resetAt: number | null;
}

/** The supervisor lease as read or renewed: whether this caller holds it, the owner, and when it expires. */
export interface LeaseState {
  readonly held: boolean;
  readonly owner: string | null;
  readonly expiresAt: number;
  /**
   * The lease's fencing epoch: raised by one each time the lease changes
   * hands (taken while free, expired, released or held by another owner),
   * kept when its holder renews it. Never lowered. Holder-only writes carry
   * the epoch their writer took the lease at; the store refuses any other.
   */
  readonly epoch: number;
}

/**
 * The store port: the marker, restart ledger, flags, lease, captain's log, alerts and interrupt outbox. Every
 * write a caller is told succeeded is durable; errors are values. `@first-mate/store-contract` is its definition
 * as a test suite.
 */
export interface StorePort {
  /** Everything the core rebuilds its state from, in one read. */
  hydrate(): StoreResult<Hydration>;

  readMarker(): StoreResult<Marker | null>;
  /**
   * Holder-only writes (the marker, the ledger, a give-up) carry `epoch`, the
   * lease epoch `renewLease` returned to the writer. A write whose epoch is
   * not the store's current one changes nothing and is `StoreStaleEpoch`: a
   * host that lost the lease can no longer write what only the holder may.
   */
  setMarker(marker: Marker, epoch: number): StoreResult<void>;
  /** Clears the marker only if it still names `paneId` (a successor is never cleared). Fenced by `epoch`. */
  clearMarker(paneId: PaneId, epoch: number): StoreResult<void>;

  /** Insert or update the ledger row for `record.attempt`. Fenced by `epoch`. */
  recordStart(record: StartRecord, epoch: number): StoreResult<void>;
  readLedger(since: number): StoreResult<readonly StartRecord[]>;
  /**
   * Record a crash-loop give-up (`gaveUp` true, fenced by `epoch`) or the
   * human's reset (false, `epoch` null: anyone may reset). A reset also
   * stores `at` as `resetAt`: failed starts before it no longer count. A
   * give-up without an epoch is `StoreInvalidInput`.
   */
  setSupervisorGaveUp(gaveUp: boolean, at: number, epoch: number | null): StoreResult<void>;

  appendLog(entry: NewLogEntry): StoreResult<LogEntry>;
  /** Newest first. `limit` 1–200. */
  readLog(query: { readonly limit: number; readonly kind?: LogKind }): StoreResult<readonly LogEntry[]>;

  /**
   * Alerts and the outbox are the holder's as well: each write below carries
   * the lease epoch and is `StoreStaleEpoch` (writing nothing) under any
   * other, so a host that lost the lease can neither raise, clear, enqueue,
   * deliver nor expire.
   */
  setAlert(alert: Alert, epoch: number): StoreResult<void>;
  clearAlert(paneId: PaneId, epoch: number): StoreResult<void>;
  readAlerts(): StoreResult<readonly Alert[]>;

  /** Fenced by `epoch`. */
  enqueueOutbox(entry: OutboxEntry, epoch: number): StoreResult<void>;
  /** Pending entries in sequence order. */
  listOutbox(): StoreResult<readonly OutboxEntry[]>;
  /** Fenced by `epoch`. */
  markDelivered(seq: number, epoch: number): StoreResult<void>;
  /** Drops pending entries created before `before`; returns how many. Fenced by `epoch`. */
  expireOutbox(before: number, epoch: number): StoreResult<number>;

  /**
   * Store (or, for a null value, delete) rows of the interrupt tables, in
   * one transaction; `hydrate` reads them back as `interruptTables`. The
   * store keeps at most `INTERRUPT_TABLE_CAPS` of each table (the oldest
   * marks and least recent sources go first; more folded repeats than the
   * cap plus the overflow entry is `StoreConstraint`). Fenced by `epoch`.
   */
  saveInterruptTables(changes: InterruptTableChanges, epoch: number): StoreResult<void>;
  /**
   * Store (or, for a null spawn, delete) rows of the deferred spawn queue,
   * in one transaction; `hydrate` reads them back as `deferred`. More than
   * `DEFERRED_SPAWN_CAP` waiting spawns is `StoreConstraint`. Fenced by `epoch`.
   */
  saveDeferredSpawns(changes: readonly DeferredSpawnChange[], epoch: number): StoreResult<void>;

  readKillSwitch(): StoreResult<boolean>;
  /** The supervisor's flags in one cheap read (the tick path reads them with every observation). */
  readSupervisorFlags(): StoreResult<SupervisorFlags>;
  setKillSwitch(on: boolean): StoreResult<void>;

  /**
   * Take or renew the lease atomically; `held` says whether `owner` has it
   * now, and `epoch` is the epoch to fence its holder-only writes with.
   */
  renewLease(owner: string, now: number, ttlMs: number): StoreResult<LeaseState>;
  releaseLease(owner: string): StoreResult<void>;
  readLease(): StoreResult<LeaseState>;

  close(): Promise<void>;
}
