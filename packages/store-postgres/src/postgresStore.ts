/**
 * `PostgresStore`: the core's `StorePort` over PostgreSQL (several hosts
 * sharing one fleet), plus the `AuthorityStorePort` (conn, proposals, role
 * extensions) and a key-value table for runtime state.
 *
 * Guarantees:
 * - Every write is one transaction; its promise resolves Right only after
 *   COMMIT returned, i.e. after the server made it durable (with the
 *   server's default `synchronous_commit = on`, the WAL is flushed).
 * - Input is validated with the core's zod schemas before anything is sent
 *   (`StoreInvalidInput`); rows read back are validated again
 *   (`StoreCorruptRow` naming the table).
 * - No method throws or rejects: every failure is a `StoreError` value. A
 *   lost connection is `StoreUnavailable` for the call that met it (a write
 *   whose COMMIT got no answer is reported as failed, never as done); the
 *   pool opens a fresh connection for the next call, so the store recovers
 *   by itself when the server is back.
 * - The lease is one row locked `FOR UPDATE` while it is renewed; its epoch
 *   goes up by one each time the lease changes hands and never goes down.
 * - `hydrate` reads everything in one REPEATABLE READ snapshot.
 *
 * It does not: retry (the caller decides), or decide policy (who may take
 * the lease is the caller's `owner`; when to prune is the caller's call).
 */
import {
  type Alert,
  AlertSchema,
  type AuthorityStorePort,
  type Conn,
  ConnSchema,
  comparePaneIds,
  DEFERRED_SPAWN_CAP,
  type Decision,
  DecisionSchema,
  type DeferredSpawnChange,
  DeferredSpawnChangeSchema,
  type Hydration,
  INTERRUPT_TABLE_CAPS,
  type InterruptTableChanges,
  InterruptTableChangesSchema,
  type InterruptTables,
  type LeaseState,
  type LogEntry,
  type LogKind,
  LogReadQuerySchema,
  LogTextSchema,
  type Marker,
  MarkerSchema,
  type NewLogEntry,
  NewLogEntrySchema,
  type NewProposal,
  NewProposalSchema,
  type OutboxEntry,
  OutboxEntrySchema,
  type PaneId,
  PaneIdSchema,
  type Proposal,
  type ProposalStatus,
  ProposalStatusSchema,
  type RoleExtension,
  type RoleExtensionStatus,
  RoleExtensionStatusSchema,
  type StartRecord,
  StartRecordSchema,
  type StoreError,
  type StorePort,
  type StoreResult,
  type SupervisorFlags,
} from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import type pg from "pg";
import { z } from "zod";
import {
  decodeAlert,
  decodeDedupeMark,
  decodeDeferredSpawn,
  decodeJson,
  decodeLastOutboxSeq,
  decodeLease,
  decodeLogEntry,
  decodeMarker,
  decodeOutboxEntry,
  decodeProposal,
  decodeRepeat,
  decodeRoleExtension,
  decodeSourceWakes,
  decodeStartRecord,
  decodeSupervisorFlags,
  paneIdentityColumns,
  type Row,
} from "./rowDecoders.js";
import {
  describeZodError,
  StoreAbort,
  storeConstraint,
  storeInvalidInput,
  storeStaleEpoch,
  storeUnavailable,
  toStoreError,
} from "./storeErrors.js";

/** Largest JSON document accepted by `setKv` and the conn, in UTF-16 code units. */
export const MAX_JSON_LENGTH = 64 * 1024;

/** How far back `hydrate` reads the restart ledger by default: 24 hours. */
export const DEFAULT_LEDGER_HORIZON_MS = 24 * 60 * 60 * 1000;

/** Settings fixed when the store is opened. */
export interface PostgresStoreSettings {
  /** The schema, already quoted. */
  readonly quotedSchema: string;
  /** The schema as configured. */
  readonly schema: string;
  /** The server and database, without a password, for error messages. */
  readonly target: string;
  readonly now: () => number;
  readonly ledgerHorizonMs: number;
}

const TimeSchema = z.number().int().nonnegative();
const BoundSchema = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const SeqSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const OwnerSchema = z.string().min(1).max(200);
const TtlSchema = z.number().int().positive();
const EpochSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const KeepNewestSchema = z.number().int().nonnegative();
const IdSchema = z.number().int().positive();
const KvKeySchema = z.string().min(1).max(200);

const sqlFor = (s: string) =>
  ({
    selectMarker: `SELECT pane_id, token_hash, spawned_at, attempt, pane_pid, tmux_server_pid, tmux_server_started_at
      FROM ${s}.marker WHERE id = 1`,
    upsertMarker: `INSERT INTO ${s}.marker (id, pane_id, token_hash, spawned_at, attempt, updated_at,
        pane_pid, tmux_server_pid, tmux_server_started_at)
      VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8)
      ON CONFLICT (id) DO UPDATE SET pane_id = excluded.pane_id, token_hash = excluded.token_hash,
        spawned_at = excluded.spawned_at, attempt = excluded.attempt, updated_at = excluded.updated_at,
        pane_pid = excluded.pane_pid, tmux_server_pid = excluded.tmux_server_pid,
        tmux_server_started_at = excluded.tmux_server_started_at`,
    deleteMarkerOfPane: `DELETE FROM ${s}.marker WHERE id = 1 AND pane_id = $1`,

    upsertStart: `INSERT INTO ${s}.restart_ledger (attempt, started_at, ended_at, pane_id, outcome)
      VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (attempt) DO UPDATE SET started_at = excluded.started_at, ended_at = excluded.ended_at,
        pane_id = excluded.pane_id, outcome = excluded.outcome`,
    selectLedgerSince: `SELECT attempt, started_at, ended_at, pane_id, outcome FROM ${s}.restart_ledger
      WHERE started_at >= $1 OR ended_at IS NULL OR ended_at >= $1 ORDER BY attempt`,
    selectNewestStart: `SELECT attempt, started_at, ended_at, pane_id, outcome FROM ${s}.restart_ledger
      ORDER BY attempt DESC LIMIT 1`,

    selectFlags: `SELECT gave_up, kill_switch, reset_at FROM ${s}.supervisor_settings WHERE id = 1`,
    upsertGaveUp: `INSERT INTO ${s}.supervisor_settings (id, gave_up, kill_switch, reset_at, updated_at)
      VALUES (1, true, false, NULL, $1)
      ON CONFLICT (id) DO UPDATE SET gave_up = true, updated_at = excluded.updated_at`,
    upsertReset: `INSERT INTO ${s}.supervisor_settings (id, gave_up, kill_switch, reset_at, updated_at)
      VALUES (1, false, false, $1, $2)
      ON CONFLICT (id) DO UPDATE SET gave_up = false, reset_at = excluded.reset_at, updated_at = excluded.updated_at`,
    upsertKillSwitch: `INSERT INTO ${s}.supervisor_settings (id, gave_up, kill_switch, reset_at, updated_at)
      VALUES (1, false, $1, NULL, $2)
      ON CONFLICT (id) DO UPDATE SET kill_switch = excluded.kill_switch, updated_at = excluded.updated_at`,

    insertLog: `INSERT INTO ${s}.captains_log (kind, text, at, author) VALUES ($1, $2, $3, $4) RETURNING id`,
    selectLogNewest: `SELECT id, kind, text, at, author FROM ${s}.captains_log ORDER BY id DESC LIMIT $1`,
    selectLogNewestOfKind: `SELECT id, kind, text, at, author FROM ${s}.captains_log WHERE kind = $1
      ORDER BY id DESC LIMIT $2`,
    pruneLog: `DELETE FROM ${s}.captains_log WHERE kind <> 'standing_order' AND id NOT IN (
      SELECT id FROM ${s}.captains_log WHERE kind <> 'standing_order' ORDER BY id DESC LIMIT $1)`,

    upsertAlert: `INSERT INTO ${s}.alerts (pane_id, kind, message, severity, raised_at,
        pane_pid, tmux_server_pid, tmux_server_started_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
      ON CONFLICT (pane_id) DO UPDATE SET kind = excluded.kind, message = excluded.message,
        severity = excluded.severity, raised_at = excluded.raised_at, pane_pid = excluded.pane_pid,
        tmux_server_pid = excluded.tmux_server_pid, tmux_server_started_at = excluded.tmux_server_started_at`,
    deleteAlert: `DELETE FROM ${s}.alerts WHERE pane_id = $1`,
    selectAlerts: `SELECT pane_id, kind, message, severity, raised_at, pane_pid, tmux_server_pid, tmux_server_started_at
      FROM ${s}.alerts`,

    // One statement (so one round trip, atomic on its own): the lease epoch checked under a share lock
    // (a renewal changing hands waits for it, or it sees the new epoch), the row, the raised high-water mark.
    enqueueOutbox: `WITH lease AS (
        SELECT epoch FROM ${s}.supervisor_lease WHERE id = 1 FOR SHARE),
      fence AS (SELECT COALESCE((SELECT epoch FROM lease), 0) AS epoch),
      inserted AS (
        INSERT INTO ${s}.outbox (seq, source, kind, message, created_at, delivered_at)
        SELECT $1::bigint, $2::text, $3::text, $4::text, $5::bigint, NULL FROM fence WHERE fence.epoch = $6::bigint
        RETURNING seq),
      raised AS (
        INSERT INTO ${s}.outbox_state (id, last_seq) SELECT 1, seq FROM inserted
        ON CONFLICT (id) DO UPDATE SET last_seq = GREATEST(${s}.outbox_state.last_seq, excluded.last_seq)
        RETURNING last_seq)
      SELECT (SELECT epoch FROM fence) AS epoch, (SELECT count(*)::int FROM raised) AS enqueued`,
    selectPending: `SELECT seq, source, kind, message, created_at FROM ${s}.outbox
      WHERE delivered_at IS NULL ORDER BY seq`,
    markDelivered: `UPDATE ${s}.outbox SET delivered_at = $2 WHERE seq = $1 AND delivered_at IS NULL`,
    expirePending: `DELETE FROM ${s}.outbox WHERE delivered_at IS NULL AND created_at < $1`,
    selectLastSeq: `SELECT last_seq FROM ${s}.outbox_state WHERE id = 1`,
    pruneDelivered: `DELETE FROM ${s}.outbox WHERE delivered_at IS NOT NULL AND delivered_at < $1`,

    selectLease: `SELECT owner, expires_at, epoch FROM ${s}.supervisor_lease WHERE id = 1`,
    lockLease: `SELECT owner, expires_at, epoch FROM ${s}.supervisor_lease WHERE id = 1 FOR UPDATE`,
    upsertLease: `INSERT INTO ${s}.supervisor_lease (id, owner, expires_at, epoch) VALUES (1, $1, $2, $3)
      ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at, epoch = excluded.epoch`,
    releaseLease: `UPDATE ${s}.supervisor_lease SET owner = NULL, expires_at = 0 WHERE id = 1 AND owner = $1`,

    upsertDedupe: `INSERT INTO ${s}.interrupt_dedupe (key_json, at) VALUES ($1, $2)
      ON CONFLICT (key_json) DO UPDATE SET at = excluded.at`,
    deleteDedupe: `DELETE FROM ${s}.interrupt_dedupe WHERE key_json = $1`,
    trimDedupe: `DELETE FROM ${s}.interrupt_dedupe WHERE key_json IN (
      SELECT key_json FROM ${s}.interrupt_dedupe ORDER BY at DESC, key_json OFFSET $1)`,
    selectDedupe: `SELECT key_json, at FROM ${s}.interrupt_dedupe ORDER BY at, key_json`,
    upsertRate: `INSERT INTO ${s}.interrupt_rate (source, times_json, last_at) VALUES ($1, $2, $3)
      ON CONFLICT (source) DO UPDATE SET times_json = excluded.times_json, last_at = excluded.last_at`,
    deleteRate: `DELETE FROM ${s}.interrupt_rate WHERE source = $1`,
    trimRate: `DELETE FROM ${s}.interrupt_rate WHERE source IN (
      SELECT source FROM ${s}.interrupt_rate ORDER BY last_at DESC, source OFFSET $1)`,
    selectRate: `SELECT source, times_json FROM ${s}.interrupt_rate ORDER BY last_at, source`,
    upsertRepeat: `INSERT INTO ${s}.interrupt_repeats (key_json, source, kind, message, count)
      VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (key_json) DO UPDATE SET source = excluded.source, kind = excluded.kind,
        message = excluded.message, count = excluded.count`,
    deleteRepeat: `DELETE FROM ${s}.interrupt_repeats WHERE key_json = $1`,
    countRepeats: `SELECT count(*)::int AS n FROM ${s}.interrupt_repeats`,
    selectRepeats: `SELECT key_json, source, kind, message, count FROM ${s}.interrupt_repeats ORDER BY key_json`,

    upsertDeferred: `INSERT INTO ${s}.deferred_spawns (id, spawn_json, requested_at) VALUES ($1, $2, $3)
      ON CONFLICT (id) DO UPDATE SET spawn_json = excluded.spawn_json, requested_at = excluded.requested_at`,
    deleteDeferred: `DELETE FROM ${s}.deferred_spawns WHERE id = $1`,
    countDeferred: `SELECT count(*)::int AS n FROM ${s}.deferred_spawns`,
    selectDeferred: `SELECT spawn_json FROM ${s}.deferred_spawns ORDER BY requested_at, id`,

    selectConn: `SELECT json FROM ${s}.conn_state WHERE id = 1`,
    upsertConn: `INSERT INTO ${s}.conn_state (id, json, updated_at) VALUES (1, $1, $2)
      ON CONFLICT (id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at`,

    insertExtension: `INSERT INTO ${s}.role_extensions (text, status, proposed_at) VALUES ($1, 'proposed', $2)
      RETURNING id, text, status, proposed_at, decided_at, decided_by`,
    lockExtension: `SELECT id, text, status, proposed_at, decided_at, decided_by FROM ${s}.role_extensions
      WHERE id = $1 FOR UPDATE`,
    decideExtension: `UPDATE ${s}.role_extensions SET status = $2, decided_at = $3, decided_by = $4
      WHERE id = $1 AND status = 'proposed' RETURNING id, text, status, proposed_at, decided_at, decided_by`,
    selectExtensions: `SELECT id, text, status, proposed_at, decided_at, decided_by FROM ${s}.role_extensions
      ORDER BY id`,
    selectExtensionsOfStatus: `SELECT id, text, status, proposed_at, decided_at, decided_by FROM ${s}.role_extensions
      WHERE status = $1 ORDER BY id`,

    insertProposal: `INSERT INTO ${s}.proposals (action_json, reason, status, proposed_at)
      VALUES ($1, $2, 'pending', $3)
      RETURNING id, action_json, reason, status, proposed_at, decided_at, decided_by`,
    lockProposal: `SELECT id, action_json, reason, status, proposed_at, decided_at, decided_by FROM ${s}.proposals
      WHERE id = $1 FOR UPDATE`,
    decideProposal: `UPDATE ${s}.proposals SET status = $2, decided_at = $3, decided_by = $4
      WHERE id = $1 AND status = 'pending'
      RETURNING id, action_json, reason, status, proposed_at, decided_at, decided_by`,
    selectProposals: `SELECT id, action_json, reason, status, proposed_at, decided_at, decided_by FROM ${s}.proposals
      ORDER BY id`,
    selectProposalsOfStatus: `SELECT id, action_json, reason, status, proposed_at, decided_at, decided_by
      FROM ${s}.proposals WHERE status = $1 ORDER BY id`,

    selectKv: `SELECT json FROM ${s}.kv WHERE key = $1`,
    upsertKv: `INSERT INTO ${s}.kv (key, json, updated_at) VALUES ($1, $2, $3)
      ON CONFLICT (key) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at`,
    deleteKv: `DELETE FROM ${s}.kv WHERE key = $1`,
  }) as const;

type StatementName = keyof ReturnType<typeof sqlFor>;

/** What a unit of work may run: named statements, prepared once per connection. */
interface Session {
  rows(statement: StatementName, values?: readonly unknown[]): Promise<Row[]>;
  row(statement: StatementName, values?: readonly unknown[]): Promise<Row | undefined>;
  /** Rows changed. */
  run(statement: StatementName, values?: readonly unknown[]): Promise<number>;
}

const validate = <T>(schema: z.ZodType<T>, input: unknown, what: string): T => {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new StoreAbort(storeInvalidInput(`${what}: ${describeZodError(parsed.error)}`));
  return parsed.data;
};

/** JSON text for a value, or an invalid-input abort when it has none or is too large. */
const toJsonText = (value: unknown, what: string): string => {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new StoreAbort(
      storeInvalidInput(`${what}: not serialisable as JSON (${cause instanceof Error ? cause.message : cause})`),
    );
  }
  if (text === undefined) throw new StoreAbort(storeInvalidInput(`${what}: not serialisable as JSON`));
  if (text.length > MAX_JSON_LENGTH) {
    throw new StoreAbort(storeInvalidInput(`${what}: ${text.length} characters of JSON, at most ${MAX_JSON_LENGTH}`));
  }
  return text;
};

/** The store. Obtain one with `openPostgresStore`; the constructor expects a pool on a migrated schema. */
export class PostgresStore implements StorePort, AuthorityStorePort {
  /** The schema this store's tables live in. */
  readonly schema: string;
  /** The server and database (no password), as named in error messages. */
  readonly target: string;
  private readonly sql: ReturnType<typeof sqlFor>;
  private closed = false;

  /** @internal Use `openPostgresStore`. */
  constructor(
    private readonly pool: pg.Pool,
    private readonly settings: PostgresStoreSettings,
  ) {
    this.schema = settings.schema;
    this.target = settings.target;
    this.sql = sqlFor(settings.quotedSchema);
  }

  // ── plumbing ────────────────────────────────────────────────────────────

  private session(client: pg.ClientBase | pg.Pool): Session {
    const query = (statement: StatementName, values: readonly unknown[] = []) =>
      client.query<Row>({
        name: `first-mate:${this.settings.schema}:${statement}`,
        text: this.sql[statement],
        values: [...values],
      });
    return {
      rows: async (statement, values) => (await query(statement, values)).rows,
      row: async (statement, values) => (await query(statement, values)).rows[0],
      run: async (statement, values) => (await query(statement, values)).rowCount ?? 0,
    };
  }

  private closedError(): StoreError {
    return storeUnavailable(`the store on ${this.target} (schema ${this.schema}) is closed`);
  }

  /** Validation first (nothing reaches the server on bad input), then one statement on any pooled connection. */
  private async single<I, T>(prepare: () => I, work: (session: Session, input: I) => Promise<T>): StoreResult<T> {
    if (this.closed) return E.left(this.closedError());
    try {
      const input = prepare();
      return E.right(await work(this.session(this.pool), input));
    } catch (cause) {
      return E.left(toStoreError(cause, this.target));
    }
  }

  /**
   * Validation first, then `work` inside one transaction on one connection.
   * A connection that failed is destroyed rather than returned to the pool.
   */
  private async transaction<I, T>(
    prepare: () => I,
    work: (session: Session, input: I) => Promise<T>,
    begin = "BEGIN",
  ): StoreResult<T> {
    if (this.closed) return E.left(this.closedError());
    let input: I;
    try {
      input = prepare();
    } catch (cause) {
      return E.left(toStoreError(cause, this.target));
    }
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (cause) {
      return E.left(toStoreError(cause, this.target));
    }
    // A connection that dies between two statements of the unit of work emits "error" on the
    // client, which always has a listener (see openPostgresStore): the failure reaches the work
    // through its next statement.
    let broken: Error | undefined;
    try {
      await client.query(begin);
      const result = await work(this.session(client), input);
      await client.query("COMMIT");
      return E.right(result);
    } catch (cause) {
      try {
        await client.query("ROLLBACK");
      } catch (rollbackFailure) {
        // The connection is gone: destroy it instead of returning it to the pool.
        broken = rollbackFailure instanceof Error ? rollbackFailure : new Error(String(rollbackFailure));
      }
      return E.left(toStoreError(cause, this.target));
    } finally {
      client.release(broken);
    }
  }

  private write<I, T>(prepare: () => I, work: (session: Session, input: I) => Promise<T>): StoreResult<T> {
    return this.transaction(prepare, work);
  }

  /**
   * A holder-only write: like `write`, but it first locks the lease row and
   * checks that `epoch` is its current epoch, refusing with
   * `StoreStaleEpoch` (writing nothing) when another host took the lease since.
   */
  private fencedWrite<I, T>(
    epoch: number,
    prepare: () => I,
    work: (session: Session, input: I) => Promise<T>,
  ): StoreResult<T> {
    return this.write(
      () => ({ epoch: validate(EpochSchema, epoch, "lease epoch"), input: prepare() }),
      async (session, valid) => {
        const current = decodeLease(await session.row("lockLease")).epoch;
        if (valid.epoch !== current) throw new StoreAbort(storeStaleEpoch(valid.epoch, current));
        return work(session, valid.input);
      },
    );
  }

  /** Several reads from one snapshot. */
  private readTogether<T>(work: (session: Session) => Promise<T>): StoreResult<T> {
    return this.transaction(
      () => undefined,
      (session) => work(session),
      "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    );
  }

  private async readLedgerRows(session: Session, since: number): Promise<StartRecord[]> {
    return (await session.rows("selectLedgerSince", [since])).map(decodeStartRecord);
  }

  private async readAlertRows(session: Session): Promise<Alert[]> {
    return (await session.rows("selectAlerts")).map(decodeAlert).sort((a, b) => comparePaneIds(a.paneId, b.paneId));
  }

  private async readPendingRows(session: Session): Promise<OutboxEntry[]> {
    return (await session.rows("selectPending")).map(decodeOutboxEntry);
  }

  private async readMarkerRow(session: Session): Promise<Marker | null> {
    const row = await session.row("selectMarker");
    return row === undefined ? null : decodeMarker(row);
  }

  /** Fail safe: a conn row that is not a valid conn reads as null, i.e. the human holds the conn. */
  private async readConnRow(session: Session): Promise<Conn | null> {
    const row = await session.row("selectConn");
    if (row === undefined) return null;
    let value: unknown;
    try {
      value = JSON.parse(String(row.json));
    } catch {
      return null;
    }
    const parsed = ConnSchema.safeParse(value);
    return parsed.success ? parsed.data : null;
  }

  // ── StorePort ───────────────────────────────────────────────────────────

  /**
   * Everything the core rebuilds from, in one snapshot: the marker, the
   * flags, all alerts, the pending outbox, the conn, and the ledger rows
   * active within the horizon (default 24 h) plus the newest row whatever
   * its age, so attempt numbers keep counting up across long quiet spells.
   */
  async hydrate(): StoreResult<Hydration> {
    return this.readTogether(async (session) => {
      const since = this.settings.now() - this.settings.ledgerHorizonMs;
      const ledger = await this.readLedgerRows(session, since);
      const newestRow = await session.row("selectNewestStart");
      if (newestRow !== undefined) {
        const newest = decodeStartRecord(newestRow);
        if (!ledger.some((record) => record.attempt === newest.attempt)) ledger.push(newest);
      }
      const flags = decodeSupervisorFlags(await session.row("selectFlags"));
      return {
        marker: await this.readMarkerRow(session),
        ledger,
        outbox: await this.readPendingRows(session),
        alerts: await this.readAlertRows(session),
        lastOutboxSeq: decodeLastOutboxSeq(await session.row("selectLastSeq")),
        killSwitch: flags.killSwitch,
        gaveUp: flags.gaveUp,
        resetAt: flags.resetAt,
        conn: await this.readConnRow(session),
        interruptTables: await this.readInterruptTables(session),
        deferred: (await session.rows("selectDeferred")).map(decodeDeferredSpawn),
      };
    });
  }

  private async readInterruptTables(session: Session): Promise<InterruptTables> {
    return {
      dedupeMarks: (await session.rows("selectDedupe")).map(decodeDedupeMark),
      sourceWakes: (await session.rows("selectRate")).map(decodeSourceWakes),
      repeats: (await session.rows("selectRepeats")).map(decodeRepeat),
    };
  }

  async readMarker(): StoreResult<Marker | null> {
    return this.single(
      () => undefined,
      (session) => this.readMarkerRow(session),
    );
  }

  async setMarker(marker: Marker, epoch: number): StoreResult<void> {
    return this.fencedWrite(
      epoch,
      () => validate(MarkerSchema, marker, "marker"),
      async (session, valid) => {
        await session.run("upsertMarker", [
          valid.paneId,
          valid.tokenHash,
          valid.spawnedAt,
          valid.attempt,
          this.settings.now(),
          ...paneIdentityColumns(valid),
        ]);
      },
    );
  }

  /** Clears the marker only if it still names `paneId`; a successor's marker stays. */
  async clearMarker(paneId: PaneId, epoch: number): StoreResult<void> {
    return this.fencedWrite(
      epoch,
      () => validate(PaneIdSchema, paneId, "pane id"),
      async (session, valid) => {
        await session.run("deleteMarkerOfPane", [valid]);
      },
    );
  }

  async recordStart(record: StartRecord, epoch: number): StoreResult<void> {
    return this.fencedWrite(
      epoch,
      () => validate(StartRecordSchema, record, "start record"),
      async (session, valid) => {
        await session.run("upsertStart", [valid.attempt, valid.startedAt, valid.endedAt, valid.paneId, valid.outcome]);
      },
    );
  }

  /** Ledger rows that started or ended at or after `since`, or are still open; oldest attempt first. */
  async readLedger(since: number): StoreResult<readonly StartRecord[]> {
    return this.single(
      () => validate(BoundSchema, since, "since"),
      (session, valid) => this.readLedgerRows(session, valid),
    );
  }

  /**
   * `true` records a give-up (keeping the last reset time), fenced by the
   * holder's `epoch`; `false` is the human's reset (`epoch` null, anyone may)
   * and stores `at` as `resetAt`.
   */
  async setSupervisorGaveUp(gaveUp: boolean, at: number, epoch: number | null): StoreResult<void> {
    const prepare = () => {
      const valid = { gaveUp: validate(z.boolean(), gaveUp, "gave up flag"), at: validate(TimeSchema, at, "at") };
      if (valid.gaveUp && epoch === null)
        throw new StoreAbort(storeInvalidInput("a give-up must carry the lease epoch"));
      return valid;
    };
    const work = async (session: Session, valid: { gaveUp: boolean; at: number }) => {
      if (valid.gaveUp) await session.run("upsertGaveUp", [this.settings.now()]);
      else await session.run("upsertReset", [valid.at, this.settings.now()]);
    };
    return epoch === null ? this.write(prepare, work) : this.fencedWrite(epoch, prepare, work);
  }

  async appendLog(entry: NewLogEntry): StoreResult<LogEntry> {
    return this.write(
      () => validate(NewLogEntrySchema, entry, "log entry"),
      async (session, valid) => {
        const row = await session.row("insertLog", [valid.kind, valid.text, valid.at, valid.author]);
        return { ...valid, id: Number(row?.id) };
      },
    );
  }

  async readLog(query: { readonly limit: number; readonly kind?: LogKind }): StoreResult<readonly LogEntry[]> {
    return this.single(
      () => validate(LogReadQuerySchema, query, "log query"),
      async (session, { limit, kind }) => {
        const rows =
          kind === undefined
            ? await session.rows("selectLogNewest", [limit])
            : await session.rows("selectLogNewestOfKind", [kind, limit]);
        return rows.map(decodeLogEntry);
      },
    );
  }

  /** Fenced by `epoch`, like every alert and outbox write. */
  async setAlert(alert: Alert, epoch: number): StoreResult<void> {
    return this.fencedWrite(
      epoch,
      () => validate(AlertSchema, alert, "alert"),
      async (session, valid) => {
        await session.run("upsertAlert", [
          valid.paneId,
          valid.kind,
          valid.message,
          valid.severity ?? null,
          valid.raisedAt,
          ...paneIdentityColumns(valid),
        ]);
      },
    );
  }

  async clearAlert(paneId: PaneId, epoch: number): StoreResult<void> {
    return this.fencedWrite(
      epoch,
      () => validate(PaneIdSchema, paneId, "pane id"),
      async (session, valid) => {
        await session.run("deleteAlert", [valid]);
      },
    );
  }

  /** The newest alert of each pane, in pane order (%2 before %10). */
  async readAlerts(): StoreResult<readonly Alert[]> {
    return this.single(
      () => undefined,
      (session) => this.readAlertRows(session),
    );
  }

  /**
   * A sequence number still on file (pending or delivered) is a
   * `StoreConstraint`. Raises the high-water mark `hydrate` reports as
   * `lastOutboxSeq`, which expiry and pruning never lower.
   */
  async enqueueOutbox(entry: OutboxEntry, epoch: number): StoreResult<void> {
    return this.single(
      () => ({
        entry: validate(OutboxEntrySchema, entry, "outbox entry"),
        epoch: validate(EpochSchema, epoch, "lease epoch"),
      }),
      async (session, { entry: valid, epoch: fence }) => {
        const row = await session.row("enqueueOutbox", [
          valid.seq,
          valid.source,
          valid.kind,
          valid.message,
          valid.createdAt,
          fence,
        ]);
        if (Number(row?.enqueued) !== 1) throw new StoreAbort(storeStaleEpoch(fence, Number(row?.epoch ?? 0)));
      },
    );
  }

  /** Pending entries in sequence order, whichever host enqueued them and in whatever order they committed. */
  async listOutbox(): StoreResult<readonly OutboxEntry[]> {
    return this.single(
      () => undefined,
      (session) => this.readPendingRows(session),
    );
  }

  /** Idempotent: an entry already delivered, expired or never enqueued is left as it is. */
  async markDelivered(seq: number, epoch: number): StoreResult<void> {
    return this.fencedWrite(
      epoch,
      () => validate(SeqSchema, seq, "sequence number"),
      async (session, valid) => {
        await session.run("markDelivered", [valid, this.settings.now()]);
      },
    );
  }

  async expireOutbox(before: number, epoch: number): StoreResult<number> {
    return this.fencedWrite(
      epoch,
      () => validate(BoundSchema, before, "expiry bound"),
      (session, valid) => session.run("expirePending", [valid]),
    );
  }

  /**
   * One transaction: the rows set or deleted, then the dedupe and rate
   * tables cut to their caps (oldest marks, least recent sources first).
   * More folded repeats than the cap plus the overflow entry is
   * `StoreConstraint` and writes nothing.
   */
  async saveInterruptTables(changes: InterruptTableChanges, epoch: number): StoreResult<void> {
    return this.fencedWrite(
      epoch,
      () => validate(InterruptTableChangesSchema, changes, "interrupt table changes"),
      async (session, valid) => {
        for (const { key, at } of valid.dedupeMarks) {
          if (at === null) await session.run("deleteDedupe", [JSON.stringify(key)]);
          else await session.run("upsertDedupe", [JSON.stringify(key), at]);
        }
        for (const { source, times } of valid.sourceWakes) {
          if (times === null) await session.run("deleteRate", [source]);
          else await session.run("upsertRate", [source, JSON.stringify(times), Math.max(0, ...times)]);
        }
        for (const { key, repeat } of valid.repeats) {
          if (repeat === null) await session.run("deleteRepeat", [JSON.stringify(key)]);
          else
            await session.run("upsertRepeat", [
              JSON.stringify(key),
              repeat.source,
              repeat.kind,
              repeat.message,
              repeat.count,
            ]);
        }
        const repeatCap = INTERRUPT_TABLE_CAPS.foldedRepeats + 1;
        if (valid.repeats.length > 0 && Number((await session.row("countRepeats"))?.n) > repeatCap)
          throw new StoreAbort(storeConstraint(`more than ${repeatCap} folded repeats`));
        if (valid.dedupeMarks.length > 0) await session.run("trimDedupe", [INTERRUPT_TABLE_CAPS.dedupeKeys]);
        if (valid.sourceWakes.length > 0) await session.run("trimRate", [INTERRUPT_TABLE_CAPS.rateSources]);
      },
    );
  }

  /** One transaction; more than `DEFERRED_SPAWN_CAP` waiting spawns is `StoreConstraint` and writes nothing. */
  async saveDeferredSpawns(changes: readonly DeferredSpawnChange[], epoch: number): StoreResult<void> {
    return this.fencedWrite(
      epoch,
      () =>
        validate(DeferredSpawnChangeSchema.array().max(2 * DEFERRED_SPAWN_CAP), changes, "deferred spawn changes").map(
          (row) => ({
            id: row.id,
            stored:
              row.spawn === null
                ? null
                : { json: toJsonText(row.spawn, "deferred spawn"), requestedAt: row.spawn.requestedAt },
          }),
        ),
      async (session, rows) => {
        for (const { id, stored } of rows) {
          if (stored === null) await session.run("deleteDeferred", [id]);
          else await session.run("upsertDeferred", [id, stored.json, stored.requestedAt]);
        }
        if (Number((await session.row("countDeferred"))?.n) > DEFERRED_SPAWN_CAP)
          throw new StoreAbort(storeConstraint(`more than ${DEFERRED_SPAWN_CAP} deferred spawns`));
      },
    );
  }

  async readKillSwitch(): StoreResult<boolean> {
    return this.single(
      () => undefined,
      async (session) => decodeSupervisorFlags(await session.row("selectFlags")).killSwitch,
    );
  }

  async readSupervisorFlags(): StoreResult<SupervisorFlags> {
    return this.single(
      () => undefined,
      async (session) => decodeSupervisorFlags(await session.row("selectFlags")),
    );
  }

  async setKillSwitch(on: boolean): StoreResult<void> {
    return this.write(
      () => validate(z.boolean(), on, "kill switch"),
      async (session, valid) => {
        await session.run("upsertKillSwitch", [valid, this.settings.now()]);
      },
    );
  }

  /**
   * Atomic: the lease row is locked `FOR UPDATE` for the decision. `owner`
   * takes the lease when it is free, expired (`expiresAt <= now`) or already
   * its own, and it then runs to `now + ttlMs`; taking it from anyone else
   * (or from nobody) raises the epoch by one. Otherwise nothing changes and
   * the holder is reported.
   */
  async renewLease(owner: string, now: number, ttlMs: number): StoreResult<LeaseState> {
    return this.write(
      () => ({
        owner: validate(OwnerSchema, owner, "lease owner"),
        now: validate(TimeSchema, now, "now"),
        ttlMs: validate(TtlSchema, ttlMs, "lease ttl"),
      }),
      async (session, valid): Promise<LeaseState> => {
        const current = decodeLease(await session.row("lockLease"));
        const free = current.owner === null || current.expiresAt <= valid.now;
        if (free || current.owner === valid.owner) {
          const expiresAt = valid.now + valid.ttlMs;
          const epoch = current.owner === valid.owner ? current.epoch : current.epoch + 1;
          await session.run("upsertLease", [valid.owner, expiresAt, epoch]);
          return { held: true, owner: valid.owner, expiresAt, epoch };
        }
        return { held: false, owner: current.owner, expiresAt: current.expiresAt, epoch: current.epoch };
      },
    );
  }

  /** Releases the lease only if `owner` holds it; the epoch stays, so the next holder's is higher. */
  async releaseLease(owner: string): StoreResult<void> {
    return this.write(
      () => validate(OwnerSchema, owner, "lease owner"),
      async (session, valid) => {
        await session.run("releaseLease", [valid]);
      },
    );
  }

  /** `held` says whether anyone holds an unexpired lease at the store's `now`. */
  async readLease(): StoreResult<LeaseState> {
    return this.single(
      () => undefined,
      async (session): Promise<LeaseState> => {
        const current = decodeLease(await session.row("selectLease"));
        if (current.owner === null) return { held: false, owner: null, expiresAt: 0, epoch: current.epoch };
        return {
          held: current.expiresAt > this.settings.now(),
          owner: current.owner,
          expiresAt: current.expiresAt,
          epoch: current.epoch,
        };
      },
    );
  }

  /** Idempotent; waits for calls in flight, then closes every connection. Later calls answer `StoreUnavailable`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.pool.end();
    } catch {
      // Ending a pool whose server is gone still drops its sockets; nothing to report.
    }
  }

  // ── Beyond the port: retention and housekeeping ─────────────────────────

  /**
   * Retention for the captain's log: keeps every `standing_order` entry and
   * the `keepNewest` newest entries of the other kinds; deletes the rest.
   * Returns how many entries were deleted.
   */
  async pruneLog(policy: { readonly keepNewest: number }): StoreResult<number> {
    return this.write(
      () => validate(z.object({ keepNewest: KeepNewestSchema }), policy, "log retention"),
      (session, valid) => session.run("pruneLog", [valid.keepNewest]),
    );
  }

  /** The highest outbox sequence number ever enqueued (0 when none); also part of `hydrate`. */
  async lastOutboxSeq(): StoreResult<number> {
    return this.single(
      () => undefined,
      async (session) => decodeLastOutboxSeq(await session.row("selectLastSeq")),
    );
  }

  /** Deletes entries delivered before `before`; returns how many. */
  async pruneDeliveredOutbox(before: number): StoreResult<number> {
    return this.write(
      () => validate(BoundSchema, before, "prune bound"),
      (session, valid) => session.run("pruneDelivered", [valid]),
    );
  }

  /** The lease epoch on file: it goes up by one each time the lease changes hands. */
  async readLeaseEpoch(): StoreResult<number> {
    return this.single(
      () => undefined,
      async (session) => decodeLease(await session.row("selectLease")).epoch,
    );
  }

  // ── AuthorityStorePort ──────────────────────────────────────────────────

  /** Validated as a conn before it is written; read back by `hydrate`. */
  async saveConn(conn: Conn): StoreResult<void> {
    return this.write(
      () => toJsonText(validate(ConnSchema, conn, "conn"), "conn state"),
      async (session, json) => {
        await session.run("upsertConn", [json, this.settings.now()]);
      },
    );
  }

  async addProposal(proposal: NewProposal): StoreResult<Proposal> {
    return this.write(
      () => {
        const valid = validate(NewProposalSchema, proposal, "proposal");
        return { actionJson: toJsonText(valid.action, "proposal action"), reason: valid.reason, at: valid.at };
      },
      async (session, valid) =>
        decodeProposal((await session.row("insertProposal", [valid.actionJson, valid.reason, valid.at]))!),
    );
  }

  async listProposals(filter: { readonly status?: ProposalStatus } = {}): StoreResult<readonly Proposal[]> {
    return this.single(
      () => validate(z.object({ status: ProposalStatusSchema.optional() }), filter, "proposal filter"),
      async (session, { status }) => {
        const rows =
          status === undefined
            ? await session.rows("selectProposals")
            : await session.rows("selectProposalsOfStatus", [status]);
        return rows.map(decodeProposal);
      },
    );
  }

  /** Unknown id: `StoreInvalidInput`; already decided: `StoreConstraint`. */
  async decideProposal(id: number, status: "approved" | "rejected", decision: Decision): StoreResult<Proposal> {
    return this.write(
      () => ({
        id: validate(IdSchema, id, "proposal id"),
        status: validate(z.enum(["approved", "rejected"]), status, "proposal decision"),
        ...validate(DecisionSchema, decision, "proposal decision"),
      }),
      async (session, valid) => {
        const existing = await session.row("lockProposal", [valid.id]);
        if (existing === undefined) throw new StoreAbort(storeInvalidInput(`no proposal with id ${valid.id}`));
        const current = decodeProposal(existing);
        if (current.status !== "pending") {
          throw new StoreAbort(storeConstraint(`proposal ${valid.id} is already ${current.status}`));
        }
        return decodeProposal((await session.row("decideProposal", [valid.id, valid.status, valid.at, valid.by]))!);
      },
    );
  }

  /** Records a ROLE-EXT proposal (status `proposed`). */
  async proposeRoleExtension(proposal: { readonly text: string; readonly at: number }): StoreResult<RoleExtension> {
    return this.write(
      () => validate(z.object({ text: LogTextSchema, at: TimeSchema }), proposal, "extension proposal"),
      async (session, valid) => decodeRoleExtension((await session.row("insertExtension", [valid.text, valid.at]))!),
    );
  }

  async listRoleExtensions(
    filter: { readonly status?: RoleExtensionStatus } = {},
  ): StoreResult<readonly RoleExtension[]> {
    return this.single(
      () => validate(z.object({ status: RoleExtensionStatusSchema.optional() }), filter, "extension filter"),
      async (session, { status }) => {
        const rows =
          status === undefined
            ? await session.rows("selectExtensions")
            : await session.rows("selectExtensionsOfStatus", [status]);
        return rows.map(decodeRoleExtension);
      },
    );
  }

  /** Unknown id: `StoreInvalidInput`; already decided: `StoreConstraint`. */
  async decideRoleExtension(
    id: number,
    status: "approved" | "rejected",
    decision: Decision,
  ): StoreResult<RoleExtension> {
    return this.write(
      () => ({
        id: validate(IdSchema, id, "extension id"),
        status: validate(z.enum(["approved", "rejected"]), status, "extension decision"),
        ...validate(DecisionSchema, decision, "extension decision"),
      }),
      async (session, valid) => {
        const existing = await session.row("lockExtension", [valid.id]);
        if (existing === undefined) throw new StoreAbort(storeInvalidInput(`no role extension with id ${valid.id}`));
        const current = decodeRoleExtension(existing);
        if (current.status !== "proposed") {
          throw new StoreAbort(storeConstraint(`role extension ${valid.id} is already ${current.status}`));
        }
        return decodeRoleExtension(
          (await session.row("decideExtension", [valid.id, valid.status, valid.at, valid.by]))!,
        );
      },
    );
  }

  // ── Beyond the port: key-value runtime state ────────────────────────────

  /** The JSON value stored under `key`, or `undefined` when there is none. */
  async getKv(key: string): StoreResult<unknown> {
    return this.single(
      () => validate(KvKeySchema, key, "key"),
      async (session, valid) => {
        const row = await session.row("selectKv", [valid]);
        return row === undefined ? undefined : decodeJson("kv", row.json);
      },
    );
  }

  /** Stores a JSON value (at most `MAX_JSON_LENGTH` characters) under `key` (1–200 characters). */
  async setKv(key: string, value: unknown): StoreResult<void> {
    return this.write(
      () => ({ key: validate(KvKeySchema, key, "key"), json: toJsonText(value, `value of ${String(key)}`) }),
      async (session, valid) => {
        await session.run("upsertKv", [valid.key, valid.json, this.settings.now()]);
      },
    );
  }

  async deleteKv(key: string): StoreResult<void> {
    return this.write(
      () => validate(KvKeySchema, key, "key"),
      async (session, valid) => {
        await session.run("deleteKv", [valid]);
      },
    );
  }
}
