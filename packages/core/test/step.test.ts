import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../src/config.js";
import { EMPTY_HYDRATION, type Event } from "../src/events.js";
import { initialState } from "../src/state.js";
import { step, stepChecked } from "../src/step.js";
import { malformedPaneIdArb } from "../src/testing/arbitraries.js";
import { createFakeWorld } from "../src/testing/fakeWorld.js";
import { cheapExpect } from "./cheapExpect.js";
import { T0 } from "./support.js";

const fresh = initialState(DEFAULT_CONFIG);
const [started] = step(fresh, { type: "Started", now: T0, owner: "host", hydration: EMPTY_HYDRATION });

/** Valid events, then each one broken in a single field. */
const validEvents: Event[] = [
  { type: "Ticked", now: T0 },
  { type: "PaneExited", now: T0, paneId: null },
  { type: "NotifyReceived", now: T0, paneId: "%3" as never, kind: "need_human", message: "help" },
  { type: "ReportReceived", now: T0, paneId: "%3" as never, message: "done" },
  { type: "EmitSucceeded", now: T0, emitId: "digest-1" },
  { type: "LeaseRenewed", now: T0, held: true, expiresAt: T0 + 1, epoch: 1 },
];

const brokenEventArb = fc.oneof(
  // Anything at all.
  fc.anything(),
  // Objects with a known type but junk elsewhere.
  fc.record({
    type: fc.constantFrom("Ticked", "FleetObserved", "NotifyReceived", "SpawnSucceeded", "Started", "InputsUpdated"),
    now: fc.oneof(fc.constant(-1), fc.constant(1.5), fc.string(), fc.constant(null)),
    paneId: malformedPaneIdArb,
  }),
  // A valid event with one field made malformed.
  fc.tuple(fc.constantFrom(...validEvents), malformedPaneIdArb).map(([event, paneId]) => ({
    ...event,
    paneId,
    now: -5,
  })),
  fc.record({ type: fc.string().filter((type) => !validEvents.some((event) => event.type === type)), now: fc.nat() }),
);

describe("stepChecked", () => {
  it("rejects any event failing the schema with a typed EventRejected and changes nothing", () => {
    const snapshot = structuredClone(started);
    fc.assert(
      fc.property(brokenEventArb, (junk) => {
        const result = stepChecked(started, junk);
        cheapExpect(E.isLeft(result)).toBe(true);
        if (E.isLeft(result)) {
          cheapExpect(result.left._tag).toBe("EventRejected");
          cheapExpect(result.left.reason.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 1000 },
    );
    expect(started).toEqual(snapshot);
  });

  it("rejects events before Started, and step leaves the very same state", () => {
    for (const event of validEvents) {
      const result = stepChecked(fresh, event);
      expect(result).toEqual(E.left({ _tag: "EventRejected", reason: `${event.type} before Started` }));
      const [state, commands] = step(fresh, event);
      expect(state).toBe(fresh);
      expect(commands).toEqual([]);
    }
  });

  it("accepts a valid event and returns what step returns", () => {
    const result = stepChecked(started, { type: "Ticked", now: T0 + 30_000 });
    expect(result).toEqual(E.right(step(started, { type: "Ticked", now: T0 + 30_000 })));
  });

  it("names the failing field in the reason", () => {
    const result = stepChecked(started, {
      type: "NotifyReceived",
      now: T0,
      paneId: "3",
      kind: "need_human",
      message: "x",
    });
    expect(E.isLeft(result) && result.left.reason).toContain("paneId");
  });
});

describe("step", () => {
  it("Started renews the lease, asks for the next tick and observes", () => {
    const [, commands] = step(fresh, { type: "Started", now: T0, owner: "host", hydration: EMPTY_HYDRATION });
    expect(commands).toEqual([
      { type: "store.renewLease", owner: "host", now: T0, ttlMs: DEFAULT_CONFIG.leaseTtlMs },
      { type: "timer.wakeAt", at: T0 + DEFAULT_CONFIG.tickMs },
      { type: "fleet.observe", observeId: 1 },
    ]);
  });

  it("store commands come before effects in every result", () => {
    const world = createFakeWorld();
    world.addWorker();
    world.start();
    world.tmux.killPaneExternally(world.firstMatePaneId()!);
    world.drive();
    world.advance(400_000);
    let state = initialState(world.state().config);
    for (const event of world.events) {
      const [next, commands] = step(state, event);
      const firstEffect = commands.findIndex((command) => !command.type.startsWith("store."));
      if (firstEffect >= 0) {
        expect(commands.slice(firstEffect).every((command) => !command.type.startsWith("store."))).toBe(true);
      }
      state = next;
    }
  });

  it("time never runs backwards inside the core", () => {
    const [later] = step(started, { type: "Ticked", now: T0 + 10_000 });
    const [after] = step(later, { type: "PaneExited", now: T0, paneId: null });
    expect(after.now).toBe(T0 + 10_000);
  });

  it("kills strays in the first mate's window", () => {
    const world = createFakeWorld();
    world.start();
    const firstMate = world.firstMatePaneId()!;
    const stray = world.tmux.addPane({ command: "claude", session: "bridge", windowName: "first-mate" });
    const strayPid = world.tmux.panes.get(stray)?.pid;
    world.inject({ type: "PaneExited", now: world.now(), paneId: null });
    world.drive();
    // With the pane's pid, so its whole process tree is ended, not only what tmux closes.
    expect(world.commands).toContainEqual({
      type: "tmux.kill",
      paneId: stray,
      pid: strayPid,
      reason: "stray first mate",
    });
    expect(world.firstMatePanes().map((pane) => pane.paneId)).toEqual([firstMate]);
  });

  it("no spawn while the lease is held by another process", () => {
    const world = createFakeWorld({ owner: "second" });
    void world.store.renewLease("first", world.now(), 10 * 60_000);
    world.start();
    world.advance(5 * 60_000);
    expect(world.commands.filter((command) => command.type === "tmux.spawn")).toEqual([]);
    // Once the other holder's lease runs out, this one takes over and spawns.
    world.advance(10 * 60_000);
    expect(world.firstMatePanes()).toHaveLength(1);
  });

  it("kill switch: no spawn while set; a spawn once cleared", () => {
    const world = createFakeWorld();
    world.start();
    world.inject({ type: "KillSwitchSet", now: world.now(), on: true });
    world.drive();
    world.tmux.killPaneExternally(world.firstMatePaneId()!);
    world.drive();
    world.advance(30 * 60_000);
    expect(world.firstMatePanes()).toEqual([]);
    expect(world.commands.filter((command) => command.type === "tmux.spawn")).toHaveLength(1);
    world.inject({ type: "KillSwitchSet", now: world.now(), on: false });
    world.drive();
    expect(world.firstMatePanes()).toHaveLength(1);
  });

  it("a stale spawn result is killed, so two first mates never coexist", () => {
    const world = createFakeWorld();
    world.start();
    const stray = world.tmux.addPane({ command: "claude", session: "bridge", windowName: "first-mate" });
    world.inject({
      type: "SpawnSucceeded",
      now: world.now(),
      requestId: "spawn-77",
      paneId: stray,
      windowId: null,
      tokenHash: "b".repeat(64),
    });
    world.drive();
    expect(world.tmux.panes.has(stray)).toBe(false);
    expect(world.firstMatePanes()).toHaveLength(1);
  });

  it("a watched PR's CI turning red interrupts the first mate at once", () => {
    const world = createFakeWorld();
    const worker = world.addWorker();
    world.start();
    world.inject({
      type: "InputsUpdated",
      now: world.now(),
      panes: { [worker]: { pr: 12, ci: "pending", watched: true } },
    });
    world.drive();
    world.inject({
      type: "InputsUpdated",
      now: world.now(),
      panes: { [worker]: { pr: 12, ci: "red", watched: true } },
    });
    world.drive();
    const interrupts = world.pushesToFirstMate().filter((push) => push.meta.kind === "interrupt");
    expect(interrupts.map((push) => push.content)).toEqual([
      `[interrupt #1] CI RED ${worker} w${worker.slice(1)}: CI turned red on PR #12`,
    ]);
  });

  it("undelivered interrupts wait for the first mate and arrive in order", () => {
    const world = createFakeWorld();
    const worker = world.addWorker();
    world.start();
    const firstMate = world.firstMatePaneId()!;
    world.channel.detach(firstMate);
    world.drive();
    for (const message of ["one", "two", "three"]) {
      world.inject({ type: "ReportReceived", now: world.now(), paneId: worker, message });
      world.drive();
    }
    expect(world.state().interrupts.outbox.map((entry) => entry.seq)).toEqual([1, 2, 3]);
    world.channel.attach(firstMate, true);
    world.drive();
    const seqs = world
      .pushesToFirstMate()
      .filter((push) => push.meta.kind === "interrupt")
      .map((push) => push.meta.seq);
    expect(seqs).toEqual(["1", "2", "3"]);
    expect(world.state().interrupts.outbox).toEqual([]);
  });

  it("outbox entries older than the TTL are dropped, and the count rides the next digest", () => {
    const world = createFakeWorld({ config: { outboxTtlMs: 3_600_000 } });
    const worker = world.addWorker();
    world.start();
    const firstMate = world.firstMatePaneId()!;
    world.channel.detach(firstMate);
    world.drive();
    world.inject({ type: "ReportReceived", now: world.now(), paneId: worker, message: "lost in time" });
    world.drive();
    world.advance(3_600_000 + 60_000);
    expect(world.state().interrupts.outbox).toEqual([]);
    expect(world.state().interrupts.expiredUnreported).toBe(1);
    world.channel.attach(firstMate, true);
    world.drive();
    const last = world.pushesToFirstMate().at(-1)!;
    expect(last.content).toContain("1 undelivered interrupts expired unread");
    expect(world.state().interrupts.expiredUnreported).toBe(0);
  });
});
