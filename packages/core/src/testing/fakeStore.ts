/**
 * An in-memory StorePort with the same contract as the SQLite store
 * (validation, lease semantics, outbox order). For the core's tests and
 * embedders' property tests; `snapshot()` exposes its contents.
 */
import * as E from "fp-ts/lib/Either.js";
import {
  DEFERRED_SPAWN_CAP,
  type DeferredSpawn,
  type DeferredSpawnChange,
  DeferredSpawnChangeSchema,
} from "../authority/deferredSpawns.js";
import { INTERRUPT_TABLE_CAPS } from "../decisions/interrupts.js";
import type { FoldedRepeat } from "../decisions/renderDelta.js";
import type { Alert } from "../domain/alert.js";
import type { OutboxEntry } from "../domain/interrupt.js";
import { type InterruptTableChanges, InterruptTableChangesSchema } from "../domain/interruptTables.js";
import { type LogEntry, type NewLogEntry, NewLogEntrySchema } from "../domain/logEntry.js";
import { type Marker, MarkerSchema, type StartRecord, StartRecordSchema } from "../domain/marker.js";
import type { Hydration } from "../events.js";
import type { AuthorityStorePort } from "../ports/authorityStore.js";
import type { StoreError } from "../ports/errors.js";
import type { LeaseState, StorePort } from "../ports/storePort.js";
import { createMemoryAuthorityStore, type MemoryAuthorityContents } from "../runtime/memoryAuthorityStore.js";

/** What the fake store holds, table by table. */
export interface FakeStoreContents {
  marker: Marker | null;
  ledger: Map<number, StartRecord>;
  log: LogEntry[];
  alerts: Map<string, Alert>;
  outbox: Map<number, OutboxEntry & { delivered: boolean }>;
  killSwitch: boolean;
  gaveUp: boolean;
  resetAt: number | null;
  lease: { owner: string | null; expiresAt: number };
  /** The lease's fencing epoch (see `LeaseState.epoch`). */
  leaseEpoch: number;
  /** Last wake per dedupe key. */
  dedupeMarks: Map<string, number>;
  /** Recent wakes per source. */
  sourceWakes: Map<string, readonly number[]>;
  /** Folded repeats per dedupe key. */
  repeats: Map<string, FoldedRepeat>;
  /** Deferred spawns by id. */
  deferred: Map<string, DeferredSpawn>;
}

/** Drop the entries with the smallest `age` until at most `cap` remain. */
const trimOldest = <K, V>(table: Map<K, V>, cap: number, age: (value: V) => number): void => {
  if (table.size <= cap) return;
  const oldest = [...table].sort((a, b) => age(a[1]) - age(b[1])).slice(0, table.size - cap);
  for (const [key] of oldest) table.delete(key);
};

/** A store port in memory: its contents readable, and made unavailable on demand. */
export interface FakeStore extends StorePort, AuthorityStorePort {
  snapshot(): FakeStoreContents;
  /** The conn, proposals and role extensions (docs/design.md, Authority). */
  authoritySnapshot(): MemoryAuthorityContents;
  /** Make every later call fail with StoreUnavailable (a locked database). */
  setUnavailable(unavailable: boolean): void;
  /** Whether calls fail now (see `setUnavailable`). */
  isUnavailable(): boolean;
  /** What `hydrate` answers, read synchronously (whether or not the store is unavailable). */
  hydration(): Hydration;
}

const invalid = (message: string): StoreError => ({ _tag: "StoreInvalidInput", message });

/** The error every store returns for a holder-only write under a superseded lease epoch. */
export const staleEpoch = (epoch: number, current: number): StoreError => ({
  _tag: "StoreStaleEpoch",
  epoch,
  current,
  message: `lease epoch ${epoch} is stale (the lease is at epoch ${current}): another host took the lease`,
});

/** A fresh, empty fake store. */
export const createFakeStore = (): FakeStore => {
  const contents: FakeStoreContents = {
    marker: null,
    ledger: new Map(),
    log: [],
    alerts: new Map(),
    outbox: new Map(),
    killSwitch: false,
    gaveUp: false,
    resetAt: null,
    lease: { owner: null, expiresAt: 0 },
    leaseEpoch: 0,
    dedupeMarks: new Map(),
    sourceWakes: new Map(),
    repeats: new Map(),
    deferred: new Map(),
  };
  let unavailable = false;
  const authority = createMemoryAuthorityStore(() => !unavailable);
  let lastSeq = 0;
  const run = async <T>(body: () => E.Either<StoreError, T>): Promise<E.Either<StoreError, T>> =>
    unavailable ? E.left({ _tag: "StoreUnavailable", message: "database is locked" }) : body();
  const leaseState = (owner: string | null): LeaseState => ({
    held: owner !== null && contents.lease.owner === owner,
    owner: contents.lease.owner,
    expiresAt: contents.lease.expiresAt,
    epoch: contents.leaseEpoch,
  });
  /** A holder-only write runs only under the current lease epoch. */
  const fenced = <T>(epoch: number, body: () => E.Either<StoreError, T>): Promise<E.Either<StoreError, T>> =>
    run(() => (epoch === contents.leaseEpoch ? body() : E.left(staleEpoch(epoch, contents.leaseEpoch))));

  /** What `hydrate` answers, read synchronously. */
  const hydration = (): Hydration => ({
    marker: contents.marker,
    ledger: [...contents.ledger.values()].sort((a, b) => a.attempt - b.attempt),
    outbox: [...contents.outbox.values()]
      .filter((entry) => !entry.delivered)
      .sort((a, b) => a.seq - b.seq)
      .map(({ delivered: _delivered, ...entry }) => entry),
    lastOutboxSeq: lastSeq,
    alerts: [...contents.alerts.values()],
    killSwitch: contents.killSwitch,
    gaveUp: contents.gaveUp,
    resetAt: contents.resetAt,
    conn: authority.contents().conn,
    interruptTables: {
      dedupeMarks: [...contents.dedupeMarks].map(([key, at]) => ({ key, at })),
      sourceWakes: [...contents.sourceWakes].map(([source, times]) => ({
        source: source as Hydration["outbox"][number]["source"],
        times: [...times],
      })),
      repeats: [...contents.repeats].map(([key, repeat]) => ({ key, repeat })),
    },
    deferred: [...contents.deferred.values()],
  });

  return {
    ...authority,
    snapshot: () => contents,
    authoritySnapshot: () => authority.contents(),
    setUnavailable(value) {
      unavailable = value;
    },
    isUnavailable: () => unavailable,
    hydration,
    hydrate: () => run(() => E.right<StoreError, Hydration>(hydration())),
    readMarker: () => run(() => E.right(contents.marker)),
    setMarker: (marker, epoch) =>
      fenced(epoch, () => {
        const parsed = MarkerSchema.safeParse(marker);
        if (!parsed.success) return E.left(invalid(`marker: ${parsed.error.issues[0]?.message}`));
        contents.marker = parsed.data;
        return E.right(undefined);
      }),
    clearMarker: (paneId, epoch) =>
      fenced(epoch, () => {
        if (contents.marker?.paneId === paneId) contents.marker = null;
        return E.right(undefined);
      }),
    recordStart: (record, epoch) =>
      fenced(epoch, () => {
        const parsed = StartRecordSchema.safeParse(record);
        if (!parsed.success) return E.left(invalid(`ledger: ${parsed.error.issues[0]?.message}`));
        contents.ledger.set(record.attempt, parsed.data);
        return E.right(undefined);
      }),
    readLedger: (since) =>
      run(() =>
        E.right(
          [...contents.ledger.values()]
            .filter((record) => record.startedAt >= since)
            .sort((a, b) => a.attempt - b.attempt),
        ),
      ),
    setSupervisorGaveUp: (gaveUp, at, epoch) => {
      if (gaveUp && epoch === null) return run(() => E.left(invalid("a give-up must carry the lease epoch")));
      const write = (): E.Either<StoreError, void> => {
        contents.gaveUp = gaveUp;
        if (!gaveUp) contents.resetAt = at;
        return E.right(undefined);
      };
      return epoch === null ? run(write) : fenced(epoch, write);
    },
    appendLog: (entry: NewLogEntry) =>
      run(() => {
        const parsed = NewLogEntrySchema.safeParse(entry);
        if (!parsed.success) return E.left(invalid(`log: ${parsed.error.issues[0]?.message}`));
        const stored: LogEntry = { ...parsed.data, id: contents.log.length + 1 };
        contents.log.push(stored);
        return E.right(stored);
      }),
    readLog: (query) =>
      run(() => {
        if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 200)
          return E.left(invalid("limit must be 1–200"));
        const rows = contents.log.filter((entry) => !query.kind || entry.kind === query.kind);
        return E.right(rows.slice(-query.limit).reverse());
      }),
    setAlert: (alert) =>
      run(() => {
        contents.alerts.set(alert.paneId, alert);
        return E.right(undefined);
      }),
    clearAlert: (paneId) =>
      run(() => {
        contents.alerts.delete(paneId);
        return E.right(undefined);
      }),
    readAlerts: () => run(() => E.right([...contents.alerts.values()])),
    enqueueOutbox: (entry) =>
      run(() => {
        if (contents.outbox.has(entry.seq))
          return E.left({ _tag: "StoreConstraint", message: `outbox seq ${entry.seq} exists` });
        contents.outbox.set(entry.seq, { ...entry, delivered: false });
        lastSeq = Math.max(lastSeq, entry.seq);
        return E.right(undefined);
      }),
    listOutbox: () =>
      run(() =>
        E.right(
          [...contents.outbox.values()]
            .filter((entry) => !entry.delivered)
            .sort((a, b) => a.seq - b.seq)
            .map(({ delivered: _delivered, ...entry }) => entry),
        ),
      ),
    markDelivered: (seq) =>
      run(() => {
        const entry = contents.outbox.get(seq);
        if (entry) entry.delivered = true;
        return E.right(undefined);
      }),
    expireOutbox: (before) =>
      run(() => {
        let count = 0;
        for (const [seq, entry] of contents.outbox) {
          if (!entry.delivered && entry.createdAt < before) {
            contents.outbox.delete(seq);
            count++;
          }
        }
        return E.right(count);
      }),
    saveInterruptTables: (changes: InterruptTableChanges, epoch) =>
      fenced(epoch, () => {
        const parsed = InterruptTableChangesSchema.safeParse(changes);
        if (!parsed.success) return E.left(invalid(`interrupt tables: ${parsed.error.issues[0]?.message}`));
        const repeats = new Map(contents.repeats);
        for (const row of parsed.data.repeats) {
          if (row.repeat === null) repeats.delete(row.key);
          else repeats.set(row.key, row.repeat);
        }
        if (repeats.size > INTERRUPT_TABLE_CAPS.foldedRepeats + 1)
          return E.left({
            _tag: "StoreConstraint",
            message: `more than ${INTERRUPT_TABLE_CAPS.foldedRepeats + 1} folded repeats`,
          });
        contents.repeats = repeats;
        for (const row of parsed.data.dedupeMarks) {
          if (row.at === null) contents.dedupeMarks.delete(row.key);
          else contents.dedupeMarks.set(row.key, row.at);
        }
        for (const row of parsed.data.sourceWakes) {
          if (row.times === null) contents.sourceWakes.delete(row.source);
          else contents.sourceWakes.set(row.source, row.times);
        }
        trimOldest(contents.dedupeMarks, INTERRUPT_TABLE_CAPS.dedupeKeys, (at) => at);
        trimOldest(contents.sourceWakes, INTERRUPT_TABLE_CAPS.rateSources, (times) => Math.max(0, ...times));
        return E.right(undefined);
      }),
    saveDeferredSpawns: (changes: readonly DeferredSpawnChange[], epoch) =>
      fenced(epoch, () => {
        const parsed = DeferredSpawnChangeSchema.array().safeParse(changes);
        if (!parsed.success) return E.left(invalid(`deferred spawns: ${parsed.error.issues[0]?.message}`));
        const deferred = new Map(contents.deferred);
        for (const row of parsed.data) {
          if (row.spawn === null) deferred.delete(row.id);
          else deferred.set(row.id, row.spawn);
        }
        if (deferred.size > DEFERRED_SPAWN_CAP)
          return E.left({ _tag: "StoreConstraint", message: `more than ${DEFERRED_SPAWN_CAP} deferred spawns` });
        contents.deferred = deferred;
        return E.right(undefined);
      }),
    readKillSwitch: () => run(() => E.right(contents.killSwitch)),
    readSupervisorFlags: () =>
      run(() => E.right({ killSwitch: contents.killSwitch, gaveUp: contents.gaveUp, resetAt: contents.resetAt })),
    setKillSwitch: (on) =>
      run(() => {
        contents.killSwitch = on;
        return E.right(undefined);
      }),
    renewLease: (owner, now, ttlMs) =>
      run(() => {
        if (contents.lease.owner === null || contents.lease.owner === owner || contents.lease.expiresAt <= now) {
          // Changing hands raises the epoch; the holder renewing keeps it.
          if (contents.lease.owner !== owner) contents.leaseEpoch++;
          contents.lease = { owner, expiresAt: now + ttlMs };
        }
        return E.right(leaseState(owner));
      }),
    releaseLease: (owner) =>
      run(() => {
        if (contents.lease.owner === owner) contents.lease = { owner: null, expiresAt: 0 };
        return E.right(undefined);
      }),
    readLease: () => run(() => E.right(leaseState(contents.lease.owner))),
    close: async () => {},
  };
};
