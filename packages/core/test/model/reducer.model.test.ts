/**
 * Model-based test of the whole reducer, through the fake world, against a
 * much simpler model: which workers exist and what they show, which need a
 * human, how many interrupts were admitted, whether the first mate was
 * detached or the kill switch set. After every command the world must agree
 * with the model on what the model can know.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { diverge, ridesAlong } from "../../src/decisions/diverge.js";
import type { PaneId } from "../../src/domain/paneId.js";
import { currentDigest } from "../../src/step.js";
import { applyWorldAction } from "../../src/testing/applyWorldAction.js";
import type { WorldAction } from "../../src/testing/arbitraries.js";
import type { SpawnBehaviour } from "../../src/testing/fakeTmux.js";
import { createFakeWorld, type FakeWorld } from "../../src/testing/fakeWorld.js";
import { cheapExpect } from "../cheapExpect.js";
import { forkOfStarted } from "../worldSupport.js";

interface Model {
  now: number;
  workers: PaneId[];
  titles: Map<string, string>;
  blocked: Set<string>;
  admitted: number;
  lastWake: Map<string, number>;
  wakes: Map<string, number[]>;
  detachedPane: string | null;
  badQueued: number;
  killSwitch: boolean;
  spawnsWhenKillSwitchSet: number;
  tmuxDown: boolean;
}

interface Real {
  world: FakeWorld;
}

type WorldCommand = fc.Command<Model, Real>;

const SETTLE_MS = 30 * 60_000;
const spawnCommands = (world: FakeWorld) => world.commands.filter((command) => command.type === "tmux.spawn").length;

/** What must hold after every command. */
const checkAlways = (model: Model, { world }: Real) => {
  cheapExpect(world.now()).toBe(model.now);
  cheapExpect(world.firstMatePanes().length).toBeLessThanOrEqual(1);
  const marker = world.state().supervisor.marker;
  if (marker !== null) cheapExpect(marker.paneId).toMatch(/^%\d+$/);
  // Every admitted interrupt was written to the outbox, and none is lost: delivered or still queued.
  cheapExpect(world.commands.filter((command) => command.type === "store.enqueueOutbox")).toHaveLength(model.admitted);
  const delivered = new Set(
    world
      .pushesToFirstMate()
      .filter((push) => push.meta.kind === "interrupt")
      .map((push) => push.meta.seq),
  );
  // Pending in the core's memory or in the store: a host restarted without reading the store (a failed
  // hydrate) holds none in memory; a host whose write was refused (lease lost) holds it only in memory.
  const pending = new Set([
    ...world.state().interrupts.outbox.map((entry) => String(entry.seq)),
    ...[...world.store.snapshot().outbox.values()]
      .filter((entry) => !entry.delivered)
      .map((entry) => String(entry.seq)),
  ]);
  for (const seq of delivered) pending.delete(seq as string);
  cheapExpect(delivered.size + pending.size).toBe(model.admitted);
  if (model.killSwitch) cheapExpect(spawnCommands(world)).toBe(model.spawnsWhenKillSwitchSet);
};

const pick = (model: Model, index: number): PaneId | undefined =>
  model.workers.length === 0 ? undefined : model.workers[index % model.workers.length];

class AddWorker implements WorldCommand {
  check = () => true;
  run(model: Model, real: Real) {
    const pane = real.world.addWorker({ title: "working" });
    model.workers.push(pane);
    model.titles.set(pane, "working");
    checkAlways(model, real);
  }
  toString = () => "AddWorker";
}

class Retitle implements WorldCommand {
  constructor(
    readonly index: number,
    readonly title: string,
  ) {}
  check = (model: Readonly<Model>) => model.workers.length > 0;
  run(model: Model, real: Real) {
    const pane = pick(model, this.index)!;
    real.world.tmux.setTitle(pane, this.title);
    model.titles.set(pane, this.title);
    checkAlways(model, real);
  }
  toString = () => `Retitle(${this.index}, ${this.title})`;
}

class KillWorker implements WorldCommand {
  constructor(readonly index: number) {}
  check = (model: Readonly<Model>) => model.workers.length > 0;
  run(model: Model, real: Real) {
    const pane = pick(model, this.index)!;
    real.world.tmux.killPaneExternally(pane);
    real.world.drive();
    model.workers = model.workers.filter((worker) => worker !== pane);
    model.blocked.delete(pane);
    // The pane exit is observed at once (when tmux answers): it is gone from the digest.
    if (!model.tmuxDown) cheapExpect(real.world.digest().panes.map((row) => row.handle)).not.toContain(pane);
    checkAlways(model, real);
  }
  toString = () => `KillWorker(${this.index})`;
}

class KillFirstMate implements WorldCommand {
  check = () => true;
  run(model: Model, real: Real) {
    const pane = real.world.firstMatePaneId();
    if (pane !== null && real.world.tmux.panes.has(pane)) {
      real.world.tmux.killPaneExternally(pane);
      real.world.drive();
      cheapExpect(real.world.firstMatePanes().map((row) => row.paneId)).not.toContain(pane);
    }
    checkAlways(model, real);
  }
  toString = () => "KillFirstMate";
}

class Notify implements WorldCommand {
  constructor(
    readonly index: number,
    readonly kind: "need_human" | "info" | "done",
    readonly message: string,
  ) {}
  check = (model: Readonly<Model>) => model.workers.length > 0;
  run(model: Model, real: Real) {
    const pane = pick(model, this.index)!;
    const now = real.world.now();
    real.world.inject({ type: "NotifyReceived", now, paneId: pane, kind: this.kind, message: this.message });
    real.world.drive();
    if (this.kind === "need_human") model.blocked.add(pane);
    else model.blocked.delete(pane);
    if (this.kind === "need_human") {
      const config = real.world.state().config;
      const key = `${pane}|${this.message}`;
      const last = model.lastWake.get(key);
      const recent = (model.wakes.get(pane) ?? []).filter((at) => now - at < config.rateLimitWindowMs);
      if ((last === undefined || now - last >= config.dedupeWindowMs) && recent.length < config.rateLimitWakes) {
        model.admitted++;
        model.lastWake.set(key, now);
        model.wakes.set(pane, [...recent, now]);
      }
    }
    checkAlways(model, real);
  }
  toString = () => `Notify(${this.index}, ${this.kind}, ${this.message})`;
}

class FirstMateNotifiesItself implements WorldCommand {
  check = () => true;
  run(model: Model, real: Real) {
    const self = real.world.firstMatePaneId();
    if (self !== null) {
      real.world.inject({
        type: "NotifyReceived",
        now: real.world.now(),
        paneId: self,
        kind: "need_human",
        message: "me",
      });
      real.world.drive();
    }
    checkAlways(model, real);
  }
  toString = () => "FirstMateNotifiesItself";
}

class FailEmits implements WorldCommand {
  constructor(readonly count: number) {}
  check = () => true;
  run(model: Model, real: Real) {
    real.world.channel.failNext(this.count);
    checkAlways(model, real);
  }
  toString = () => `FailEmits(${this.count})`;
}

class DetachFirstMate implements WorldCommand {
  check = () => true;
  run(model: Model, real: Real) {
    const pane = real.world.firstMatePaneId();
    if (pane !== null && real.world.channel.isAttached(pane)) {
      real.world.channel.detach(pane);
      real.world.drive();
      model.detachedPane = pane;
      cheapExpect(real.world.state().firstMateAttached).toBe(false);
    }
    checkAlways(model, real);
  }
  toString = () => "DetachFirstMate";
}

class AttachFirstMate implements WorldCommand {
  check = () => true;
  run(model: Model, real: Real) {
    const pane = real.world.firstMatePaneId();
    if (pane !== null && real.world.tmux.panes.has(pane) && !real.world.channel.isAttached(pane)) {
      real.world.channel.attach(pane, true);
      real.world.drive();
      model.detachedPane = null;
      cheapExpect(real.world.state().firstMateAttached).toBe(true);
    }
    checkAlways(model, real);
  }
  toString = () => "AttachFirstMate";
}

class QueueSpawn implements WorldCommand {
  constructor(readonly behaviour: Exclude<SpawnBehaviour, "ok">) {}
  check = () => true;
  run(model: Model, real: Real) {
    real.world.tmux.queueSpawns(this.behaviour);
    model.badQueued++;
    checkAlways(model, real);
  }
  toString = () => `QueueSpawn(${this.behaviour})`;
}

class SetKillSwitch implements WorldCommand {
  constructor(readonly on: boolean) {}
  check = (model: Readonly<Model>) => model.killSwitch !== this.on;
  run(model: Model, real: Real) {
    void real.world.store.setKillSwitch(this.on);
    real.world.inject({ type: "KillSwitchSet", now: real.world.now(), on: this.on });
    real.world.drive();
    model.killSwitch = this.on;
    model.spawnsWhenKillSwitchSet = spawnCommands(real.world);
    checkAlways(model, real);
  }
  toString = () => `SetKillSwitch(${this.on})`;
}

class ResetSupervisor implements WorldCommand {
  check = () => true;
  run(model: Model, real: Real) {
    if (real.world.state().supervisor.gaveUp) {
      real.world.inject({ type: "SupervisorReset", now: real.world.now() });
      real.world.drive();
      cheapExpect(real.world.state().supervisor.gaveUp).toBe(false);
    }
    checkAlways(model, real);
  }
  toString = () => "ResetSupervisor";
}

class Advance implements WorldCommand {
  constructor(readonly ms: number) {}
  check = () => true;
  run(model: Model, real: Real) {
    real.world.advance(this.ms);
    model.now += this.ms;
    checkAlways(model, real);
  }
  toString = () => `Advance(${this.ms})`;
}

/**
 * A fault that changes nothing the model knows (which workers, their titles,
 * who needs a human, what was admitted): a host restart (its read of the
 * store failing or not), tmux unreachable. (Agent evidence and screens can
 * block a worker and raise an interrupt, and a lost lease changes which host
 * admits one: the fault-world properties and the lease race suite check those.)
 */
class Fault implements WorldCommand {
  constructor(readonly action: WorldAction) {}
  check = () => true;
  run(model: Model, real: Real) {
    const { world } = real;
    applyWorldAction(world, this.action);
    if (this.action.type === "tmuxOutage") model.tmuxDown = this.action.on;
    checkAlways(model, real);
  }
  toString = () => `Fault(${JSON.stringify(this.action)})`;
}

/** A long quiet stretch: everything that can settle has, and the world must show it. */
class Settle implements WorldCommand {
  check = () => true;
  run(model: Model, real: Real) {
    const { world } = real;
    // Faults end before the quiet stretch: tmux is back.
    world.tmux.setUnavailable(false);
    model.tmuxDown = false;
    world.advance(SETTLE_MS);
    model.now += SETTLE_MS;
    // A first mate the other host started (and this one adopted) reconnects its shim here.
    const adopted = world.firstMatePaneId();
    if (
      adopted !== null &&
      adopted !== model.detachedPane &&
      !world.tmux.spawned.some((spawn) => spawn.paneId === adopted) &&
      world.tmux.panes.has(adopted) &&
      !world.channel.isAttached(adopted)
    ) {
      world.channel.attach(adopted, true);
      world.advance(world.state().config.pushIntervalMs);
      model.now += world.state().config.pushIntervalMs;
    }
    checkAlways(model, real);
    const state = world.state();
    const badConsumed = world.tmux.spawned.filter((spawn) => spawn.behaviour !== "ok").length;
    if (state.supervisor.gaveUp) {
      cheapExpect(world.alerts.map((alert) => alert.code)).toContain("first_mate_crash_loop");
      cheapExpect(badConsumed).toBeGreaterThan(0);
    }
    const firstMate = world.firstMatePaneId();
    if (!model.killSwitch && !state.supervisor.gaveUp && badConsumed === model.badQueued) {
      cheapExpect(firstMate).not.toBeNull();
      cheapExpect(world.firstMatePanes().map((pane) => pane.paneId)).toEqual([firstMate]);
    }
    // The fleet as the model knows it.
    const digest = currentDigest(state);
    cheapExpect(digest.panes.map((row) => row.handle)).toEqual(
      [...model.workers].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))),
    );
    for (const row of digest.panes) {
      cheapExpect(row.status).toBe(model.titles.get(row.handle));
      cheapExpect(row.blocked).toBe(model.blocked.has(row.handle));
    }
    // A first mate that is attached has the whole current picture and every interrupt.
    if (firstMate !== null && firstMate !== model.detachedPane) {
      cheapExpect(state.firstMateAttached).toBe(true);
      cheapExpect(state.interrupts.outbox).toEqual([]);
      // And none waits in the store either (a restart that could not read it still delivers it later).
      cheapExpect([...world.store.snapshot().outbox.values()].filter((entry) => !entry.delivered)).toEqual([]);
      // What only rides along (evidence ageing) waits for the next push; everything else is delivered.
      cheapExpect(
        diverge(state.heartbeat.lastSent, digest, state.config).filter((change) => !ridesAlong(change)),
      ).toEqual([]);
    }
  }
  toString = () => "Settle";
}

const commandArbs = [
  fc.constant(new AddWorker()),
  fc.tuple(fc.nat(10), fc.constantFrom("working", "testing", "reviewing")).map(([i, t]) => new Retitle(i, t)),
  fc.nat(10).map((i) => new KillWorker(i)),
  fc.constant(new KillFirstMate()),
  fc
    .tuple(
      fc.nat(10),
      fc.constantFrom("need_human" as const, "info" as const, "done" as const),
      fc.constantFrom("approve?", "stuck"),
    )
    .map(([i, kind, message]) => new Notify(i, kind, message)),
  fc.constant(new FirstMateNotifiesItself()),
  fc.integer({ min: 1, max: 3 }).map((count) => new FailEmits(count)),
  fc.constant(new DetachFirstMate()),
  fc.constant(new AttachFirstMate()),
  fc.constantFrom("fail" as const, "exit_at_launch" as const, "malformed_id" as const).map((b) => new QueueSpawn(b)),
  fc.boolean().map((on) => new SetKillSwitch(on)),
  fc.constant(new ResetSupervisor()),
  fc.integer({ min: 500, max: 150_000 }).map((ms) => new Advance(ms)),
  fc.constant(new Settle()),
  fc.boolean().map((on) => new Fault({ type: "tmuxOutage", on })),
  fc.boolean().map((hydrateFails) => new Fault({ type: "restartHost", hydrateFails })),
];

describe("the reducer against a model", () => {
  it("agrees with the model after every command", () => {
    fc.assert(
      fc.property(fc.commands(commandArbs, { maxCommands: 40 }), (commands) => {
        const world = forkOfStarted("no workers, outbox kept 30 days", () => {
          const started = createFakeWorld({ config: { outboxTtlMs: 30 * 86_400_000 } });
          started.start();
          return started;
        });
        const model: Model = {
          now: world.now(),
          workers: [],
          titles: new Map(),
          blocked: new Set(),
          admitted: 0,
          lastWake: new Map(),
          wakes: new Map(),
          detachedPane: null,
          badQueued: 0,
          killSwitch: false,
          spawnsWhenKillSwitchSet: 0,
          tmuxDown: false,
        };
        fc.modelRun(() => ({ model, real: { world } }), commands);
      }),
      { numRuns: 1000 },
    );
  });
});
