/**
 * `SqliteStore`: the core's `StorePort` over one SQLite file (docs/design.md, Store), plus
 * the `AuthorityStorePort` (conn, proposals, role extensions; docs/design.md, Authority) and
 * a key-value table for runtime state.
 *
 * Guarantees:
 * - Every write runs in a `BEGIN IMMEDIATE` transaction and, with the
 *   default `synchronous=FULL`, is on disk before its promise resolves Right.
 * - Input is validated with the core's zod schemas before anything is
 *   written (`StoreInvalidInput`); rows read back are validated again
 *   (`StoreCorruptRow` naming the table).
 * - No method throws or rejects: every failure is a `StoreError` value.
 * - `hydrate` reads everything in one transaction (one consistent snapshot).
 *
 * It does not: retry on `StoreUnavailable` (the caller decides), decide
 * policy (who may take the lease is the caller's `owner`; when to prune is
 * the caller's call), or share a connection between threads.
 *
 * The port's methods return promises because the port is asynchronous; the
 * work is synchronous (better-sqlite3), so the extras beyond the port return
 * their `Either` directly.
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
  type StartRecord,
  StartRecordSchema,
  type StoreError,
  type StorePort,
  type StoreResult,
  type SupervisorFlags,
} from "@first-mate/core";
import type Database from "better-sqlite3";
import * as E from "fp-ts/lib/Either.js";
import { z } from "zod";
import type { CheckpointScheduler } from "./deferredCheckpoints.js";
import {
  type ExtensionDecision,
  ExtensionDecisionSchema,
  type ExtensionProposal,
  ExtensionProposalSchema,
  type RoleExtension,
  type RoleExtensionStatus,
  RoleExtensionStatusSchema,
} from "./roleExtension.js";
import {
  decodeAlert,
  decodeDedupeMark,
  decodeDeferredSpawn,
  decodeJson,
  decodeLastOutboxSeq,
  decodeLease,
  decodeLeaseEpoch,
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
  StoreAbort,
} from "./rowDecoders.js";
import {
  describeZodError,
  storeConstraint,
  storeInvalidInput,
  storeStaleEpoch,
  storeUnavailable,
  toStoreError,
} from "./storeErrors.js";

/** Largest JSON document accepted by `writeConn` and `setKv`, in UTF-16 code units. */
export const MAX_JSON_LENGTH = 64 * 1024;

/** How far back `hydrate` reads the restart ledger by default: 24 hours. */
export const DEFAULT_LEDGER_HORIZON_MS = 24 * 60 * 60 * 1000;

/** Settings fixed when the store is opened. */
export interface SqliteStoreSettings {
  readonly path: string;
  readonly busyTimeoutMs: number;
  readonly now: () => number;
  readonly ledgerHorizonMs: number;
  /** Told of each committed write when checkpoints are deferred (deferredCheckpoints.ts); absent: SQLite's own. */
  readonly checkpoints?: CheckpointScheduler;
}

const TimeSchema = z.number().int().nonnegative();
const BoundSchema = z.number().int();
const SeqSchema = z.number().int().positive();
const OwnerSchema = z.string().min(1).max(200);
const EpochSchema = z.number().int().nonnegative();
const TtlSchema = z.number().int().positive();
const KeepNewestSchema = z.number().int().nonnegative();
const ExtensionIdSchema = z.number().int().positive();
const KvKeySchema = z.string().min(1).max(200);

/** SQL statements, prepared once when the store opens. */
const SQL = {
  selectMarker: `SELECT pane_id, token_hash, spawned_at, attempt, pane_pid, tmux_server_pid, tmux_server_started_at
    FROM marker WHERE id = 1`,
  upsertMarker: `INSERT INTO marker (id, pane_id, token_hash, spawned_at, attempt, updated_at,
      pane_pid, tmux_server_pid, tmux_server_started_at)
    VALUES (1, @paneId, @tokenHash, @spawnedAt, @attempt, @now, @panePid, @tmuxServerPid, @tmuxServerStartedAt)
    ON CONFLICT (id) DO UPDATE SET pane_id = excluded.pane_id, token_hash = excluded.token_hash,
      spawned_at = excluded.spawned_at, attempt = excluded.attempt, updated_at = excluded.updated_at,
      pane_pid = excluded.pane_pid, tmux_server_pid = excluded.tmux_server_pid,
      tmux_server_started_at = excluded.tmux_server_started_at`,
  deleteMarkerOfPane: "DELETE FROM marker WHERE id = 1 AND pane_id = ?",

  upsertStart: `INSERT INTO restart_ledger (attempt, started_at, ended_at, pane_id, outcome)
    VALUES (@attempt, @startedAt, @endedAt, @paneId, @outcome)
    ON CONFLICT (attempt) DO UPDATE SET started_at = excluded.started_at, ended_at = excluded.ended_at,
      pane_id = excluded.pane_id, outcome = excluded.outcome`,
  selectLedgerSince: `SELECT attempt, started_at, ended_at, pane_id, outcome FROM restart_ledger
    WHERE started_at >= @since OR ended_at IS NULL OR ended_at >= @since ORDER BY attempt`,
  selectNewestStart:
    "SELECT attempt, started_at, ended_at, pane_id, outcome FROM restart_ledger ORDER BY attempt DESC LIMIT 1",

  selectFlags: "SELECT gave_up, kill_switch, reset_at FROM supervisor_settings WHERE id = 1",
  upsertGaveUp: `INSERT INTO supervisor_settings (id, gave_up, kill_switch, reset_at, updated_at)
    VALUES (1, 1, 0, NULL, @now)
    ON CONFLICT (id) DO UPDATE SET gave_up = 1, updated_at = excluded.updated_at`,
  upsertReset: `INSERT INTO supervisor_settings (id, gave_up, kill_switch, reset_at, updated_at)
    VALUES (1, 0, 0, @at, @now)
    ON CONFLICT (id) DO UPDATE SET gave_up = 0, reset_at = excluded.reset_at, updated_at = excluded.updated_at`,
  upsertKillSwitch: `INSERT INTO supervisor_settings (id, gave_up, kill_switch, reset_at, updated_at)
    VALUES (1, 0, @flag, NULL, @now)
    ON CONFLICT (id) DO UPDATE SET kill_switch = excluded.kill_switch, updated_at = excluded.updated_at`,

  insertLog: "INSERT INTO captains_log (kind, text, at, author) VALUES (@kind, @text, @at, @author)",
  selectLogNewest: "SELECT id, kind, text, at, author FROM captains_log ORDER BY id DESC LIMIT ?",
  selectLogNewestOfKind: "SELECT id, kind, text, at, author FROM captains_log WHERE kind = ? ORDER BY id DESC LIMIT ?",
  pruneLog: `DELETE FROM captains_log WHERE kind <> 'standing_order' AND id NOT IN (
    SELECT id FROM captains_log WHERE kind <> 'standing_order' ORDER BY id DESC LIMIT ?)`,

  upsertAlert: `INSERT INTO alerts (pane_id, kind, message, severity, raised_at,
      pane_pid, tmux_server_pid, tmux_server_started_at)
    VALUES (@paneId, @kind, @message, @severity, @raisedAt, @panePid, @tmuxServerPid, @tmuxServerStartedAt)
    ON CONFLICT (pane_id) DO UPDATE SET kind = excluded.kind, message = excluded.message,
      severity = excluded.severity, raised_at = excluded.raised_at, pane_pid = excluded.pane_pid,
      tmux_server_pid = excluded.tmux_server_pid, tmux_server_started_at = excluded.tmux_server_started_at`,
  deleteAlert: "DELETE FROM alerts WHERE pane_id = ?",
  selectAlerts: `SELECT pane_id, kind, message, severity, raised_at, pane_pid, tmux_server_pid, tmux_server_started_at
    FROM alerts`,

  insertOutbox: `INSERT INTO outbox (seq, source, kind, message, created_at, delivered_at)
    VALUES (@seq, @source, @kind, @message, @createdAt, NULL)`,
  selectPending: "SELECT seq, source, kind, message, created_at FROM outbox WHERE delivered_at IS NULL ORDER BY seq",
  markDelivered: "UPDATE outbox SET delivered_at = @now WHERE seq = @seq AND delivered_at IS NULL",
  expirePending: "DELETE FROM outbox WHERE delivered_at IS NULL AND created_at < ?",
  selectLastSeq: "SELECT last_seq FROM outbox_state WHERE id = 1",
  raiseLastSeq: `INSERT INTO outbox_state (id, last_seq) VALUES (1, @seq)
    ON CONFLICT (id) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)`,
  pruneDelivered: "DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?",

  selectLease: "SELECT owner, expires_at FROM supervisor_lease WHERE id = 1",
  upsertLease: `INSERT INTO supervisor_lease (id, owner, expires_at) VALUES (1, @owner, @expiresAt)
    ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at`,
  deleteLeaseOf: "DELETE FROM supervisor_lease WHERE id = 1 AND owner = ?",
  selectLeaseEpoch: "SELECT epoch FROM supervisor_lease_epoch WHERE id = 1",
  raiseLeaseEpoch: "UPDATE supervisor_lease_epoch SET epoch = epoch + 1 WHERE id = 1",

  upsertDedupe: `INSERT INTO interrupt_dedupe (key_json, at) VALUES (@key, @at)
    ON CONFLICT (key_json) DO UPDATE SET at = excluded.at`,
  deleteDedupe: "DELETE FROM interrupt_dedupe WHERE key_json = ?",
  trimDedupe: `DELETE FROM interrupt_dedupe WHERE key_json IN (
    SELECT key_json FROM interrupt_dedupe ORDER BY at DESC, key_json LIMIT -1 OFFSET ?)`,
  selectDedupe: "SELECT key_json, at FROM interrupt_dedupe ORDER BY at, key_json",
  upsertRate: `INSERT INTO interrupt_rate (source, times_json, last_at) VALUES (@source, @times, @lastAt)
    ON CONFLICT (source) DO UPDATE SET times_json = excluded.times_json, last_at = excluded.last_at`,
  deleteRate: "DELETE FROM interrupt_rate WHERE source = ?",
  trimRate: `DELETE FROM interrupt_rate WHERE source IN (
    SELECT source FROM interrupt_rate ORDER BY last_at DESC, source LIMIT -1 OFFSET ?)`,
  selectRate: "SELECT source, times_json FROM interrupt_rate ORDER BY last_at, source",
  upsertRepeat: `INSERT INTO interrupt_repeats (key_json, source, kind, message, count)
    VALUES (@key, @source, @kind, @message, @count)
    ON CONFLICT (key_json) DO UPDATE SET source = excluded.source, kind = excluded.kind,
      message = excluded.message, count = excluded.count`,
  deleteRepeat: "DELETE FROM interrupt_repeats WHERE key_json = ?",
  countRepeats: "SELECT count(*) AS n FROM interrupt_repeats",
  selectRepeats: "SELECT key_json, source, kind, message, count FROM interrupt_repeats ORDER BY key_json",

  upsertDeferred: `INSERT INTO deferred_spawns (id, spawn_json, requested_at) VALUES (@id, @json, @requestedAt)
    ON CONFLICT (id) DO UPDATE SET spawn_json = excluded.spawn_json, requested_at = excluded.requested_at`,
  deleteDeferred: "DELETE FROM deferred_spawns WHERE id = ?",
  countDeferred: "SELECT count(*) AS n FROM deferred_spawns",
  selectDeferred: "SELECT spawn_json FROM deferred_spawns ORDER BY requested_at, id",

  selectConn: "SELECT json FROM conn_state WHERE id = 1",
  upsertConn: `INSERT INTO conn_state (id, json, updated_at) VALUES (1, @json, @now)
    ON CONFLICT (id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at`,
  deleteConn: "DELETE FROM conn_state WHERE id = 1",

  insertExtension: "INSERT INTO role_extensions (text, status, proposed_at) VALUES (@text, 'proposed', @at)",
  selectExtension: "SELECT id, text, status, proposed_at, decided_at, decided_by FROM role_extensions WHERE id = ?",
  decideExtension: `UPDATE role_extensions SET status = @status, decided_at = @at, decided_by = @by
    WHERE id = @id AND status = 'proposed'`,
  selectExtensions: "SELECT id, text, status, proposed_at, decided_at, decided_by FROM role_extensions ORDER BY id",
  selectExtensionsOfStatus:
    "SELECT id, text, status, proposed_at, decided_at, decided_by FROM role_extensions WHERE status = ? ORDER BY id",

  insertProposal: `INSERT INTO proposals (action_json, reason, status, proposed_at)
    VALUES (@actionJson, @reason, 'pending', @at)`,
  selectProposal:
    "SELECT id, action_json, reason, status, proposed_at, decided_at, decided_by FROM proposals WHERE id = ?",
  decideProposal: `UPDATE proposals SET status = @status, decided_at = @at, decided_by = @by
    WHERE id = @id AND status = 'pending'`,
  selectProposals:
    "SELECT id, action_json, reason, status, proposed_at, decided_at, decided_by FROM proposals ORDER BY id",
  selectProposalsOfStatus:
    "SELECT id, action_json, reason, status, proposed_at, decided_at, decided_by FROM proposals WHERE status = ? ORDER BY id",

  selectKv: "SELECT json FROM kv WHERE key = ?",
  upsertKv: `INSERT INTO kv (key, json, updated_at) VALUES (@key, @json, @now)
    ON CONFLICT (key) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at`,
  deleteKv: "DELETE FROM kv WHERE key = ?",
} as const;

type Statements = { readonly [K in keyof typeof SQL]: Database.Statement };

const prepareAll = (db: Database.Database): Statements =>
  Object.fromEntries(Object.entries(SQL).map(([name, sql]) => [name, db.prepare(sql)])) as unknown as Statements;

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

const flag = (on: boolean): 0 | 1 => (on ? 1 : 0);

/** The store. Obtain one with `openSqliteStore`; the constructor expects an open, migrated database. */
export class SqliteStore implements StorePort, AuthorityStorePort {
  /** The database file this store owns. */
  readonly path: string;
  private readonly statements: Statements;
  private readonly writeTransaction: Database.Transaction<(work: () => unknown) => unknown>;
  private readonly readTransaction: Database.Transaction<(work: () => unknown) => unknown>;
  private closed = false;

  /** @internal Use `openSqliteStore`. */
  constructor(
    private readonly db: Database.Database,
    private readonly settings: SqliteStoreSettings,
  ) {
    this.path = settings.path;
    this.statements = prepareAll(db);
    this.writeTransaction = db.transaction((work: () => unknown) => work());
    this.readTransaction = db.transaction((work: () => unknown) => work());
  }

  // ── plumbing ────────────────────────────────────────────────────────────

  private guard<T>(work: () => T): E.Either<StoreError, T> {
    if (this.closed) return E.left(storeUnavailable(`the store at ${this.path} is closed`));
    try {
      return E.right(work());
    } catch (cause) {
      if (cause instanceof StoreAbort) return E.left(cause.error);
      return E.left(toStoreError(cause, { busyTimeoutMs: this.settings.busyTimeoutMs }));
    }
  }

  /** `prepare` runs first (validation, outside the lock); `apply` runs under BEGIN IMMEDIATE. */
  private write<I, T>(prepare: () => I, apply: (input: I) => T): E.Either<StoreError, T> {
    return this.guard(() => {
      const input = prepare();
      const written = this.writeTransaction.immediate(() => apply(input)) as T;
      this.settings.checkpoints?.wrote();
      return written;
    });
  }

  /**
   * A holder-only write: like `write`, but under the lock it first checks
   * that `epoch` is the lease's current epoch, and refuses with
   * `StoreStaleEpoch` (writing nothing) when another host took the lease since.
   */
  private fencedWrite<I, T>(epoch: number, prepare: () => I, apply: (input: I) => T): E.Either<StoreError, T> {
    return this.write(
      () => ({ epoch: validate(EpochSchema, epoch, "lease epoch"), input: prepare() }),
      (valid) => {
        const current = this.readEpoch();
        if (valid.epoch !== current) throw new StoreAbort(storeStaleEpoch(valid.epoch, current));
        return apply(valid.input);
      },
    );
  }

  private readEpoch(): number {
    const row = this.row(this.statements.selectLeaseEpoch);
    return decodeLeaseEpoch(row);
  }

  /** Several reads from one snapshot. */
  private readTogether<T>(work: () => T): E.Either<StoreError, T> {
    return this.guard(() => this.readTransaction.deferred(work) as T);
  }

  private row(statement: Database.Statement, ...params: unknown[]): Row | undefined {
    return statement.get(...params) as Row | undefined;
  }

  private rows(statement: Database.Statement, ...params: unknown[]): Row[] {
    return statement.all(...params) as Row[];
  }

  private readLedgerRows(since: number): StartRecord[] {
    return this.rows(this.statements.selectLedgerSince, { since }).map(decodeStartRecord);
  }

  private readAlertRows(): Alert[] {
    return this.rows(this.statements.selectAlerts)
      .map(decodeAlert)
      .sort((a, b) => comparePaneIds(a.paneId, b.paneId));
  }

  private readPendingRows(): OutboxEntry[] {
    return this.rows(this.statements.selectPending).map(decodeOutboxEntry);
  }

  private readMarkerRow(): Marker | null {
    const row = this.row(this.statements.selectMarker);
    return row === undefined ? null : decodeMarker(row);
  }

  // ── StorePort ───────────────────────────────────────────────────────────

  /**
   * Everything the core rebuilds from, in one read transaction: the marker,
   * the flags, all alerts, the pending outbox, and the ledger rows active
   * within the horizon (default 24 h) plus the newest row whatever its age,
   * so attempt numbers keep counting up across long quiet spells.
   */
  async hydrate(): StoreResult<Hydration> {
    return this.readTogether(() => {
      const since = this.settings.now() - this.settings.ledgerHorizonMs;
      const ledger = this.readLedgerRows(since);
      const newestRow = this.row(this.statements.selectNewestStart);
      if (newestRow !== undefined) {
        const newest = decodeStartRecord(newestRow);
        if (!ledger.some((record) => record.attempt === newest.attempt)) ledger.push(newest);
      }
      const flags = decodeSupervisorFlags(this.row(this.statements.selectFlags));
      return {
        marker: this.readMarkerRow(),
        ledger,
        outbox: this.readPendingRows(),
        alerts: this.readAlertRows(),
        lastOutboxSeq: decodeLastOutboxSeq(this.row(this.statements.selectLastSeq)),
        killSwitch: flags.killSwitch,
        gaveUp: flags.gaveUp,
        resetAt: flags.resetAt,
        conn: this.readConnRow(),
        interruptTables: this.readInterruptTables(),
        deferred: this.rows(this.statements.selectDeferred).map(decodeDeferredSpawn),
      };
    });
  }

  private readInterruptTables(): InterruptTables {
    return {
      dedupeMarks: this.rows(this.statements.selectDedupe).map(decodeDedupeMark),
      sourceWakes: this.rows(this.statements.selectRate).map(decodeSourceWakes),
      repeats: this.rows(this.statements.selectRepeats).map(decodeRepeat),
    };
  }

  /**
   * The stored conn, or null. Fail safe: a conn row that is not a valid
   * conn reads as null, i.e. the human holds the conn.
   */
  private readConnRow(): Conn | null {
    const row = this.row(this.statements.selectConn);
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

  async readMarker(): StoreResult<Marker | null> {
    return this.guard(() => this.readMarkerRow());
  }

  async setMarker(marker: Marker, epoch: number): StoreResult<void> {
    return this.fencedWrite(
      epoch,
      () => validate(MarkerSchema, marker, "marker"),
      (valid) => {
        this.statements.upsertMarker.run({ ...valid, ...paneIdentityColumns(valid), now: this.settings.now() });
      },
    );
  }

  async clearMarker(paneId: PaneId, epoch: number): StoreResult<void> {
    return this.fencedWrite(
      epoch,
      () => validate(PaneIdSchema, paneId, "pane id"),
      (valid) => {
        this.statements.deleteMarkerOfPane.run(valid);
      },
    );
  }

  async recordStart(record: StartRecord, epoch: number): StoreResult<void> {
    return this.fencedWrite(
      epoch,
      () => validate(StartRecordSchema, record, "start record"),
      (valid) => {
        this.statements.upsertStart.run(valid);
      },
    );
  }

  /** Ledger rows that started or ended at or after `since`, or are still open; oldest attempt first. */
  async readLedger(since: number): StoreResult<readonly StartRecord[]> {
    return this.guard(() => this.readLedgerRows(validate(BoundSchema, since, "since")));
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
    const apply = (valid: { gaveUp: boolean; at: number }) => {
      if (valid.gaveUp) this.statements.upsertGaveUp.run({ now: this.settings.now() });
      else this.statements.upsertReset.run({ at: valid.at, now: this.settings.now() });
    };
    return epoch === null ? this.write(prepare, apply) : this.fencedWrite(epoch, prepare, apply);
  }

  async appendLog(entry: NewLogEntry): StoreResult<LogEntry> {
    return this.write(
      () => validate(NewLogEntrySchema, entry, "log entry"),
      (valid) => {
        const result = this.statements.insertLog.run(valid);
        return { ...valid, id: Number(result.lastInsertRowid) };
      },
    );
  }

  async readLog(query: { readonly limit: number; readonly kind?: LogKind }): StoreResult<readonly LogEntry[]> {
    return this.guard(() => {
      const { limit, kind } = validate(LogReadQuerySchema, query, "log query");
      const rows =
        kind === undefined
          ? this.rows(this.statements.selectLogNewest, limit)
          : this.rows(this.statements.selectLogNewestOfKind, kind, limit);
      return rows.map(decodeLogEntry);
    });
  }

  /** Fenced by `epoch`, like every alert and outbox write. */
  async setAlert(alert: Alert, epoch: number): StoreResult<void> {
    return this.fencedWrite(
      epoch,
      () => validate(AlertSchema, alert, "alert"),
      (valid) => {
        this.statements.upsertAlert.run({ ...valid, ...paneIdentityColumns(valid), severity: valid.severity ?? null });
      },
    );
  }

  async clearAlert(paneId: PaneId, epoch: number): StoreResult<void> {
    return this.fencedWrite(
      epoch,
      () => validate(PaneIdSchema, paneId, "pane id"),
      (valid) => {
        this.statements.deleteAlert.run(valid);
      },
    );
  }

  /** The newest alert of each pane, in pane order (%2 before %10). */
  async readAlerts(): StoreResult<readonly Alert[]> {
    return this.guard(() => this.readAlertRows());
  }

  /**
   * A sequence number still on file (pending or delivered) is a
   * `StoreConstraint`. Raises the high-water mark `hydrate` reports as
   * `lastOutboxSeq`, which expiry and pruning never lower.
   */
  async enqueueOutbox(entry: OutboxEntry, epoch: number): StoreResult<void> {
    return this.fencedWrite(
      epoch,
      () => validate(OutboxEntrySchema, entry, "outbox entry"),
      (valid) => {
        this.statements.insertOutbox.run(valid);
        this.statements.raiseLastSeq.run({ seq: valid.seq });
      },
    );
  }

  async listOutbox(): StoreResult<readonly OutboxEntry[]> {
    return this.guard(() => this.readPendingRows());
  }

  /** Idempotent: an entry already delivered, expired or never enqueued is left as it is. */
  async markDelivered(seq: number, epoch: number): StoreResult<void> {
    return this.fencedWrite(
      epoch,
      () => validate(SeqSchema, seq, "sequence number"),
      (valid) => {
        this.statements.markDelivered.run({ seq: valid, now: this.settings.now() });
      },
    );
  }

  async expireOutbox(before: number, epoch: number): StoreResult<number> {
    return this.fencedWrite(
      epoch,
      () => validate(BoundSchema, before, "expiry bound"),
      (valid) => this.statements.expirePending.run(valid).changes,
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
      (valid) => {
        const s = this.statements;
        for (const { key, at } of valid.dedupeMarks) {
          if (at === null) s.deleteDedupe.run(JSON.stringify(key));
          else s.upsertDedupe.run({ key: JSON.stringify(key), at });
        }
        for (const { source, times } of valid.sourceWakes) {
          if (times === null) s.deleteRate.run(source);
          else s.upsertRate.run({ source, times: JSON.stringify(times), lastAt: Math.max(0, ...times) });
        }
        for (const { key, repeat } of valid.repeats) {
          if (repeat === null) s.deleteRepeat.run(JSON.stringify(key));
          else s.upsertRepeat.run({ key: JSON.stringify(key), ...repeat });
        }
        const repeatCap = INTERRUPT_TABLE_CAPS.foldedRepeats + 1;
        if (valid.repeats.length > 0 && Number(this.row(s.countRepeats)?.n) > repeatCap)
          throw new StoreAbort(storeConstraint(`more than ${repeatCap} folded repeats`));
        if (valid.dedupeMarks.length > 0) s.trimDedupe.run(INTERRUPT_TABLE_CAPS.dedupeKeys);
        if (valid.sourceWakes.length > 0) s.trimRate.run(INTERRUPT_TABLE_CAPS.rateSources);
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
      (rows) => {
        for (const { id, stored } of rows) {
          if (stored === null) this.statements.deleteDeferred.run(id);
          else this.statements.upsertDeferred.run({ id, ...stored });
        }
        if (Number(this.row(this.statements.countDeferred)?.n) > DEFERRED_SPAWN_CAP)
          throw new StoreAbort(storeConstraint(`more than ${DEFERRED_SPAWN_CAP} deferred spawns`));
      },
    );
  }

  async readKillSwitch(): StoreResult<boolean> {
    return this.guard(() => decodeSupervisorFlags(this.row(this.statements.selectFlags)).killSwitch);
  }

  async readSupervisorFlags(): StoreResult<SupervisorFlags> {
    return this.guard(() => decodeSupervisorFlags(this.row(this.statements.selectFlags)));
  }

  async setKillSwitch(on: boolean): StoreResult<void> {
    return this.write(
      () => validate(z.boolean(), on, "kill switch"),
      (valid) => {
        this.statements.upsertKillSwitch.run({ flag: flag(valid), now: this.settings.now() });
      },
    );
  }

  /**
   * Atomic under BEGIN IMMEDIATE: `owner` takes the lease when it is free,
   * expired (`expiresAt <= now`) or already its own, and it then runs to
   * `now + ttlMs`. Otherwise nothing changes and the holder is reported.
   */
  async renewLease(owner: string, now: number, ttlMs: number): StoreResult<LeaseState> {
    return this.write(
      () => ({
        owner: validate(OwnerSchema, owner, "lease owner"),
        now: validate(TimeSchema, now, "now"),
        ttlMs: validate(TtlSchema, ttlMs, "lease ttl"),
      }),
      (valid): LeaseState => {
        const current = decodeLease(this.row(this.statements.selectLease));
        if (current === null || current.expiresAt <= valid.now || current.owner === valid.owner) {
          const expiresAt = valid.now + valid.ttlMs;
          // Changing hands raises the epoch; the holder renewing keeps it.
          if (current?.owner !== valid.owner) this.statements.raiseLeaseEpoch.run();
          this.statements.upsertLease.run({ owner: valid.owner, expiresAt });
          return { held: true, owner: valid.owner, expiresAt, epoch: this.readEpoch() };
        }
        return { held: false, owner: current.owner, expiresAt: current.expiresAt, epoch: this.readEpoch() };
      },
    );
  }

  /** Releases the lease only if `owner` holds it. */
  async releaseLease(owner: string): StoreResult<void> {
    return this.write(
      () => validate(OwnerSchema, owner, "lease owner"),
      (valid) => {
        this.statements.deleteLeaseOf.run(valid);
      },
    );
  }

  /** `held` says whether anyone holds an unexpired lease at the store's `now`. */
  async readLease(): StoreResult<LeaseState> {
    return this.readTogether((): LeaseState => {
      const current = decodeLease(this.row(this.statements.selectLease));
      const epoch = this.readEpoch();
      if (current === null) return { held: false, owner: null, expiresAt: 0, epoch };
      return {
        held: current.expiresAt > this.settings.now(),
        owner: current.owner,
        expiresAt: current.expiresAt,
        epoch,
      };
    });
  }

  /** Idempotent; later calls on the store answer `StoreUnavailable`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.settings.checkpoints?.stop();
    try {
      this.db.close();
    } catch {
      // Closing a connection whose file vanished still releases it; nothing to report.
    }
  }

  // ── Beyond the port: captain's log retention ────────────────────────────

  /**
   * Retention for the captain's log: keeps every `standing_order` entry
   * (they are the first mate's durable instructions and are only removed
   * deliberately) and the `keepNewest` newest entries of the other kinds;
   * deletes the rest. Returns how many entries were deleted.
   */
  pruneLog(policy: { readonly keepNewest: number }): E.Either<StoreError, number> {
    return this.write(
      () => validate(z.object({ keepNewest: KeepNewestSchema }), policy, "log retention"),
      (valid) => this.statements.pruneLog.run(valid.keepNewest).changes,
    );
  }

  // ── Beyond the port: outbox housekeeping ────────────────────────────────

  /** The highest outbox sequence number ever enqueued (0 when none); also part of `hydrate`. */
  lastOutboxSeq(): E.Either<StoreError, number> {
    return this.guard(() => decodeLastOutboxSeq(this.row(this.statements.selectLastSeq)));
  }

  /**
   * Deletes entries delivered before `before` (delivered rows are kept until
   * then so a late repeat of their sequence number is still refused).
   * Returns how many were deleted.
   */
  pruneDeliveredOutbox(before: number): E.Either<StoreError, number> {
    return this.write(
      () => validate(BoundSchema, before, "prune bound"),
      (valid) => this.statements.pruneDelivered.run(valid).changes,
    );
  }

  // ── Beyond the port: conn state ─────────────────────────────────────────

  /**
   * The stored conn state as parsed JSON, or null when none is stored. The
   * shape belongs to the caller: parse the result with its zod schema.
   */
  readConn(): E.Either<StoreError, unknown | null> {
    return this.guard(() => {
      const row = this.row(this.statements.selectConn);
      return row === undefined ? null : decodeJson("conn_state", row.json);
    });
  }

  /** Stores any JSON value (at most `MAX_JSON_LENGTH` characters); `null` clears it. */
  writeConn(value: unknown): E.Either<StoreError, void> {
    return this.write(
      () => (value === null ? null : toJsonText(value, "conn state")),
      (json) => {
        if (json === null) this.statements.deleteConn.run();
        else this.statements.upsertConn.run({ json, now: this.settings.now() });
      },
    );
  }

  // ── AuthorityStorePort ──────────────────────────────────────────────────

  /** Validated as a conn before it is written; read back by `hydrate`. */
  async saveConn(conn: Conn): StoreResult<void> {
    return this.write(
      () => toJsonText(validate(ConnSchema, conn, "conn"), "conn state"),
      (json) => {
        this.statements.upsertConn.run({ json, now: this.settings.now() });
      },
    );
  }

  async addProposal(proposal: NewProposal): StoreResult<Proposal> {
    return this.write(
      () => {
        const valid = validate(NewProposalSchema, proposal, "proposal");
        return { actionJson: toJsonText(valid.action, "proposal action"), reason: valid.reason, at: valid.at };
      },
      (valid) => {
        const id = Number(this.statements.insertProposal.run(valid).lastInsertRowid);
        return decodeProposal(this.row(this.statements.selectProposal, id)!);
      },
    );
  }

  async listProposals(filter: { readonly status?: ProposalStatus } = {}): StoreResult<readonly Proposal[]> {
    return this.guard(() => {
      const { status } = validate(z.object({ status: ProposalStatusSchema.optional() }), filter, "proposal filter");
      const rows =
        status === undefined
          ? this.rows(this.statements.selectProposals)
          : this.rows(this.statements.selectProposalsOfStatus, status);
      return rows.map(decodeProposal);
    });
  }

  /** Unknown id: `StoreInvalidInput`; already decided: `StoreConstraint`. */
  async decideProposal(id: number, status: "approved" | "rejected", decision: Decision): StoreResult<Proposal> {
    return this.write(
      () => ({
        id: validate(ExtensionIdSchema, id, "proposal id"),
        status: validate(z.enum(["approved", "rejected"]), status, "proposal decision"),
        ...validate(DecisionSchema, decision, "proposal decision"),
      }),
      (valid) => {
        const existing = this.row(this.statements.selectProposal, valid.id);
        if (existing === undefined) throw new StoreAbort(storeInvalidInput(`no proposal with id ${valid.id}`));
        const current = decodeProposal(existing);
        if (current.status !== "pending") {
          throw new StoreAbort(storeConstraint(`proposal ${valid.id} is already ${current.status}`));
        }
        this.statements.decideProposal.run(valid);
        return decodeProposal(this.row(this.statements.selectProposal, valid.id)!);
      },
    );
  }

  async proposeRoleExtension(proposal: { readonly text: string; readonly at: number }): StoreResult<RoleExtension> {
    return this.proposeExtension(proposal);
  }

  async listRoleExtensions(
    filter: { readonly status?: RoleExtensionStatus } = {},
  ): StoreResult<readonly RoleExtension[]> {
    return this.listExtensions(filter);
  }

  async decideRoleExtension(
    id: number,
    status: "approved" | "rejected",
    decision: Decision,
  ): StoreResult<RoleExtension> {
    return this.decideExtension(id, status, decision);
  }

  // ── Beyond the port: role extensions ────────────────────────────────────

  /** Records a proposed extension (status `proposed`). */
  proposeExtension(proposal: ExtensionProposal): E.Either<StoreError, RoleExtension> {
    return this.write(
      () => validate(ExtensionProposalSchema, proposal, "extension proposal"),
      (valid) => {
        const id = Number(this.statements.insertExtension.run(valid).lastInsertRowid);
        return decodeRoleExtension(this.row(this.statements.selectExtension, id)!);
      },
    );
  }

  /** Approves a proposed extension. Unknown id: `StoreInvalidInput`; already decided: `StoreConstraint`. */
  approveExtension(id: number, decision: ExtensionDecision): E.Either<StoreError, RoleExtension> {
    return this.decideExtension(id, "approved", decision);
  }

  /** Rejects a proposed extension. Unknown id: `StoreInvalidInput`; already decided: `StoreConstraint`. */
  rejectExtension(id: number, decision: ExtensionDecision): E.Either<StoreError, RoleExtension> {
    return this.decideExtension(id, "rejected", decision);
  }

  private decideExtension(
    id: number,
    status: "approved" | "rejected",
    decision: ExtensionDecision,
  ): E.Either<StoreError, RoleExtension> {
    return this.write(
      () => ({
        id: validate(ExtensionIdSchema, id, "extension id"),
        ...validate(ExtensionDecisionSchema, decision, "extension decision"),
      }),
      (valid) => {
        const existing = this.row(this.statements.selectExtension, valid.id);
        if (existing === undefined) throw new StoreAbort(storeInvalidInput(`no role extension with id ${valid.id}`));
        const current = decodeRoleExtension(existing);
        if (current.status !== "proposed") {
          throw new StoreAbort(storeConstraint(`role extension ${valid.id} is already ${current.status}`));
        }
        this.statements.decideExtension.run({ id: valid.id, status, at: valid.at, by: valid.by });
        return decodeRoleExtension(this.row(this.statements.selectExtension, valid.id)!);
      },
    );
  }

  /** All extensions, or those with `status`, oldest first. */
  listExtensions(filter: { readonly status?: RoleExtensionStatus } = {}): E.Either<StoreError, RoleExtension[]> {
    return this.guard(() => {
      const { status } = validate(
        z.object({ status: RoleExtensionStatusSchema.optional() }),
        filter,
        "extension filter",
      );
      const rows =
        status === undefined
          ? this.rows(this.statements.selectExtensions)
          : this.rows(this.statements.selectExtensionsOfStatus, status);
      return rows.map(decodeRoleExtension);
    });
  }

  // ── Beyond the port: key-value runtime state ────────────────────────────

  /** The JSON value stored under `key`, or `undefined` when there is none. */
  getKv(key: string): E.Either<StoreError, unknown> {
    return this.guard(() => {
      const row = this.row(this.statements.selectKv, validate(KvKeySchema, key, "key"));
      return row === undefined ? undefined : decodeJson("kv", row.json);
    });
  }

  /** Stores a JSON value (at most `MAX_JSON_LENGTH` characters) under `key` (1–200 characters). */
  setKv(key: string, value: unknown): E.Either<StoreError, void> {
    return this.write(
      () => ({ key: validate(KvKeySchema, key, "key"), json: toJsonText(value, `value of ${String(key)}`) }),
      (valid) => {
        this.statements.upsertKv.run({ ...valid, now: this.settings.now() });
      },
    );
  }

  deleteKv(key: string): E.Either<StoreError, void> {
    return this.write(
      () => validate(KvKeySchema, key, "key"),
      (valid) => {
        this.statements.deleteKv.run(valid);
      },
    );
  }

  // ── Beyond the port: diagnostics ────────────────────────────────────────

  /** `PRAGMA integrity_check`: `ok`, or the problems SQLite found. */
  checkIntegrity(): E.Either<StoreError, "ok" | readonly string[]> {
    return this.guard(() => {
      const findings = this.db.pragma("integrity_check", { simple: false }) as Array<{ integrity_check: string }>;
      const messages = findings.map((finding) => finding.integrity_check);
      return messages.length === 1 && messages[0] === "ok" ? "ok" : messages;
    });
  }
}
