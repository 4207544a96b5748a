/**
 * Retention runs on a timer in the host, against the real SQLite store:
 * the captain's log keeps its newest entries (standing orders always) and
 * delivered outbox rows go after their age. Defaults: 10 000 log entries,
 * 7 days of delivered outbox, one pass an hour.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PaneId } from "@first-mate/core";
import { openSqliteStore, type SqliteStore } from "@first-mate/store-sqlite";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseHostConfig } from "../../src/host/hostConfig.js";
import { pruneOnce, RetentionPolicySchema, startRetention } from "../../src/host/retentionTimer.js";

const DAY = 24 * 60 * 60 * 1000;
const NOW = 1_800_000_000_000;

let dir: string;
let store: SqliteStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fm-retention-"));
  const opened = openSqliteStore({ path: join(dir, "db.sqlite") });
  if (E.isLeft(opened)) throw new Error(JSON.stringify(opened.left));
  store = opened.right;
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** Waits until `condition` holds (passes run on timers against a real file: their time is the machine's). */
const until = async (condition: () => boolean, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

const fill = async () => {
  for (let index = 0; index < 5; index += 1) {
    await store.appendLog({ kind: "standing_order", text: `order ${index}`, at: NOW - DAY, author: "first_mate" });
  }
  for (let index = 0; index < 250; index += 1) {
    await store.appendLog({ kind: "narrative", text: `entry ${index}`, at: NOW - DAY + index, author: "kit" });
  }
  const worker = "%5" as PaneId;
  for (let seq = 1; seq <= 4; seq += 1) {
    const createdAt = seq <= 2 ? NOW - 10 * DAY : NOW - DAY;
    await store.enqueueOutbox({ seq, source: worker, kind: "report", message: `r${seq}`, createdAt }, 0);
  }
  // Rows 1 and 3 delivered (long ago and recently), 2 and 4 still pending.
  await store.markDelivered(1, 0);
  await store.markDelivered(3, 0);
};

describe("retention on a timer", () => {
  it("defaults are 10 000 log entries, 7 days of delivered outbox, one pass an hour, in the host configuration", () => {
    const parsed = parseHostConfig({});
    expect(parsed.ok && parsed.config.retention).toEqual({
      logEntries: 10_000,
      deliveredOutboxDays: 7,
      intervalMinutes: 60,
    });
    const custom = parseHostConfig({ retention: { logEntries: 500 } });
    expect(custom.ok && custom.config.retention.logEntries).toBe(500);
    expect(parseHostConfig({ retention: { logEntries: 5 } }).ok).toBe(false);
  });

  it("a pass keeps the newest log entries and every standing order, and drops delivered rows past their age", async () => {
    await fill();
    const policy = RetentionPolicySchema.parse({ logEntries: 100, deliveredOutboxDays: 0 });
    const pass = await pruneOnce(store, policy, Date.now() + DAY);
    expect(pass).toEqual({ ok: true, logEntries: 150, outboxRows: 2 });
    const log = await store.readLog({ limit: 200 });
    expect(E.isRight(log) && log.right.length).toBe(105);
    expect(E.isRight(log) && log.right.filter((entry) => entry.kind === "standing_order")).toHaveLength(5);
    const pending = await store.listOutbox();
    expect(E.isRight(pending) && pending.right.map((entry) => entry.seq)).toEqual([2, 4]);
  });

  it("startRetention runs a pass at once and then on its interval, until stopped", async () => {
    await fill();
    const passes: unknown[] = [];
    const stop = startRetention({
      store,
      policy: RetentionPolicySchema.parse({ logEntries: 100, intervalMinutes: 0.01 }),
      now: () => NOW,
      onPass: (pass) => passes.push(pass),
    });
    await until(() => passes.length >= 1);
    expect(passes[0]).toMatchObject({ ok: true, logEntries: 150 });
    // The interval is 600 ms: a second pass follows the first.
    await until(() => passes.length >= 2);
    stop();
    const seen = passes.length;
    expect(
      passes
        .slice(1)
        .every((pass) => JSON.stringify(pass) === JSON.stringify({ ok: true, logEntries: 0, outboxRows: 0 })),
    ).toBe(true);
    // Longer than the interval: no pass after the stop.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(passes.length).toBe(seen);
  });

  it("a pass still running when retention stops reported after the stop (the host had closed the store): it reports nothing", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered = false;
    // A store whose first prune waits until the test lets it go.
    const slowStore = {
      pruneLog: async () => {
        entered = true;
        await held;
        return E.right(0);
      },
      pruneDeliveredOutbox: async () => E.right(0),
    };
    const passes: unknown[] = [];
    const stop = startRetention({
      store: slowStore,
      policy: RetentionPolicySchema.parse({}),
      now: () => NOW,
      onPass: (pass) => passes.push(pass),
    });
    await until(() => entered);
    stop();
    release();
    await held;
    // The pass's remaining steps are promise turns: let them all run.
    await new Promise((resolve) => setImmediate(resolve));
    expect(passes).toEqual([]);
  });
});
