/**
 * Regressions: a durable write that fails stops the effects of its batch,
 * and the core hears of it (StoreWriteFailed, and each skipped effect's own
 * failure) and decides: the spawn backs off and retries, the human is told.
 */
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import type { StorePort } from "../../src/ports/storePort.js";
import { createRuntime, type Runtime, type RuntimeReport } from "../../src/runtime/createRuntime.js";
import { createFakeChannel } from "../../src/testing/fakeChannel.js";
import { createFakeClock } from "../../src/testing/fakeClock.js";
import { createFakeStore } from "../../src/testing/fakeStore.js";
import { createFakeTmux } from "../../src/testing/fakeTmux.js";
import { createStubLauncher } from "../../src/testing/stubLauncher.js";

const running: Runtime[] = [];
afterEach(async () => {
  for (const runtime of running.splice(0)) await runtime.stop();
});

const unavailable = { _tag: "StoreUnavailable", message: "database is locked" } as const;

const setup = (failing: { recordStart?: boolean; enqueueOutbox?: boolean }) => {
  const clock = createFakeClock();
  const tmux = createFakeTmux(() => clock.now());
  const channel = createFakeChannel();
  const inner = createFakeStore();
  const store: StorePort = {
    ...inner,
    recordStart: async (record, epoch) =>
      failing.recordStart ? E.left(unavailable) : inner.recordStart(record, epoch),
    enqueueOutbox: async (entry, epoch) =>
      failing.enqueueOutbox ? E.left(unavailable) : inner.enqueueOutbox(entry, epoch),
  };
  const runtime = createRuntime({
    tmux,
    channel,
    store,
    clock,
    launcher: createStubLauncher(),
    owner: "host",
  });
  const reports: RuntimeReport[] = [];
  runtime.subscribe((report) => reports.push(report));
  running.push(runtime);
  return { clock, tmux, channel, inner, runtime, reports };
};

describe("a failed durable write stops its effects", () => {
  it("a failed durable write does not stop its effects: with recordStart failing no spawn runs, the human is told, and the spawn comes once the store is back", async () => {
    const failing = { recordStart: true };
    const { runtime, tmux, inner, reports, clock } = setup(failing);
    await runtime.start();
    await runtime.idle();
    expect(tmux.spawned).toEqual([]);
    expect(inner.snapshot().ledger.size).toBe(0);
    expect(reports.some((report) => report.type === "alert" && report.code === "store_write_failed")).toBe(true);
    expect(runtime.status().spawnInFlight).toBe(false);
    // The store comes back: after the backoff the start is recorded, then spawned.
    failing.recordStart = false;
    for (let i = 0; i < 20 && tmux.spawned.length === 0; i++) {
      clock.advance(30_000);
      await runtime.idle();
    }
    expect(tmux.spawned).toHaveLength(1);
    expect([...inner.snapshot().ledger.values()].some((record) => record.outcome === "running")).toBe(true);
  });

  it("a failed enqueueOutbox stops the interrupt push of its batch", async () => {
    const failing = { enqueueOutbox: false };
    const { runtime, tmux, channel } = setup(failing);
    const worker = tmux.addPane({ command: "claude", title: "working" });
    await runtime.start();
    await runtime.idle();
    const firstMate = runtime.status().firstMate!.paneId;
    channel.attach(firstMate, true);
    await runtime.idle();
    const interrupts = () => (channel.received.get(firstMate) ?? []).filter((push) => push.meta.kind === "interrupt");
    const before = interrupts().length;
    failing.enqueueOutbox = true;
    await runtime.dispatch({
      type: "NotifyReceived",
      now: 1,
      paneId: worker,
      kind: "need_human",
      message: "which DB?",
    });
    await runtime.idle();
    expect(interrupts()).toHaveLength(before);
  });
});

describe("a failed hydrate", () => {
  it("give-up and sequence numbers lost on a failed hydrate: no spawn despite the give-up, and no outbox number reused", async () => {
    const clock = createFakeClock();
    const tmux = createFakeTmux(() => clock.now());
    const inner = createFakeStore();
    // What an earlier run left: a give-up and one pending interrupt, number 1.
    const worker = tmux.addPane({ command: "claude", title: "working" });
    await inner.renewLease("earlier", clock.now() - 200_000, 1);
    const epoch = inner.snapshot().leaseEpoch;
    await inner.setSupervisorGaveUp(true, clock.now() - 100_000, epoch);
    await inner.enqueueOutbox(
      { seq: 1, source: worker, kind: "need_human", message: "old", createdAt: clock.now() },
      epoch,
    );
    let failures = 1;
    const store: StorePort = {
      ...inner,
      hydrate: async () => (failures-- > 0 ? E.left(unavailable) : inner.hydrate()),
    };
    const runtime = createRuntime({
      tmux,
      channel: createFakeChannel(),
      store,
      clock,
      launcher: createStubLauncher(),
      owner: "host",
    });
    running.push(runtime);
    await runtime.start();
    await runtime.idle();
    clock.advance(60_000);
    await runtime.idle();
    expect(tmux.spawned).toEqual([]);
    expect(runtime.status().gaveUp).toBe(true);
    await runtime.dispatch({
      type: "NotifyReceived",
      now: clock.now(),
      paneId: worker,
      kind: "need_human",
      message: "new",
    });
    await runtime.idle();
    const pending = [...inner.snapshot().outbox.values()].filter((entry) => !entry.delivered);
    expect(pending.map((entry) => entry.message).sort()).toEqual(["new", "old"]);
    expect(pending.find((entry) => entry.message === "old")?.seq).toBe(1);
  });
});
