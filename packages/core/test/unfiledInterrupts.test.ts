/**
 * Regressions: an interrupt or alert admitted while its write was refused
 * (a stale lease epoch) or never sent (a host that knows it does not hold
 * the lease) lived on in memory only, and the interrupt could be pushed
 * later with no outbox row — a push without its durable row. Now such an
 * entry waits unfiled, is never pushed, and is filed (numbered above the
 * store's own) once its host holds the lease and has read the store; the
 * failure names the entry it was for.
 */
import { describe, expect, it } from "vitest";
import type { Command } from "../src/commands.js";
import type { PaneId } from "../src/domain/paneId.js";
import { step } from "../src/step.js";
import { createFakeWorld, type FakeWorld } from "../src/testing/fakeWorld.js";
import { leaseTakenByAnotherHost, settledWorld, standbyWithoutLease } from "./leaseSituations.js";
import { T0 } from "./support.js";

const HOUR = 3_600_000;

const interruptPushes = (world: FakeWorld) =>
  world.pushesToFirstMate().filter((push) => push.meta.kind === "interrupt");

describe("an interrupt whose outbox write was refused is never pushed without its row", () => {
  it("stale lease epoch: the refused entry is not pushed when the first mate attaches, and is filed and pushed once the lease is back", () => {
    const { world, worker } = settledWorld();
    const firstMate = world.firstMatePaneId()!;
    world.channel.detach(firstMate);
    world.drive();
    leaseTakenByAnotherHost(world);
    world.inject({ type: "NotifyReceived", now: world.now(), paneId: worker, kind: "need_human", message: "approve?" });
    world.drive();
    const refused = world.commands.find((command) => command.type === "store.enqueueOutbox");
    if (refused?.type !== "store.enqueueOutbox") throw new Error("expected an outbox write");
    expect(world.state().interrupts.outbox).toEqual([]);
    // The first mate's shim reconnects to this host: nothing on file, so nothing is pushed.
    world.channel.attach(firstMate, true);
    world.drive();
    world.advance(60_000);
    expect(interruptPushes(world)).toEqual([]);
    expect(world.store.snapshot().outbox.size).toBe(0);
    // The failure names the entry it was for.
    expect(world.events).toContainEqual(
      expect.objectContaining({ type: "StoreWriteFailed", command: "store.enqueueOutbox", seq: refused.entry.seq }),
    );
    expect(world.alerts.filter((alert) => alert.code === "lease_lost").map((alert) => alert.message)).toContainEqual(
      expect.stringContaining(`store.enqueueOutbox (interrupt #${refused.entry.seq})`),
    );
    // The other host's lease runs out; this host takes it, reads the store, files the entry under its epoch, pushes it.
    world.advance(HOUR);
    const epoch = world.state().supervisor.leaseEpoch;
    expect(world.state().supervisor.leaseHeld).toBe(true);
    const filed = [...world.store.snapshot().outbox.values()];
    expect(filed.map((entry) => entry.message)).toEqual(["approve?"]);
    expect(world.commands).toContainEqual(
      expect.objectContaining({
        type: "store.enqueueOutbox",
        epoch,
        entry: expect.objectContaining({ message: "approve?" }),
      }),
    );
    expect(interruptPushes(world).map((push) => push.meta.seq)).toEqual([String(filed[0]!.seq)]);
    // The alert refused with it is filed too.
    expect(world.store.snapshot().alerts.get(worker)?.message).toBe("approve?");
  });

  it("a standby host holds what it admits apart from the outbox, and files it above the store's numbers once it takes the lease", () => {
    let state = standbyWithoutLease();
    let commands: readonly Command[];
    [state, commands] = step(state, {
      type: "NotifyReceived",
      now: T0 + 1_000,
      paneId: "%4" as PaneId,
      kind: "need_human",
      message: "approve?",
    });
    // Nothing it could push: the entry waits apart, and no write was sent.
    expect(state.interrupts.outbox).toEqual([]);
    expect(state.interrupts.unfiled.map((entry) => entry.message)).toEqual(["approve?"]);
    expect(commands.filter((command) => command.type.startsWith("store."))).toEqual([]);
    // It takes the lease: nothing is filed before the store is read under it.
    [state, commands] = step(state, {
      type: "LeaseRenewed",
      now: T0 + 2_000,
      held: true,
      expiresAt: T0 + 92_000,
      epoch: 4,
    });
    expect(commands.filter((command) => command.type === "store.enqueueOutbox")).toEqual([]);
    const readId = state.supervisorRead.inFlight!;
    [state, commands] = step(state, {
      type: "SupervisorStateRead",
      now: T0 + 2_001,
      readId,
      marker: null,
      ledger: [],
      gaveUp: false,
      resetAt: null,
      killSwitch: false,
      outbox: [],
      lastOutboxSeq: 7,
      alerts: [],
    });
    expect(commands).toContainEqual(
      expect.objectContaining({
        type: "store.enqueueOutbox",
        epoch: 4,
        entry: expect.objectContaining({ seq: 8, message: "approve?" }),
      }),
    );
    expect(commands).toContainEqual(
      expect.objectContaining({ type: "store.setAlert", epoch: 4, alert: expect.objectContaining({ paneId: "%4" }) }),
    );
    expect(state.interrupts.unfiled).toEqual([]);
    expect(state.interrupts.outbox.map((entry) => entry.seq)).toEqual([8]);
    expect(state.unfiledAlerts).toEqual([]);
  });

  it("a write that failed while the lease was held (the store locked) is written again at the next tick", () => {
    const { world, worker } = settledWorld();
    world.channel.detach(world.firstMatePaneId()!);
    world.drive();
    world.store.failWrites(1, "enqueueOutbox");
    world.inject({ type: "NotifyReceived", now: world.now(), paneId: worker, kind: "need_human", message: "approve?" });
    world.drive();
    expect(world.store.snapshot().outbox.size).toBe(0);
    expect(world.state().interrupts.unfiled).toHaveLength(1);
    world.advance(5_000);
    expect([...world.store.snapshot().outbox.values()].map((entry) => entry.message)).toEqual(["approve?"]);
    expect(world.state().interrupts.unfiled).toEqual([]);
  });
});

describe("the pending outbox read under a newly taken lease", () => {
  it("does not bring back an entry pushed and held for an unconfirmed channel (it would be pushed twice)", () => {
    const world = createFakeWorld({ config: { tickMs: 5_000 }, firstMateAcknowledges: false });
    const worker = world.addWorker();
    world.start();
    world.advance(1_000);
    world.inject({ type: "NotifyReceived", now: world.now(), paneId: worker, kind: "need_human", message: "approve?" });
    world.drive();
    const held = world.state().channel.held.map((entry) => entry.seq);
    expect(held).toHaveLength(1);
    const pending = [...world.store.snapshot().outbox.values()].filter((entry) => !entry.delivered);
    expect(pending.map((entry) => entry.seq)).toEqual(held);
    // The lease is taken anew (a new epoch): the store is read again under it.
    const epoch = world.state().supervisor.leaseEpoch + 1;
    let [state, commands] = step(world.state(), {
      type: "LeaseRenewed",
      now: world.now(),
      held: true,
      expiresAt: world.now() + 90_000,
      epoch,
    });
    const readId = state.supervisorRead.inFlight!;
    [state, commands] = step(state, {
      type: "SupervisorStateRead",
      now: world.now(),
      readId,
      marker: state.supervisor.marker,
      ledger: [],
      gaveUp: false,
      resetAt: null,
      killSwitch: false,
      outbox: pending.map(({ seq, source, kind, message, createdAt }) => ({ seq, source, kind, message, createdAt })),
      lastOutboxSeq: Math.max(...held),
      alerts: [],
    });
    expect(state.interrupts.outbox).toEqual([]);
    expect(commands.filter((command) => command.type === "channel.emit" && command.purpose === "interrupt")).toEqual(
      [],
    );
  });
});
