/**
 * Opening the store: directory, connection, pragmas, migrations.
 *
 * Guarantees: never throws; a missing directory is created with mode 0700;
 * a file that is not a SQLite database, is corrupt, or cannot be opened is a
 * `StoreUnavailable`; a file from a newer first-mate is a `StoreSchemaTooNew`
 * and is left untouched. On any error the connection is closed again.
 * It does not check the whole file (`checkIntegrity` does, on demand).
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { StoreError } from "@first-mate/core";
import Database from "better-sqlite3";
import * as E from "fp-ts/lib/Either.js";
import { z } from "zod";
import { defaultStorePath } from "./defaultStorePath.js";
import { deferCheckpoints } from "./deferredCheckpoints.js";
import { migrate } from "./migrations.js";
import { DEFAULT_LEDGER_HORIZON_MS, SqliteStore } from "./sqliteStore.js";
import { describeZodError, storeInvalidInput, storeUnavailable, toStoreError } from "./storeErrors.js";

/** Default wait for another connection's write lock before giving up with `StoreUnavailable`. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** SQLite's durability mode: `FULL` survives a power cut, `NORMAL` (with WAL) a killed process. */
export type SynchronousMode = "FULL" | "NORMAL";

/**
 * How to open the SQLite store: its file, busy timeout, clock, durability mode and ledger horizon; every field has
 * a default.
 */
export interface SqliteStoreOptions {
  /** The database file; default `defaultStorePath()`. `":memory:"` opens a private in-memory database. */
  readonly path?: string;
  /** How long a write waits for another connection's lock; default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /** The clock for bookkeeping columns (`updated_at`, `delivered_at`) and `readLease`; default `Date.now`. */
  readonly now?: () => number;
  /**
   * `FULL` (default) syncs the WAL on every commit: an acknowledged write
   * survives a power cut as well as a killed process. `NORMAL` survives a
   * killed process only. See the README for the measured cost.
   */
  readonly synchronous?: SynchronousMode;
  /** How far back `hydrate` reads the restart ledger; default 24 h. */
  readonly ledgerHorizonMs?: number;
  /**
   * When the write-ahead log is copied back into the database file (two
   * fsyncs): `inline` (default), SQLite's automatic checkpoint, inside the
   * commit that fills the log past 1000 pages, so that write pays it;
   * `deferred`, on a timer after a run of writes, never inside one below a
   * 10 000-page backstop (deferredCheckpoints.ts). The host defers them
   * with `NORMAL`, so no interrupt waits for a checkpoint before its push.
   */
  readonly checkpoints?: "inline" | "deferred";
}

const OptionsSchema = z.object({
  path: z.string().min(1).optional(),
  busyTimeoutMs: z.number().int().nonnegative().max(2_147_483_647).optional(),
  synchronous: z.enum(["FULL", "NORMAL"]).optional(),
  ledgerHorizonMs: z.number().int().nonnegative().optional(),
  checkpoints: z.enum(["inline", "deferred"]).optional(),
});

const IN_MEMORY = ":memory:";

const openFailure = (path: string, cause: unknown, busyTimeoutMs: number): StoreError => {
  const error = toStoreError(cause, { busyTimeoutMs });
  return { ...error, message: `cannot open the store at ${path}: ${error.message}` };
};

/**
 * Open (creating and migrating if needed) the store at `options.path`.
 *
 * The connection uses WAL, the chosen `synchronous` mode, the busy timeout
 * and `foreign_keys = ON`.
 */
/**
 * `journal_mode = WAL` needs the file to itself: when two processes create
 * the store at the same moment, SQLite can answer SQLITE_BUSY at once
 * without its busy handler. Retry until the busy timeout, as any write would.
 */
const switchToWal = (db: Database.Database, busyTimeoutMs: number): unknown => {
  const deadline = Date.now() + busyTimeoutMs;
  for (;;) {
    try {
      return db.pragma("journal_mode = WAL", { simple: true });
    } catch (cause) {
      const busy = (cause as { code?: string }).code === "SQLITE_BUSY";
      if (!busy || Date.now() >= deadline) throw cause;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
};

/**
 * Open the store at `options.path` (default {@link defaultStorePath}), creating and migrating it if needed; never
 * throws.
 * @returns the store, or a `StoreUnavailable` / `StoreSchemaTooNew` / `StoreInvalidInput` error naming the file
 */
export const openSqliteStore = (options: SqliteStoreOptions = {}): E.Either<StoreError, SqliteStore> => {
  const checked = OptionsSchema.safeParse(options);
  if (!checked.success) return E.left(storeInvalidInput(`store options: ${describeZodError(checked.error)}`));
  if (options.now !== undefined && typeof options.now !== "function") {
    return E.left(storeInvalidInput("store options: now must be a function returning epoch milliseconds"));
  }
  const path = checked.data.path === IN_MEMORY ? IN_MEMORY : resolve(checked.data.path ?? defaultStorePath());
  const busyTimeoutMs = checked.data.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const synchronous = checked.data.synchronous ?? "FULL";

  if (path !== IN_MEMORY) {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      return E.left(storeUnavailable(`cannot create the directory for the store at ${path}: ${reason}`));
    }
  }

  let db: Database.Database;
  try {
    db = new Database(path, { timeout: busyTimeoutMs });
  } catch (cause) {
    return E.left(openFailure(path, cause, busyTimeoutMs));
  }

  const fail = (error: StoreError): E.Either<StoreError, SqliteStore> => {
    try {
      db.close();
    } catch {
      // The error being reported matters more than a failed close.
    }
    return E.left(error);
  };

  try {
    // The first statement reads the header: a file that is not a database fails here.
    const journalMode = String(switchToWal(db, busyTimeoutMs));
    if (path !== IN_MEMORY && journalMode.toLowerCase() !== "wal") {
      return fail(storeUnavailable(`cannot open the store at ${path}: journal_mode stayed ${journalMode}, not wal`));
    }
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma("foreign_keys = ON");
  } catch (cause) {
    return fail(openFailure(path, cause, busyTimeoutMs));
  }

  const migrated = migrate(db);
  if (E.isLeft(migrated)) {
    const error = migrated.left;
    return fail(
      error._tag === "StoreSchemaTooNew" ? error : { ...error, message: `cannot migrate ${path}: ${error.message}` },
    );
  }

  try {
    return E.right(
      new SqliteStore(db, {
        path,
        busyTimeoutMs,
        now: options.now ?? Date.now,
        ledgerHorizonMs: checked.data.ledgerHorizonMs ?? DEFAULT_LEDGER_HORIZON_MS,
        ...(checked.data.checkpoints === "deferred" && path !== IN_MEMORY ? { checkpoints: deferCheckpoints(db) } : {}),
      }),
    );
  } catch (cause) {
    return fail(openFailure(path, cause, busyTimeoutMs));
  }
};
