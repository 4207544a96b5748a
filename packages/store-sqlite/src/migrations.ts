/**
 * The schema, as an ordered list of migrations keyed by `PRAGMA user_version`.
 *
 * Guarantees: each migration runs in its own `BEGIN IMMEDIATE` transaction
 * together with the version bump, so a crash leaves the file at the previous
 * version, never half-migrated; two processes opening the same new file
 * apply each migration once (the version is re-read under the write lock).
 * A file whose version is newer than `SCHEMA_VERSION` is refused untouched.
 * It does not migrate downwards.
 *
 * The CHECK constraints repeat the zod rules of the core's schemas, so a
 * row written by any other tool still has to respect them (only a
 * deliberate `PRAGMA ignore_check_constraints` gets past; reads re-validate).
 */

import type { StoreError } from "@first-mate/core";
import type Database from "better-sqlite3";
import * as E from "fp-ts/lib/Either.js";
import { storeSchemaTooNew, toStoreError } from "./storeErrors.js";

/** `/^%\d+$/` in SQL: a `%`, at least one digit, and nothing but digits after it. */
const paneIdCheck = (column: string): string =>
  `(${column} GLOB '%[0-9]*' AND substr(${column}, 2) NOT GLOB '*[^0-9]*')`;

const textCheck = (column: string): string => `length(${column}) BETWEEN 1 AND 2000`;

/** One schema migration: its version, what it adds, and its SQL. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/** Every migration, in version order; a database is brought up to the last one when opened, in one transaction. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "supervisor marker, restart ledger, flags, lease, captain's log, alerts, interrupt outbox",
    sql: `
      CREATE TABLE marker (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        pane_id TEXT NOT NULL CHECK ${paneIdCheck("pane_id")},
        token_hash TEXT NOT NULL CHECK (length(token_hash) = 64 AND token_hash NOT GLOB '*[^0-9a-f]*'),
        spawned_at INTEGER NOT NULL CHECK (spawned_at >= 0),
        attempt INTEGER NOT NULL CHECK (attempt > 0),
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE restart_ledger (
        attempt INTEGER PRIMARY KEY CHECK (attempt > 0),
        started_at INTEGER NOT NULL CHECK (started_at >= 0),
        ended_at INTEGER CHECK (ended_at IS NULL OR ended_at >= 0),
        pane_id TEXT CHECK (pane_id IS NULL OR ${paneIdCheck("pane_id")}),
        outcome TEXT NOT NULL CHECK (outcome IN ('starting', 'running', 'stable', 'unstable', 'spawn_failed'))
      ) STRICT;

      CREATE TABLE supervisor_settings (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        gave_up INTEGER NOT NULL CHECK (gave_up IN (0, 1)),
        kill_switch INTEGER NOT NULL CHECK (kill_switch IN (0, 1)),
        reset_at INTEGER CHECK (reset_at IS NULL OR reset_at >= 0),
        updated_at INTEGER NOT NULL
      ) STRICT;
      INSERT INTO supervisor_settings (id, gave_up, kill_switch, reset_at, updated_at) VALUES (1, 0, 0, NULL, 0);

      CREATE TABLE supervisor_lease (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        owner TEXT NOT NULL CHECK (length(owner) BETWEEN 1 AND 200),
        expires_at INTEGER NOT NULL CHECK (expires_at >= 0)
      ) STRICT;

      CREATE TABLE captains_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('standing_order', 'watch', 'narrative')),
        text TEXT NOT NULL CHECK (${textCheck("text")}),
        at INTEGER NOT NULL CHECK (at >= 0),
        author TEXT NOT NULL CHECK (author IN ('first_mate', 'kit', 'human'))
      ) STRICT;
      CREATE INDEX captains_log_by_kind ON captains_log (kind, id);

      CREATE TABLE alerts (
        pane_id TEXT PRIMARY KEY CHECK ${paneIdCheck("pane_id")},
        kind TEXT NOT NULL CHECK (kind IN ('info', 'done', 'need_human')),
        message TEXT NOT NULL CHECK (${textCheck("message")}),
        severity TEXT CHECK (severity IS NULL OR severity IN ('low', 'normal', 'high')),
        raised_at INTEGER NOT NULL CHECK (raised_at >= 0)
      ) STRICT;

      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY CHECK (seq > 0),
        source TEXT NOT NULL CHECK ${paneIdCheck("source")},
        kind TEXT NOT NULL CHECK (kind IN ('need_human', 'report', 'ci_red')),
        message TEXT NOT NULL CHECK (${textCheck("message")}),
        created_at INTEGER NOT NULL CHECK (created_at >= 0),
        delivered_at INTEGER
      ) STRICT;
      CREATE INDEX outbox_pending ON outbox (seq) WHERE delivered_at IS NULL;

      -- The highest sequence number ever enqueued, kept apart from the rows so expiry cannot lower it.
      CREATE TABLE outbox_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_seq INTEGER NOT NULL CHECK (last_seq >= 0)
      ) STRICT;
      INSERT INTO outbox_state (id, last_seq) VALUES (1, 0);
    `,
  },
  {
    version: 2,
    description: "conn state, role extensions and proposals, runtime key-value state",
    sql: `
      CREATE TABLE conn_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        json TEXT NOT NULL CHECK (json_valid(json)),
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE role_extensions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        text TEXT NOT NULL CHECK (${textCheck("text")}),
        status TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected')),
        proposed_at INTEGER NOT NULL CHECK (proposed_at >= 0),
        decided_at INTEGER CHECK (decided_at IS NULL OR decided_at >= 0),
        decided_by TEXT CHECK (decided_by IS NULL OR length(decided_by) BETWEEN 1 AND 100),
        CHECK ((status = 'proposed') = (decided_at IS NULL AND decided_by IS NULL))
      ) STRICT;

      CREATE TABLE kv (
        key TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200),
        json TEXT NOT NULL CHECK (json_valid(json)),
        updated_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    description: "proposals: conn-gated actions the kit did not run, for the human to decide",
    sql: `
      CREATE TABLE proposals (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        action_json TEXT NOT NULL CHECK (json_valid(action_json)),
        reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
        proposed_at INTEGER NOT NULL CHECK (proposed_at >= 0),
        decided_at INTEGER CHECK (decided_at IS NULL OR decided_at >= 0),
        decided_by TEXT CHECK (decided_by IS NULL OR length(decided_by) BETWEEN 1 AND 100),
        CHECK ((status = 'pending') = (decided_at IS NULL AND decided_by IS NULL))
      ) STRICT;
      CREATE INDEX proposals_by_status ON proposals (status, id);
    `,
  },
  {
    version: 4,
    description: "lease fencing epoch: raised each time the lease changes hands; holder-only writes must carry it",
    sql: `
      -- Kept apart from supervisor_lease: releasing the lease deletes that row, and the epoch must never go back.
      CREATE TABLE supervisor_lease_epoch (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        epoch INTEGER NOT NULL CHECK (epoch >= 0)
      ) STRICT;
      INSERT INTO supervisor_lease_epoch (id, epoch) VALUES (1, 0);
    `,
  },
  {
    version: 5,
    description: "pane identity: the marker and alerts keep the pane's pid and its tmux server (pid, start time)",
    sql: `
      -- NULL: not known yet (a marker is pinned at the first observation that shows its pane).
      ALTER TABLE marker ADD COLUMN pane_pid INTEGER CHECK (pane_pid IS NULL OR pane_pid >= 0);
      ALTER TABLE marker ADD COLUMN tmux_server_pid INTEGER CHECK (tmux_server_pid IS NULL OR tmux_server_pid > 0);
      ALTER TABLE marker ADD COLUMN tmux_server_started_at INTEGER
        CHECK ((tmux_server_started_at IS NULL) = (tmux_server_pid IS NULL) AND (tmux_server_started_at IS NULL OR tmux_server_started_at >= 0));
      ALTER TABLE alerts ADD COLUMN pane_pid INTEGER CHECK (pane_pid IS NULL OR pane_pid >= 0);
      ALTER TABLE alerts ADD COLUMN tmux_server_pid INTEGER CHECK (tmux_server_pid IS NULL OR tmux_server_pid > 0);
      ALTER TABLE alerts ADD COLUMN tmux_server_started_at INTEGER
        CHECK ((tmux_server_started_at IS NULL) = (tmux_server_pid IS NULL) AND (tmux_server_started_at IS NULL OR tmux_server_started_at >= 0));
    `,
  },
  {
    version: 6,
    description:
      "interrupt dedupe marks, source wakes and folded repeats, and the deferred spawn queue, kept across restarts",
    sql: `
      -- Dedupe keys hold NUL separators: they are stored as JSON string text.
      CREATE TABLE interrupt_dedupe (
        key_json TEXT PRIMARY KEY CHECK (json_valid(key_json) AND json_type(key_json) = 'text'),
        at INTEGER NOT NULL CHECK (at >= 0)
      ) STRICT;
      CREATE INDEX interrupt_dedupe_by_age ON interrupt_dedupe (at);

      CREATE TABLE interrupt_rate (
        source TEXT PRIMARY KEY CHECK ${paneIdCheck("source")},
        times_json TEXT NOT NULL CHECK (json_valid(times_json) AND json_type(times_json) = 'array'),
        last_at INTEGER NOT NULL CHECK (last_at >= 0)
      ) STRICT;
      CREATE INDEX interrupt_rate_by_recency ON interrupt_rate (last_at);

      CREATE TABLE interrupt_repeats (
        key_json TEXT PRIMARY KEY CHECK (json_valid(key_json) AND json_type(key_json) = 'text'),
        source TEXT NOT NULL CHECK (length(source) BETWEEN 1 AND 100),
        kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
        message TEXT NOT NULL CHECK (${textCheck("message")}),
        count INTEGER NOT NULL CHECK (count > 0)
      ) STRICT;

      CREATE TABLE deferred_spawns (
        id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 100),
        spawn_json TEXT NOT NULL CHECK (json_valid(spawn_json)),
        requested_at INTEGER NOT NULL CHECK (requested_at >= 0)
      ) STRICT;
    `,
  },
];

/** The newest schema version this code knows. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]!.version;

const readUserVersion = (db: Database.Database): number => Number(db.pragma("user_version", { simple: true }));

/**
 * Bring `db` up to `SCHEMA_VERSION`. Idempotent: an up-to-date file is only
 * read. Returns the version found before migrating.
 */
export const migrate = (
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
): E.Either<StoreError, number> => {
  const known = migrations[migrations.length - 1]?.version ?? 0;
  try {
    const found = readUserVersion(db);
    if (found > known) return E.left(storeSchemaTooNew(found, known));
    for (const migration of migrations) {
      if (migration.version <= found) continue;
      const apply = db.transaction(() => {
        // Another process may have migrated while we waited for the write lock.
        const current = readUserVersion(db);
        if (current > known) return E.left(storeSchemaTooNew(current, known));
        if (current >= migration.version) return E.right(undefined);
        db.exec(migration.sql);
        db.pragma(`user_version = ${migration.version}`);
        return E.right(undefined);
      });
      const applied = apply.immediate();
      if (E.isLeft(applied)) return applied;
    }
    return E.right(found);
  } catch (cause) {
    return E.left(toStoreError(cause));
  }
};
