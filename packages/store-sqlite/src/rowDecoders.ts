/**
 * Rows back into domain values. Internal.
 *
 * Guarantees: every decoder validates with the core's zod schema after
 * renaming columns, so a hand-edited or corrupt row becomes a
 * `StoreCorruptRow` naming its table, never a wrong value. Decoders throw a
 * `StoreAbort` carrying that error; `SqliteStore` turns it into a Left.
 */
import {
  type Alert,
  AlertSchema,
  DedupeKeySchema,
  type DeferredSpawn,
  DeferredSpawnSchema,
  FoldedRepeatSchema,
  type InterruptTables,
  type LogEntry,
  LogEntrySchema,
  type Marker,
  MarkerSchema,
  type OutboxEntry,
  OutboxEntrySchema,
  type PaneIdentity,
  type Proposal,
  ProposalSchema,
  SourceWakesSchema,
  type StartRecord,
  StartRecordSchema,
  type StoreError,
  type SupervisorFlags,
} from "@first-mate/core";
import { z } from "zod";
import { type RoleExtension, RoleExtensionSchema } from "./roleExtension.js";
import { describeZodError, storeCorruptRow } from "./storeErrors.js";

/** Thrown inside a unit of work to stop it (and roll back a write) with a typed error. */
export class StoreAbort extends Error {
  constructor(readonly error: StoreError) {
    super(error.message);
  }
}

export type Row = Readonly<Record<string, unknown>>;

/**
 * A count, time or epoch column. Made once: building a zod schema costs about 20 µs, and
 * the epoch is decoded on every fenced write (three per interrupt).
 */
const NonNegativeIntSchema = z.number().int().nonnegative();

const decode = <T>(table: string, schema: z.ZodType<T>, candidate: unknown): T => {
  const parsed = schema.safeParse(candidate);
  if (!parsed.success) throw new StoreAbort(storeCorruptRow(table, describeZodError(parsed.error)));
  return parsed.data;
};

/** NULL columns for optional (not nullable) fields become absent keys. */
const omitNull = (value: unknown): unknown => (value === null ? undefined : value);

/** A pane's identity as columns (NULL: not known); see the core's paneIdentity.ts. */
export const paneIdentityColumns = (identity: PaneIdentity) => ({
  panePid: identity.panePid ?? null,
  tmuxServerPid: identity.tmuxServer?.pid ?? null,
  tmuxServerStartedAt: identity.tmuxServer?.startedAt ?? null,
});

/** A pane's identity from its columns; what is NULL stays absent. */
const paneIdentityOf = (row: Row): PaneIdentity => {
  const panePid = omitNull(row.pane_pid);
  const serverPid = omitNull(row.tmux_server_pid);
  return {
    ...(panePid === undefined ? {} : { panePid: panePid as number }),
    ...(serverPid === undefined
      ? {}
      : { tmuxServer: { pid: serverPid as number, startedAt: row.tmux_server_started_at as number } }),
  };
};

export const decodeMarker = (row: Row): Marker =>
  decode("marker", MarkerSchema, {
    paneId: row.pane_id,
    tokenHash: row.token_hash,
    spawnedAt: row.spawned_at,
    attempt: row.attempt,
    ...paneIdentityOf(row),
  });

export const decodeStartRecord = (row: Row): StartRecord =>
  decode("restart_ledger", StartRecordSchema, {
    attempt: row.attempt,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    paneId: row.pane_id,
    outcome: row.outcome,
  });

export const decodeLogEntry = (row: Row): LogEntry =>
  decode("captains_log", LogEntrySchema, {
    id: row.id,
    kind: row.kind,
    text: row.text,
    at: row.at,
    author: row.author,
  });

export const decodeAlert = (row: Row): Alert => {
  const severity = omitNull(row.severity);
  return decode("alerts", AlertSchema, {
    paneId: row.pane_id,
    kind: row.kind,
    message: row.message,
    raisedAt: row.raised_at,
    ...(severity === undefined ? {} : { severity }),
    ...paneIdentityOf(row),
  });
};

export const decodeOutboxEntry = (row: Row): OutboxEntry =>
  decode("outbox", OutboxEntrySchema, {
    seq: row.seq,
    source: row.source,
    kind: row.kind,
    message: row.message,
    createdAt: row.created_at,
  });

export const decodeRoleExtension = (row: Row): RoleExtension =>
  decode("role_extensions", RoleExtensionSchema, {
    id: row.id,
    text: row.text,
    status: row.status,
    proposedAt: row.proposed_at,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
  });

export const decodeProposal = (row: Row): Proposal => {
  let action: unknown;
  try {
    action = JSON.parse(String(row.action_json));
  } catch {
    action = undefined;
  }
  return decode("proposals", ProposalSchema, {
    id: row.id,
    action,
    reason: row.reason,
    status: row.status,
    at: row.proposed_at,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
  });
};

const FlagSchema = z.union([z.literal(0), z.literal(1)]).transform((flag) => flag === 1);

const SupervisorFlagsSchema = z.object({
  gaveUp: FlagSchema,
  killSwitch: FlagSchema,
  resetAt: z.number().int().nonnegative().nullable(),
});

export const decodeSupervisorFlags = (row: Row | undefined): SupervisorFlags =>
  // The migration inserts the row and writes upsert it; a deleted row reads as "nothing set".
  row === undefined
    ? { gaveUp: false, killSwitch: false, resetAt: null }
    : decode("supervisor_settings", SupervisorFlagsSchema, {
        gaveUp: row.gave_up,
        killSwitch: row.kill_switch,
        resetAt: row.reset_at,
      });

/** The outbox high-water mark; a deleted row reads as 0 (no sequence number issued). */
export const decodeLastOutboxSeq = (row: Row | undefined): number =>
  row === undefined ? 0 : decode("outbox_state", NonNegativeIntSchema, row.last_seq);

const LeaseRowSchema = z.object({ owner: z.string().min(1).max(200), expiresAt: z.number().int().nonnegative() });
export type LeaseRow = z.infer<typeof LeaseRowSchema>;

export const decodeLease = (row: Row | undefined): LeaseRow | null =>
  row === undefined
    ? null
    : decode("supervisor_lease", LeaseRowSchema, { owner: row.owner, expiresAt: row.expires_at });

/** The lease epoch row (migration 4 creates it with 0). */
export const decodeLeaseEpoch = (row: Row | undefined): number =>
  decode("supervisor_lease_epoch", NonNegativeIntSchema, row?.epoch);

/** JSON text stored by the store itself; anything unparsable was edited by hand. */
export const decodeJson = (table: string, text: unknown): unknown => {
  if (typeof text !== "string")
    throw new StoreAbort(storeCorruptRow(table, `expected JSON text, found ${typeof text}`));
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new StoreAbort(
      storeCorruptRow(table, `invalid JSON: ${cause instanceof Error ? cause.message : String(cause)}`),
    );
  }
};

const decodeKey = (table: string, text: unknown): string => decode(table, DedupeKeySchema, decodeJson(table, text));

export const decodeDedupeMark = (row: Row): InterruptTables["dedupeMarks"][number] => ({
  key: decodeKey("interrupt_dedupe", row.key_json),
  at: decode("interrupt_dedupe", NonNegativeIntSchema, row.at),
});

export const decodeSourceWakes = (row: Row): InterruptTables["sourceWakes"][number] =>
  decode("interrupt_rate", SourceWakesSchema, {
    source: row.source,
    times: decodeJson("interrupt_rate", row.times_json),
  });

export const decodeRepeat = (row: Row): InterruptTables["repeats"][number] => ({
  key: decodeKey("interrupt_repeats", row.key_json),
  repeat: decode("interrupt_repeats", FoldedRepeatSchema, {
    source: row.source,
    kind: row.kind,
    message: row.message,
    count: row.count,
  }),
});

export const decodeDeferredSpawn = (row: Row): DeferredSpawn =>
  decode("deferred_spawns", DeferredSpawnSchema, decodeJson("deferred_spawns", row.spawn_json));
