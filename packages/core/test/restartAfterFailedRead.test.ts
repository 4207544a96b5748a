/**
 * Regression: a host restarted while its read of the store failed started
 * with no alerts and no pending outbox, and never read them again — a
 * worker that needed a human showed as not blocked once things settled,
 * and its interrupt waited on file until some later restart. (Found by the
 * reducer's model run, which left failed reads out for it.) The store's
 * alerts and pending outbox are now read with the supervisor state once
 * the host holds the lease, and joined with what it admitted since.
 */
import { describe, expect, it } from "vitest";
import { createFakeWorld } from "../src/testing/fakeWorld.js";

const SETTLE_MS = 30 * 60_000;

describe("a restart whose read of the store failed", () => {
  it("still shows the worker that needs a human as blocked, and delivers the interrupt that waited on file", () => {
    const world = createFakeWorld();
    world.start();
    const worker = world.addWorker({ title: "working" });
    const firstMate = world.firstMatePaneId()!;
    // The first mate is away: the interrupt waits in the outbox on file.
    world.channel.detach(firstMate);
    world.drive();
    world.inject({ type: "NotifyReceived", now: world.now(), paneId: worker, kind: "need_human", message: "approve?" });
    world.drive();
    const pending = [...world.store.snapshot().outbox.values()].filter((entry) => !entry.delivered);
    expect(pending.map((entry) => entry.message)).toEqual(["approve?"]);
    // The host restarts and cannot read the store at start; the first mate's shim reconnects to it.
    world.restartHost(undefined, { hydrateFails: true });
    world.channel.attach(firstMate, true);
    world.advance(SETTLE_MS);
    const state = world.state();
    expect(state.firstMateAttached).toBe(true);
    expect(world.digest().panes.find((row) => row.handle === worker)?.blocked).toBe(true);
    expect([...world.store.snapshot().outbox.values()].filter((entry) => !entry.delivered)).toEqual([]);
    expect(
      world
        .pushesToFirstMate()
        .filter((push) => push.meta.kind === "interrupt")
        .map((push) => push.meta.seq),
    ).toContain(String(pending[0]!.seq));
  });
});
