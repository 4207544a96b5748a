/**
 * Regressions: interrupt state and deferred spawns a host restart lost.
 * Dedupe marks, source wakes and folded repeats lived only in memory, so a
 * restart woke the first mate again for what it had just been told, reset
 * every source's rate limit and forgot the repeats not yet reported; spawns
 * the budget deferred were forgotten too. The fake world restarts the host
 * on the same store, as a crashed and restarted process would.
 */
import { describe, expect, it } from "vitest";
import type { Command } from "../src/commands.js";
import { parseCoreConfig } from "../src/config.js";
import { dedupeKey } from "../src/decisions/interrupts.js";
import type { PaneId } from "../src/domain/paneId.js";
import { EMPTY_HYDRATION } from "../src/events.js";
import { initialState } from "../src/state.js";
import { step } from "../src/step.js";
import { createFakeWorld, type FakeWorld } from "../src/testing/fakeWorld.js";
import { T0, takeLease } from "./support.js";

const interruptPushesFrom = (world: FakeWorld, source: PaneId) =>
  world.pushesToFirstMate().filter((push) => push.meta.kind === "interrupt" && push.meta.source === source);

const enqueued = (world: FakeWorld) => world.commands.filter((command) => command.type === "store.enqueueOutbox");

/** A world with one worker and an attached first mate, settled. */
const settledWorld = (): { world: FakeWorld; worker: PaneId } => {
  const world = createFakeWorld({ config: { tickMs: 5_000, pushIntervalMs: 60_000 } });
  const worker = world.addWorker();
  world.start();
  world.drive();
  world.advance(1_000);
  return { world, worker };
};

const notify = (world: FakeWorld, worker: PaneId, message: string) => {
  world.inject({ type: "NotifyReceived", now: world.now(), paneId: worker, kind: "need_human", message });
  world.drive();
};

const report = (world: FakeWorld, worker: PaneId, message: string) => {
  world.inject({ type: "ReportReceived", now: world.now(), paneId: worker, message });
  world.drive();
};

describe("interrupt state survives a host restart", () => {
  it("a folded repeat survives a host restart and reaches the next digest", () => {
    const { world, worker } = settledWorld();
    notify(world, worker, "need approval");
    world.advance(1_000);
    notify(world, worker, "need approval");
    expect(interruptPushesFrom(world, worker)).toHaveLength(1);
    // The host dies before any digest told the first mate about the repeat.
    const pushesBefore = world.pushesToFirstMate().length;
    expect(world.pushesToFirstMate().some((push) => push.content.includes("REPEATED"))).toBe(false);
    world.restartHost();
    world.drive();
    expect(Object.values(world.state().interrupts.repeats)).toEqual([
      { source: worker, kind: "need_human", message: "need approval", count: 1 },
    ]);
    // The first mate's shim reconnects to the restarted host.
    world.channel.attach(world.firstMatePaneId()!, true);
    world.drive();
    world.advance(120_000);
    const later = world.pushesToFirstMate().slice(pushesBefore);
    expect(later.some((push) => push.content.includes(`REPEATED ${worker} need_human ×1`))).toBe(true);
    // Once told, it is gone from the store as well.
    expect(world.store.snapshot().repeats.size).toBe(0);
  });

  it("a duplicate interrupt after restart is still deduped", () => {
    const { world, worker } = settledWorld();
    notify(world, worker, "need approval");
    expect(enqueued(world)).toHaveLength(1);
    world.advance(5_000);
    world.restartHost();
    world.drive();
    world.advance(5_000);
    notify(world, worker, "need approval");
    expect(enqueued(world)).toHaveLength(1);
    expect(interruptPushesFrom(world, worker)).toHaveLength(1);
    expect(world.state().interrupts.repeats).not.toEqual({});
  });

  it("rate limit holds across restart", () => {
    const { world, worker } = settledWorld();
    const limit = world.state().config.rateLimitWakes;
    for (let n = 0; n < limit; n++) {
      report(world, worker, `step ${n} done`);
      world.advance(1_000);
    }
    expect(enqueued(world)).toHaveLength(limit);
    world.restartHost();
    world.drive();
    world.advance(1_000);
    report(world, worker, "one more step done");
    expect(enqueued(world)).toHaveLength(limit);
    expect(Object.values(world.state().interrupts.repeats).map((repeat) => repeat.message)).toContain(
      "one more step done",
    );
  });

  it("marks and wakes past their windows are not restored", () => {
    const { world, worker } = settledWorld();
    notify(world, worker, "need approval");
    world.advance(world.state().config.rateLimitWindowMs + 1_000);
    world.restartHost();
    world.drive();
    expect(world.state().interrupts.dedupeMarks).toEqual([]);
    expect(world.state().interrupts.sourceWakes).toEqual([]);
    notify(world, worker, "need approval");
    expect(enqueued(world)).toHaveLength(2);
  });
});

describe("deferred spawns survive a host restart", () => {
  it("a spawn the budget deferred is still released at the reset after a host restart", () => {
    const { world } = settledWorld();
    const reset = world.now() + 600_000;
    world.inject({
      type: "ConnHandedOff",
      now: world.now(),
      scope: { actions: ["spawn_worker"], targets: ["*"] },
      expiresAt: reset + 3_600_000,
    });
    world.inject({ type: "InputsUpdated", now: world.now(), usage: { percent: 91, resetsAt: reset } });
    const spawn = {
      id: "deferred-1",
      launch: { name: "helper", session: "fleet", argv: ["sleep", "60"] },
      requestedAt: world.now(),
      releaseAt: reset,
    };
    world.inject({ type: "SpawnDeferred", now: world.now(), spawn });
    world.drive();
    expect([...world.store.snapshot().deferred.values()]).toEqual([spawn]);
    world.restartHost();
    world.drive();
    expect(world.state().authority.deferred).toEqual([spawn]);
    const before = world.commands.length;
    world.advance(reset - world.now() + 1_000);
    const released = world.commands
      .slice(before)
      .filter((command) => command.type === "tmux.spawnWorker")
      .map((command) => (command.type === "tmux.spawnWorker" ? command.spawnId : null));
    expect(released).toEqual(["deferred-1"]);
    expect(world.store.snapshot().deferred.size).toBe(0);
  });
});

describe("interrupt state survives a lease takeover", () => {
  it("a duplicate interrupt after a lease takeover is still deduped, and the holder's own marks are filed under its epoch", () => {
    const worker = "%4" as PaneId;
    const message = "need approval";
    // Host B started as a standby before host A admitted anything.
    let [state] = step(initialState(parseCoreConfig({})), {
      type: "Started",
      now: T0,
      owner: "host-b",
      hydration: EMPTY_HYDRATION,
    });
    // Before it holds the lease, B admits one of its own (its write would be refused: stale epoch).
    const other = "%5" as PaneId;
    [state] = step(state, { type: "ReportReceived", now: T0 + 2_000, paneId: other, message: "done" });
    // B takes the lease; the store holds A's mark, A's wakes and a repeat A folded.
    const aKey = dedupeKey(worker, "need_human", message);
    let commands: Command[];
    [state, commands] = takeLease(state, T0 + 5_000, 2, {
      interruptTables: {
        dedupeMarks: [{ key: aKey, at: T0 + 1_000 }],
        sourceWakes: [{ source: worker, times: [T0 + 1_000] }],
        repeats: [{ key: aKey, repeat: { source: worker, kind: "need_human", message, count: 2 } }],
      },
    });
    // What only B knew is filed under its epoch; what it learnt from the store is not written back.
    expect(commands.filter((command) => command.type === "store.saveInterruptTables")).toEqual([
      {
        type: "store.saveInterruptTables",
        changes: {
          dedupeMarks: [{ key: dedupeKey(other, "report", "done"), at: T0 + 2_000 }],
          sourceWakes: [{ source: other, times: [T0 + 2_000] }],
          repeats: [],
        },
        epoch: 2,
      },
    ]);
    [state, commands] = [
      ...step(state, { type: "NotifyReceived", now: T0 + 6_000, paneId: worker, kind: "need_human", message }),
    ] as [typeof state, Command[]];
    expect(commands.filter((command) => command.type === "store.enqueueOutbox")).toEqual([]);
    expect(state.interrupts.repeats[aKey]?.count).toBe(3);
    expect(commands).toContainEqual({
      type: "store.saveInterruptTables",
      changes: {
        dedupeMarks: [],
        sourceWakes: [],
        repeats: [{ key: aKey, repeat: { source: worker, kind: "need_human", message, count: 3 } }],
      },
      epoch: 2,
    });
  });

  it("a spawn another holder deferred is the new holder's to release, and is not written back", () => {
    const [started] = step(initialState(parseCoreConfig({})), {
      type: "Started",
      now: T0,
      owner: "host-b",
      hydration: EMPTY_HYDRATION,
    });
    const deferred = {
      id: "deferred-a",
      launch: { name: "helper", session: "fleet", argv: ["sleep", "60"] },
      requestedAt: T0 - 1_000,
      releaseAt: T0 + 600_000,
    };
    const [state, commands] = takeLease(started, T0 + 5_000, 2, { deferred: [deferred] });
    expect(state.authority.deferred).toEqual([deferred]);
    expect(commands.filter((command) => command.type === "store.saveDeferredSpawns")).toEqual([]);
  });
});
