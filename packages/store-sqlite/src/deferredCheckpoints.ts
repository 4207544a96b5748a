/**
 * Deferred WAL checkpoints: copying the write-ahead log back into the
 * database file syncs both files (two fsyncs). SQLite's automatic checkpoint
 * runs inside whichever commit fills the log past 1000 pages, so about one
 * interrupt in a hundred paid it between its outbox write and its push.
 * Deferred, a commit runs a checkpoint only past a large backstop; a passive
 * checkpoint runs on a timer instead, `delayMs` after the write that makes
 * `afterWrites` writes since the last one, outside any caller's write.
 *
 * Guarantees: what a write makes durable is unchanged (a commit is in the
 * log, synced as `synchronous` says, before the write returns; with `NORMAL`
 * the log is synced at a checkpoint at least as often as the automatic one
 * would, which comes every 300 or so small writes); the log stays bounded
 * (the backstop); the timer never keeps the process alive; after `stop()`
 * nothing runs.
 */
import type Database from "better-sqlite3";

/** When a deferred checkpoint runs, and the log size at which a commit checkpoints anyway. */
export interface DeferredCheckpointTiming {
  /** Writes since the last checkpoint that schedule the next one. */
  readonly afterWrites: number;
  /** How long after that write it runs: after a burst of writes, not inside it. */
  readonly delayMs: number;
  /** Log pages past which a commit checkpoints itself, should the timer not have run (SQLite's default is 1000). */
  readonly backstopPages: number;
}

/** The timing the host uses. */
export const DEFERRED_CHECKPOINT_TIMING: DeferredCheckpointTiming = {
  afterWrites: 100,
  delayMs: 1_000,
  backstopPages: 10_000,
};

/** Told of each committed write; `stop()` before the connection closes. */
export interface CheckpointScheduler {
  wrote(): void;
  stop(): void;
}

/** Switch `db` to deferred checkpoints (see the module header). */
export const deferCheckpoints = (
  db: Database.Database,
  timing: DeferredCheckpointTiming = DEFERRED_CHECKPOINT_TIMING,
): CheckpointScheduler => {
  db.pragma(`wal_autocheckpoint = ${timing.backstopPages}`);
  let writes = 0;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const checkpoint = () => {
    timer = null;
    if (stopped) return;
    writes = 0;
    try {
      // Passive: copies what no reader still needs and never waits for a lock.
      db.pragma("wal_checkpoint(PASSIVE)");
    } catch {
      // Retried after the next writes; the backstop bounds the log meanwhile.
    }
  };
  return {
    wrote() {
      writes += 1;
      if (stopped || timer !== null || writes < timing.afterWrites) return;
      timer = setTimeout(checkpoint, timing.delayMs);
      timer.unref();
    },
    stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
};
