/**
 * Invariant 14 for pushes: nothing reaches the first mate — an interrupt on
 * its channel, or a typed wake-up announcing interrupts — that is not in the
 * outbox on file. The oracle is the fake store's rows at the moment of the
 * push, never the core's idea of them.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyWorldAction } from "../../src/testing/applyWorldAction.js";
import { faultActionArb } from "../../src/testing/arbitraries.js";
import type { FakeWorld } from "../../src/testing/fakeWorld.js";
import { cheapExpect } from "../cheapExpect.js";
import { runActions, startedWorld, troubledActionArb } from "../worldSupport.js";

/** A push that carried more than the store held when it was made. */
interface OffFile {
  readonly push: string;
  readonly rows: readonly number[];
}

/** The number of interrupts a typed wake-up says are waiting. */
const announced = (text: string): number => Number(/(\d+) interrupts? waiting/.exec(text)?.[1] ?? 0);

/**
 * Watch every push the world makes and compare it with the store's outbox
 * at that moment: an interrupt pushed must have its row (same seq, kind and
 * source); a wake-up must not announce more interrupts than the store holds
 * undelivered.
 */
const auditPushes = (world: FakeWorld): OffFile[] => {
  const offFile: OffFile[] = [];
  const rows = () => world.store.snapshot().outbox;
  const emit = world.channel.emitSync;
  world.channel.emitSync = (paneId, content, meta) => {
    if (meta.kind === "interrupt") {
      const row = rows().get(Number(meta.seq));
      if (row === undefined || row.kind !== meta.interrupt || row.source !== meta.source)
        offFile.push({ push: `interrupt seq ${meta.seq}`, rows: [...rows().keys()] });
    }
    return emit(paneId, content, meta);
  };
  const sent = world.tmux.sent;
  const type = sent.push.bind(sent);
  sent.push = (...typed) => {
    for (const { text } of typed) {
      const waiting = [...rows().values()].filter((row) => !row.delivered);
      if (announced(text) > waiting.length) offFile.push({ push: text, rows: waiting.map((row) => row.seq) });
    }
    return type(...typed);
  };
  return offFile;
};

/**
 * Events that arrive together, before the world settles: a worker's notify
 * and the first mate's channel coming back, in either order — the race in
 * which an interrupt not yet on file could be pushed.
 */
const raceArb = fc.record({
  type: fc.constant("race" as const),
  index: fc.nat(20),
  attachFirst: fc.boolean(),
});
type Race = typeof raceArb extends fc.Arbitrary<infer T> ? T : never;

const race = (world: FakeWorld, { index, attachFirst }: Race): void => {
  const firstMate = world.firstMatePaneId();
  const workers = world.tmux.listSync().filter((pane) => pane.paneId !== firstMate && !pane.dead);
  const worker = workers[index % Math.max(1, workers.length)];
  if (!firstMate || !worker || !world.tmux.panes.has(firstMate)) return;
  if (world.channel.isAttached(firstMate)) world.channel.detach(firstMate);
  world.drive();
  const notify = () =>
    world.inject({ type: "NotifyReceived", now: world.now(), paneId: worker.paneId, kind: "need_human", message: "x" });
  if (attachFirst) world.channel.attach(firstMate, true);
  notify();
  if (!attachFirst) world.channel.attach(firstMate, true);
  world.drive();
};

/** A fleet's life with every fault (failed writes, lease loss, a second host, restarts) and the race above. */
const lifeArb = fc.record({
  workers: fc.integer({ min: 1, max: 3 }),
  actions: fc.array(
    fc.oneof(
      { weight: 3, arbitrary: troubledActionArb },
      { weight: 2, arbitrary: faultActionArb },
      { weight: 1, arbitrary: raceArb },
    ),
    { maxLength: 12 },
  ),
});

describe("invariant 14: a push carries only interrupts on file", () => {
  it("an interrupt whose outbox write failed is not pushed by a channel attach that was waiting ahead of the write", () => {
    // The runtime runs a batch's durable writes before the next waiting event is decided, and the core
    // hears a failed write first; the world decided the attach first and pushed the entry it then lost.
    const world = startedWorld(1);
    const firstMate = world.firstMatePaneId()!;
    const worker = world.tmux.listSync().find((pane) => pane.paneId !== firstMate)!.paneId;
    world.channel.detach(firstMate);
    world.drive();
    const offFile = auditPushes(world);
    world.store.failWrites(1, "enqueueOutbox");
    world.inject({ type: "NotifyReceived", now: world.now(), paneId: worker, kind: "need_human", message: "stuck" });
    world.channel.attach(firstMate, true);
    world.drive();
    world.advance(10 * world.state().config.tickMs);
    expect(world.events.some((event) => event.type === "StoreWriteFailed")).toBe(true);
    expect(offFile).toEqual([]);
  });

  it("a worker's 'needs a human' seen in its agent's evidence is not pushed by a host that knows it lost the lease", () => {
    // Shrunk from the property below: evidence admitted its interrupt without the lease check a notify has.
    const world = startedWorld(1);
    const offFile = auditPushes(world);
    runActions(world, [
      { type: "leaseTakenOver", ms: 5_001 },
      { type: "advance", ms: 5_000 },
      { type: "evidence", index: 0, state: "waiting_permission", source: "hook", ageMs: -1 },
    ]);
    expect(world.state().supervisor.leaseHeld).toBe(false);
    world.advance(world.state().config.pushIntervalMs);
    expect(offFile).toEqual([]);
    // Filed once the lease is back, then delivered with its row.
    expect(world.pushesToFirstMate().some((push) => push.meta.kind === "interrupt")).toBe(true);
  });

  it("property: in a world with faults, every interrupt pushed or announced has its outbox row at that moment", () => {
    fc.assert(
      fc.property(lifeArb, ({ workers, actions }) => {
        const world = startedWorld(workers);
        const offFile = auditPushes(world);
        for (const action of actions) {
          if (action.type === "race") race(world, action);
          else applyWorldAction(world, action);
        }
        world.advance(world.state().config.pushIntervalMs);
        cheapExpect(offFile).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });
});
