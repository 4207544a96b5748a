/**
 * Regression, through the real runtime on a real SQLite file: a host whose
 * lease a second host took (behind its back, as after a pause past its
 * expiry) admitted an interrupt, had its outbox write refused for the stale
 * epoch, kept the entry in memory, and pushed it to the first mate once its
 * shim attached — a push with no outbox row. Now the refused entry waits
 * unfiled and is pushed only after this host holds the lease again and has
 * filed it.
 */
import type { RuntimeReport } from "@first-mate/core/runtime";
import { createFakeChannel } from "@first-mate/core/testing";
import Database from "better-sqlite3";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import { type Cleanups, sqliteFileWorld } from "./sqliteFileWorld.js";

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const HOUR = 3_600_000;

describe("an interrupt refused for a stale lease epoch (real runtime, SQLite)", () => {
  it("is not pushed while it has no outbox row, and is filed and pushed once the host holds the lease again", async () => {
    const { path, clock, worker, openStore, hostRuntime } = sqliteFileWorld(cleanups, "fm-refused-");
    const store = openStore();
    const channel = createFakeChannel();
    const runtime = hostRuntime("host-a", store, channel);
    const reports: RuntimeReport[] = [];
    runtime.subscribe((report) => reports.push(report));
    await runtime.start();
    await runtime.idle();
    const firstMate = runtime.status().firstMate?.paneId;
    if (firstMate === undefined) throw new Error("no first mate");
    expect(runtime.status().leaseHeld).toBe(true);

    // A second host takes the lease on the same file, as it may once host-a's lease ran out while it was paused.
    const second = openStore();
    const taken = await second.renewLease("host-b", clock.now() + HOUR, HOUR);
    expect(E.isRight(taken) && taken.right.held).toBe(true);

    // host-a, unaware, admits an interrupt: its outbox write is refused for the stale epoch.
    await runtime.dispatch({
      type: "NotifyReceived",
      now: clock.now(),
      paneId: worker,
      kind: "need_human",
      message: "approve the migration?",
    });
    await runtime.idle();
    // Every outbox row, delivered or not, read apart from both hosts.
    const onFile = () => {
      const db = new Database(path, { readonly: true });
      try {
        return db.prepare("SELECT seq, message FROM outbox ORDER BY seq").all() as { seq: number; message: string }[];
      } finally {
        db.close();
      }
    };
    expect(onFile()).toEqual([]);

    // The first mate's shim attaches to host-a: no interrupt reaches it, since none is on file.
    channel.attach(firstMate, true);
    await runtime.idle();
    // It acts on the digest it was pushed, so its channel is confirmed (pushes, not typed wake-ups).
    const digest = channel.received.get(firstMate)?.find((push) => push.meta.kind === "digest_full");
    expect(digest).toBeDefined();
    await runtime.dispatch({
      type: "FirstMateToolCalled",
      now: clock.now(),
      paneId: firstMate,
      tool: "fleet_digest",
      ack: digest!.meta.push!,
    });
    clock.advance(60_000);
    await runtime.idle();
    const interrupts = () => (channel.received.get(firstMate) ?? []).filter((push) => push.meta.kind === "interrupt");
    expect(interrupts()).toEqual([]);

    // host-b goes away; host-a takes the lease at its next tick, reads the store, files the entry and pushes it.
    expect(E.isRight(await second.releaseLease("host-b"))).toBe(true);
    for (let round = 0; round < 10 && interrupts().length === 0; round++) {
      clock.advance(runtime.state().config.tickMs);
      await runtime.idle();
    }
    expect(runtime.status().leaseHeld).toBe(true);
    const filed = onFile();
    expect(filed.map((entry) => entry.message)).toEqual(["approve the migration?"]);
    expect(interrupts().map((push) => push.meta.seq)).toEqual([String(filed[0]!.seq)]);
    // The refusal named the entry it was for.
    const failed = reports.find(
      (report) =>
        report.type === "event" &&
        report.event.type === "StoreWriteFailed" &&
        report.event.command === "store.enqueueOutbox",
    );
    expect(failed?.type === "event" && failed.event.type === "StoreWriteFailed" && failed.event.seq).toBeGreaterThan(0);
  });
});
