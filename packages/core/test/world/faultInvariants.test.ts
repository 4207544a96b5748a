/**
 * Invariants 2 and 5 in the world that can go wrong (every fault of
 * `faultActionArb` mixed into the fleet's life), and invariant 3 (every
 * fault too) against a reference model of what the first mate should know as the oracle for
 * "everything delivered": built from the world's own tmux and the embedder
 * inputs it was fed, never from `diverge` or the core's state.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { applyWorldAction } from "../../src/testing/applyWorldAction.js";
import { faultActionArb } from "../../src/testing/arbitraries.js";
import type { FakeWorld } from "../../src/testing/fakeWorld.js";
import { cheapExpect } from "../cheapExpect.js";
import { knownPicture, replay, runWithReferenceModel as run, troubledActionArb } from "../worldSupport.js";

const faultyArb = fc.record({
  workers: fc.integer({ min: 0, max: 3 }),
  actions: fc.array(fc.oneof({ weight: 2, arbitrary: troubledActionArb }, { weight: 1, arbitrary: faultActionArb }), {
    maxLength: 14,
  }),
});

/** Faults over: store, tmux and channel behave, the kill switch is off, the first mate answers wake-ups. */
const heal = (world: FakeWorld): void => {
  world.store.setUnavailable(false);
  world.store.failWrites(0);
  world.store.failHydrates(0);
  world.tmux.setUnavailable(false);
  world.channel.failNext(0);
  world.firstMateHearsChannel = true;
  world.firstMateAcknowledges = true;
  world.inject({ type: "KillSwitchSet", now: world.now(), on: false });
  let wakeUps = world.tmux.sent.length;
  for (let round = 0; round < 40; round++) {
    if (world.state().supervisor.gaveUp) world.inject({ type: "SupervisorReset", now: world.now() });
    const pane = world.firstMatePaneId();
    if (pane && world.tmux.panes.has(pane) && !world.channel.isAttached(pane)) world.channel.attach(pane, true);
    world.drive();
    // A first mate whose channel is off pulls when a wake-up is typed into its pane.
    if (world.tmux.sent.length > wakeUps) {
      wakeUps = world.tmux.sent.length;
      applyWorldAction(world, { type: "firstMatePulls", inbox: true });
    }
    world.advance(world.state().config.tickMs);
  }
};

/**
 * The world with every fault, for the reference-model check of invariant 3,
 * with the fleet's own life more likely than a fault. A tmux server restart
 * is generated (the first mate's pane pid and server are recorded at the
 * spawn, so a new process on its old pane id is never taken for it), with
 * embedder inputs (CI) given before it, after it, and between it and the
 * host's next listing: inputs belong to the pane they were given for.
 */
const lifeArb = fc.record({
  workers: fc.integer({ min: 0, max: 3 }),
  actions: fc.array(fc.oneof({ weight: 3, arbitrary: troubledActionArb }, { weight: 1, arbitrary: faultActionArb }), {
    maxLength: 14,
  }),
});

/**
 * Invariant 2 over every transition of a world's life: lastSent changes only
 * on a successful emit of that push, or to what the first mate pulled (or
 * back to the newest picture known to have reached it, at the switch to pulls).
 */
const lastSentMovesOnlyOnDelivery = (world: FakeWorld): void => {
  for (const { before, event, after } of replay(world)) {
    const lastSent = after.heartbeat.lastSent;
    if (lastSent === before.heartbeat.lastSent) continue;
    const newFirstMate =
      before.supervisor.marker?.paneId !== after.supervisor.marker?.paneId ||
      before.supervisor.marker?.attempt !== after.supervisor.marker?.attempt ||
      event.type === "Started";
    const ok =
      (newFirstMate && lastSent === null) ||
      (event.type === "EmitSucceeded" &&
        before.heartbeat.inFlight?.emitId === event.emitId &&
        lastSent === before.heartbeat.inFlight.digest) ||
      (event.type === "DigestPulled" && lastSent === event.digest) ||
      // The switch to pulls: back to the newest picture known to have reached it.
      (before.channel.mode !== "unavailable" &&
        after.channel.mode === "unavailable" &&
        lastSent === before.channel.delivered);
    cheapExpect(ok, `lastSent moved on ${event.type}`).toBe(true);
  }
};

describe("heartbeat invariants in a world with faults", () => {
  it("invariant 3 against the reference model: once the link is healthy, the first mate knows the fleet as tmux has it, and every interrupt reached it", () => {
    fc.assert(
      fc.property(lifeArb, ({ workers, actions }) => {
        const { world, model } = run(workers, actions);
        heal(world);
        const config = world.state().config;
        world.advance(config.idleThresholdMs + 2 * config.pushIntervalMs);
        const state = world.state();
        cheapExpect(world.firstMatePaneId()).not.toBeNull();
        cheapExpect(state.firstMateAttached).toBe(true);
        cheapExpect(state.heartbeat.inFlight).toBeNull();
        // Zero changes swallowed: the picture it was last given is the fleet as it is.
        cheapExpect(knownPicture(state.heartbeat.lastSent)).toEqual(model.expected(world));
        cheapExpect(state.interrupts.outbox).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it("regression: a first mate given a dead first mate's pane id by a restarted tmux server is attached once healed, not mistaken for the dead one's session", () => {
    // The dead first mate's shim session ended with its pane; the restarted server numbers from %1 again.
    const { world } = run(0, [
      { type: "advance", ms: 60_000 },
      { type: "killFirstMate" },
      { type: "tmuxServerRestart", workers: 0 },
      { type: "secondHostTakesOver", ms: 1_000 },
      { type: "advance", ms: 5_000 },
    ]);
    heal(world);
    const pane = world.firstMatePaneId();
    cheapExpect(pane).not.toBeNull();
    cheapExpect(world.channel.attachedPanes()).toEqual([pane]);
    cheapExpect(world.state().firstMateAttached).toBe(true);
  });

  /** Invariant 3's check on one life: once healed, the first mate knows the fleet as the reference model does. */
  const knowsTheFleet = (workers: number, actions: Parameters<typeof run>[1]): void => {
    const { world, model } = run(workers, actions);
    heal(world);
    const config = world.state().config;
    world.advance(config.idleThresholdMs + 2 * config.pushIntervalMs);
    cheapExpect(knownPicture(world.state().heartbeat.lastSent)).toEqual(model.expected(world));
  };

  it("regression: CI given for a worker before the host listed any pane, then a tmux server restart: the first listing decides whose it is, for the reference model too", () => {
    // The host's only listing so far was taken before its first mate started: it named no tmux server.
    knowsTheFleet(0, [
      { type: "addWorker" },
      { type: "inputs", index: 0, ci: "red", percent: null, resetsAt: null },
      { type: "tmuxServerRestart", workers: 2 },
    ]);
  });

  it("regression: CI given for a worker before the host listed any pane, the worker killed before a listing showed it, then a tmux server restart: the CI is not taken for the new process on its id", () => {
    knowsTheFleet(0, [
      { type: "addWorker" },
      { type: "inputs", index: 0, ci: "red", percent: null, resetsAt: null },
      { type: "killWorker", index: 0 },
      { type: "advance", ms: 5_000 },
      { type: "tmuxServerRestart", workers: 2 },
    ]);
  });

  // Invariants 2 and 5 share their 1000 lives (the same arbitrary): each is checked on every one, invariant 2 on
  // every transition of the life, its faults, healing and idle time alike.
  it("invariants 2 and 5 with faults: lastSent changes only on a successful emit of that push, or to what the first mate pulled; once the faults are over and told, an idle fleet produces no pushes and no wake-ups", () => {
    fc.assert(
      fc.property(faultyArb, fc.integer({ min: 60_000, max: 3_600_000 }), ({ workers, actions }, idleMs) => {
        const { world } = run(workers, actions);
        heal(world);
        const config = world.state().config;
        world.advance(config.idleThresholdMs + 2 * config.pushIntervalMs + config.tickMs);
        // A conn running out while idle is told (it is the human's grant ending, not the fleet): not counted.
        // The world only appends commands: the pushes since `from` are those past it.
        const pushesSince = (from: number) => {
          let pushes = 0;
          for (let index = from; index < world.commands.length; index++) {
            const command = world.commands[index]!;
            if (command.type === "channel.emit" && !command.emitId.startsWith("conn-")) pushes++;
          }
          return pushes;
        };
        const idleFrom = world.commands.length;
        const wakeUps = world.tmux.sent.length;
        world.advance(idleMs);
        cheapExpect(pushesSince(idleFrom)).toBe(0);
        cheapExpect(world.tmux.sent.length).toBe(wakeUps);
        lastSentMovesOnlyOnDelivery(world);
      }),
      { numRuns: 1000 },
    );
  });
});
