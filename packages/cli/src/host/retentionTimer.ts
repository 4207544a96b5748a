/**
 * Retention on a timer: the captain's log keeps its newest entries (standing
 * orders are never pruned) and delivered outbox rows are dropped after an
 * age, so the store's tables stay bounded however long the host runs.
 *
 * Guarantees: one pass at start, then one every `intervalMinutes` (never two
 * at once); a pass that fails is reported and the next one runs as usual;
 * `stop` clears the timer (the timer never keeps the process alive), and a
 * pass still running then reports nothing (its store may be closing).
 * Does not: prune pending outbox rows (the core expires those by its TTL)
 * or alerts (one per pane; they end with their pane).
 */
import { describeError, type StoreError } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import { z } from "zod";

type MaybePromise<T> = T | Promise<T>;

/** The store operations retention needs (both store engines implement them). */
export interface RetentionStore {
  pruneLog(policy: { readonly keepNewest: number }): MaybePromise<E.Either<StoreError, number>>;
  pruneDeliveredOutbox(before: number): MaybePromise<E.Either<StoreError, number>>;
}

/** How much to keep, and how often to prune. */
export const RetentionPolicySchema = z.strictObject({
  /** Captain's-log entries kept (standing orders always stay). */
  logEntries: z.number().int().min(100).max(10_000_000).default(10_000),
  /** Days a delivered outbox row is kept. */
  deliveredOutboxDays: z.number().min(0).max(3650).default(7),
  /** Minutes between passes. */
  intervalMinutes: z
    .number()
    .min(0.01)
    .max(24 * 60)
    .default(60),
});
export type RetentionPolicy = z.infer<typeof RetentionPolicySchema>;

/** What one pass removed, or why it failed. */
export type RetentionPass =
  | { readonly ok: true; readonly logEntries: number; readonly outboxRows: number }
  | { readonly ok: false; readonly reason: string };

const DAY_MS = 24 * 60 * 60 * 1000;

/** Run one retention pass now. */
export const pruneOnce = async (
  store: RetentionStore,
  policy: RetentionPolicy,
  now: number,
): Promise<RetentionPass> => {
  try {
    const log = await store.pruneLog({ keepNewest: policy.logEntries });
    if (E.isLeft(log)) return { ok: false, reason: `captain's log: ${describeError(log.left)}` };
    const outbox = await store.pruneDeliveredOutbox(now - policy.deliveredOutboxDays * DAY_MS);
    if (E.isLeft(outbox)) return { ok: false, reason: `outbox: ${describeError(outbox.left)}` };
    return { ok: true, logEntries: log.right, outboxRows: outbox.right };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
};

/** Start pruning on a timer; returns `stop`. */
export const startRetention = (options: {
  readonly store: RetentionStore;
  readonly policy: RetentionPolicy;
  readonly now: () => number;
  readonly onPass?: (pass: RetentionPass) => void;
}): (() => void) => {
  let running = false;
  let stopped = false;
  const pass = async () => {
    if (running) return;
    running = true;
    try {
      const outcome = await pruneOnce(options.store, options.policy, options.now());
      if (!stopped) options.onPass?.(outcome);
    } finally {
      running = false;
    }
  };
  void pass();
  const timer = setInterval(() => void pass(), options.policy.intervalMinutes * 60_000);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
};
