/**
 * The schema, as an ordered list of migrations recorded in
 * `<schema>.schema_version`.
 *
 * Guarantees: each migration runs in its own transaction together with the
 * version bump, so a crash leaves the schema at the previous version, never
 * half-migrated; the transaction holds a transaction-level advisory lock
 * keyed by the schema name, so hosts starting at once apply each migration
 * once. A schema whose version is newer than `SCHEMA_VERSION` is refused
 * untouched. It does not migrate downwards.
 *
 * The CHECK constraints repeat the zod rules of the core's schemas, so a row
 * written by another tool still has to respect them; reads re-validate.
 */
import type { StoreError } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import type pg from "pg";
import { quoteIdentifier } from "./schemaName.js";
import { StoreAbort, storeSchemaTooNew, toStoreError } from "./storeErrors.js";

/** One schema migration: its version, what it adds, and its SQL. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  /** The SQL, for the schema named by the (already quoted) identifier. */
  readonly sql: (schema: string) => string;
}

const paneIdCheck = (column: string): string => `(${column} ~ '^%[0-9]+$')`;
const textCheck = (column: string): string => `(char_length(${column}) BETWEEN 1 AND 2000)`;

/** Every migration, in version order; a database is brought up to the last one when opened. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description:
      "supervisor marker, restart ledger, flags, lease with its epoch, captain's log, alerts, interrupt outbox, conn state, role extensions, proposals, key-value state",
    sql: (s) => `
      CREATE TABLE ${s}.marker (
        id SMALLINT PRIMARY KEY CHECK (id = 1),
        pane_id TEXT NOT NULL CHECK ${paneIdCheck("pane_id")},
        token_hash TEXT NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        spawned_at BIGINT NOT NULL CHECK (spawned_at >= 0),
        attempt INTEGER NOT NULL CHECK (attempt > 0),
        updated_at BIGINT NOT NULL
      );

      CREATE TABLE ${s}.restart_ledger (
        attempt INTEGER PRIMARY KEY CHECK (attempt > 0),
        started_at BIGINT NOT NULL CHECK (started_at >= 0),
        ended_at BIGINT CHECK (ended_at IS NULL OR ended_at >= 0),
        pane_id TEXT CHECK (pane_id IS NULL OR ${paneIdCheck("pane_id")}),
        outcome TEXT NOT NULL CHECK (outcome IN ('starting', 'running', 'stable', 'unstable', 'spawn_failed'))
      );

      CREATE TABLE ${s}.supervisor_settings (
        id SMALLINT PRIMARY KEY CHECK (id = 1),
        gave_up BOOLEAN NOT NULL,
        kill_switch BOOLEAN NOT NULL,
        reset_at BIGINT CHECK (reset_at IS NULL OR reset_at >= 0),
        updated_at BIGINT NOT NULL
      );
      INSERT INTO ${s}.supervisor_settings (id, gave_up, kill_switch, reset_at, updated_at) VALUES (1, false, false, NULL, 0);

      -- One row for good: releasing clears the owner but keeps the epoch, so epochs only ever go up.
      CREATE TABLE ${s}.supervisor_lease (
        id SMALLINT PRIMARY KEY CHECK (id = 1),
        owner TEXT CHECK (owner IS NULL OR char_length(owner) BETWEEN 1 AND 200),
        expires_at BIGINT NOT NULL CHECK (expires_at >= 0),
        epoch BIGINT NOT NULL CHECK (epoch >= 0)
      );
      INSERT INTO ${s}.supervisor_lease (id, owner, expires_at, epoch) VALUES (1, NULL, 0, 0);

      CREATE TABLE ${s}.captains_log (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('standing_order', 'watch', 'narrative')),
        text TEXT NOT NULL CHECK ${textCheck("text")},
        at BIGINT NOT NULL CHECK (at >= 0),
        author TEXT NOT NULL CHECK (author IN ('first_mate', 'kit', 'human'))
      );
      CREATE INDEX captains_log_by_kind ON ${s}.captains_log (kind, id);

      CREATE TABLE ${s}.alerts (
        pane_id TEXT PRIMARY KEY CHECK ${paneIdCheck("pane_id")},
        kind TEXT NOT NULL CHECK (kind IN ('info', 'done', 'need_human')),
        message TEXT NOT NULL CHECK ${textCheck("message")},
        severity TEXT CHECK (severity IS NULL OR severity IN ('low', 'normal', 'high')),
        raised_at BIGINT NOT NULL CHECK (raised_at >= 0)
      );

      CREATE TABLE ${s}.outbox (
        seq BIGINT PRIMARY KEY CHECK (seq > 0),
        source TEXT NOT NULL CHECK ${paneIdCheck("source")},
        kind TEXT NOT NULL CHECK (kind IN ('need_human', 'report', 'ci_red')),
        message TEXT NOT NULL CHECK ${textCheck("message")},
        created_at BIGINT NOT NULL CHECK (created_at >= 0),
        delivered_at BIGINT
      );
      CREATE INDEX outbox_pending ON ${s}.outbox (seq) WHERE delivered_at IS NULL;

      -- The highest sequence number ever enqueued, kept apart from the rows so expiry cannot lower it.
      CREATE TABLE ${s}.outbox_state (
        id SMALLINT PRIMARY KEY CHECK (id = 1),
        last_seq BIGINT NOT NULL CHECK (last_seq >= 0)
      );
      INSERT INTO ${s}.outbox_state (id, last_seq) VALUES (1, 0);

      CREATE TABLE ${s}.conn_state (
        id SMALLINT PRIMARY KEY CHECK (id = 1),
        json TEXT NOT NULL,
        updated_at BIGINT NOT NULL
      );

      CREATE TABLE ${s}.role_extensions (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        text TEXT NOT NULL CHECK ${textCheck("text")},
        status TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected')),
        proposed_at BIGINT NOT NULL CHECK (proposed_at >= 0),
        decided_at BIGINT CHECK (decided_at IS NULL OR decided_at >= 0),
        decided_by TEXT CHECK (decided_by IS NULL OR char_length(decided_by) BETWEEN 1 AND 100),
        CHECK ((status = 'proposed') = (decided_at IS NULL AND decided_by IS NULL))
      );

      CREATE TABLE ${s}.proposals (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        action_json TEXT NOT NULL,
        reason TEXT NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
        proposed_at BIGINT NOT NULL CHECK (proposed_at >= 0),
        decided_at BIGINT CHECK (decided_at IS NULL OR decided_at >= 0),
        decided_by TEXT CHECK (decided_by IS NULL OR char_length(decided_by) BETWEEN 1 AND 100),
        CHECK ((status = 'pending') = (decided_at IS NULL AND decided_by IS NULL))
      );
      CREATE INDEX proposals_by_status ON ${s}.proposals (status, id);

      CREATE TABLE ${s}.kv (
        key TEXT PRIMARY KEY CHECK (char_length(key) BETWEEN 1 AND 200),
        json TEXT NOT NULL,
        updated_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: "pane identity: the marker and alerts keep the pane's pid and its tmux server (pid, start time)",
    sql: (s) => `
      -- NULL: not known yet (a marker is pinned at the first observation that shows its pane).
      ALTER TABLE ${s}.marker
        ADD COLUMN pane_pid BIGINT CHECK (pane_pid IS NULL OR pane_pid >= 0),
        ADD COLUMN tmux_server_pid BIGINT CHECK (tmux_server_pid IS NULL OR tmux_server_pid > 0),
        ADD COLUMN tmux_server_started_at BIGINT CHECK (tmux_server_started_at IS NULL OR tmux_server_started_at >= 0),
        ADD CHECK ((tmux_server_pid IS NULL) = (tmux_server_started_at IS NULL));
      ALTER TABLE ${s}.alerts
        ADD COLUMN pane_pid BIGINT CHECK (pane_pid IS NULL OR pane_pid >= 0),
        ADD COLUMN tmux_server_pid BIGINT CHECK (tmux_server_pid IS NULL OR tmux_server_pid > 0),
        ADD COLUMN tmux_server_started_at BIGINT CHECK (tmux_server_started_at IS NULL OR tmux_server_started_at >= 0),
        ADD CHECK ((tmux_server_pid IS NULL) = (tmux_server_started_at IS NULL));
    `,
  },
  {
    version: 3,
    description:
      "interrupt dedupe marks, source wakes and folded repeats, and the deferred spawn queue, kept across restarts",
    sql: (s) => `
      -- Dedupe keys hold NUL separators, which TEXT cannot: they are stored as JSON string text.
      CREATE TABLE ${s}.interrupt_dedupe (
        key_json TEXT PRIMARY KEY CHECK (key_json LIKE '"%"'),
        at BIGINT NOT NULL CHECK (at >= 0)
      );
      CREATE INDEX interrupt_dedupe_by_age ON ${s}.interrupt_dedupe (at);

      CREATE TABLE ${s}.interrupt_rate (
        source TEXT PRIMARY KEY CHECK ${paneIdCheck("source")},
        times_json TEXT NOT NULL CHECK (times_json LIKE '[%]'),
        last_at BIGINT NOT NULL CHECK (last_at >= 0)
      );
      CREATE INDEX interrupt_rate_by_recency ON ${s}.interrupt_rate (last_at);

      CREATE TABLE ${s}.interrupt_repeats (
        key_json TEXT PRIMARY KEY CHECK (key_json LIKE '"%"'),
        source TEXT NOT NULL CHECK (char_length(source) BETWEEN 1 AND 100),
        kind TEXT NOT NULL CHECK (char_length(kind) BETWEEN 1 AND 64),
        message TEXT NOT NULL CHECK ${textCheck("message")},
        count BIGINT NOT NULL CHECK (count > 0)
      );

      CREATE TABLE ${s}.deferred_spawns (
        id TEXT PRIMARY KEY CHECK (char_length(id) BETWEEN 1 AND 100),
        spawn_json TEXT NOT NULL,
        requested_at BIGINT NOT NULL CHECK (requested_at >= 0)
      );
    `,
  },
];

/** The newest schema version this code knows. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The version recorded in `<schema>.schema_version`; 0 when the schema or the table is missing. */
export const readSchemaVersion = async (client: pg.ClientBase, schema: string): Promise<number> => {
  const exists = await client.query<{ present: boolean }>("SELECT to_regclass($1) IS NOT NULL AS present", [
    `${quoteIdentifier(schema)}.schema_version`,
  ]);
  if (!exists.rows[0]?.present) return 0;
  const row = await client.query<{ version: number }>(
    `SELECT version FROM ${quoteIdentifier(schema)}.schema_version WHERE id = 1`,
  );
  return row.rows[0]?.version ?? 0;
};

/**
 * Bring `schema` up to `SCHEMA_VERSION` over `client` (a connection of its
 * own, not in a transaction). Idempotent: an up-to-date schema is only read.
 * Returns the version found before migrating.
 */
export const migrate = async (
  client: pg.ClientBase,
  schema: string,
  target: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<E.Either<StoreError, number>> => {
  const known = migrations[migrations.length - 1]?.version ?? 0;
  const quoted = quoteIdentifier(schema);
  try {
    const found = await readSchemaVersion(client, schema);
    if (found > known) return E.left(storeSchemaTooNew(schema, found, known));
    if (found === known) return E.right(found);
    await client.query("BEGIN");
    try {
      // Hosts starting at once queue here; the version is re-read under the lock.
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`first-mate migrations ${schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${quoted}.schema_version (
        id SMALLINT PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL CHECK (version >= 0)
      )`);
      await client.query(
        `INSERT INTO ${quoted}.schema_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING`,
      );
      const current = await readSchemaVersion(client, schema);
      if (current > known) throw new StoreAbort(storeSchemaTooNew(schema, current, known));
      for (const migration of migrations) {
        if (migration.version <= current) continue;
        await client.query(migration.sql(quoted));
        await client.query(`UPDATE ${quoted}.schema_version SET version = $1 WHERE id = 1`, [migration.version]);
      }
      await client.query("COMMIT");
    } catch (cause) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw cause;
    }
    return E.right(found);
  } catch (cause) {
    return E.left(toStoreError(cause, target));
  }
};
