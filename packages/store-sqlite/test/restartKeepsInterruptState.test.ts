/**
 * The real runtime on a real SQLite file, stopped and started again as a
 * host restart would: the interrupt tables and deferred spawns it wrote are
 * what the next host starts from. (The pure regressions are in core's
 * test/durableInterruptState.test.ts; this is the same sequence through the
 * store that ships.)
 */
import type { Runtime } from "@first-mate/core/runtime";
import type { SqliteStore } from "@first-mate/store-sqlite";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import { type Cleanups, sqliteFileWorld } from "./sqliteFileWorld.js";

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const world = () => {
  const { clock, worker, openStore, hostRuntime } = sqliteFileWorld(cleanups, "fm-restart-");
  /** A host process: its own store handle and runtime on the shared file, tmux and clock. */
  const startHost = async (owner: string): Promise<{ runtime: Runtime; store: SqliteStore }> => {
    const store = openStore();
    const runtime = hostRuntime(owner, store);
    await runtime.start();
    await runtime.idle();
    return { runtime, store };
  };
  const raise = async (runtime: Runtime, kind: "need_human" | "report", message: string) => {
    const event =
      kind === "report"
        ? { type: "ReportReceived" as const, now: clock.now(), paneId: worker, message }
        : { type: "NotifyReceived" as const, now: clock.now(), paneId: worker, kind, message };
    expect(E.isRight(await runtime.dispatch(event))).toBe(true);
    await runtime.idle();
  };
  const lastSeq = async (store: SqliteStore) => {
    const hydrated = await store.hydrate();
    if (E.isLeft(hydrated)) throw new Error(hydrated.left.message);
    return hydrated.right.lastOutboxSeq;
  };
  return { clock, worker, startHost, raise, lastSeq };
};

describe("a host restarted on the same SQLite file keeps its interrupt state", () => {
  it("a folded repeat survives a host restart and a duplicate interrupt after restart is still deduped", async () => {
    const { clock, startHost, raise, lastSeq } = world();
    const first = await startHost("host-a");
    await raise(first.runtime, "need_human", "approve the migration?");
    clock.advance(1_000);
    await raise(first.runtime, "need_human", "approve the migration?");
    expect(await lastSeq(first.store)).toBe(1);
    await first.runtime.stop();

    clock.advance(1_000);
    const second = await startHost("host-b");
    expect(Object.values(second.runtime.state().interrupts.repeats)).toEqual([
      expect.objectContaining({ message: "approve the migration?", count: 1 }),
    ]);
    await raise(second.runtime, "need_human", "approve the migration?");
    expect(await lastSeq(second.store)).toBe(1);
    expect(Object.values(second.runtime.state().interrupts.repeats)).toEqual([
      expect.objectContaining({ message: "approve the migration?", count: 2 }),
    ]);
  });

  it("rate limit holds across restart", async () => {
    const { clock, startHost, raise, lastSeq } = world();
    const first = await startHost("host-a");
    const limit = first.runtime.state().config.rateLimitWakes;
    for (let n = 0; n < limit; n++) {
      await raise(first.runtime, "report", `step ${n} done`);
      clock.advance(1_000);
    }
    expect(await lastSeq(first.store)).toBe(limit);
    await first.runtime.stop();

    const second = await startHost("host-b");
    await raise(second.runtime, "report", "one step more done");
    expect(await lastSeq(second.store)).toBe(limit);
  });
});
