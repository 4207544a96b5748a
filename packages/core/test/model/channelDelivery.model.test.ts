/**
 * Model-based test of channel delivery: first mates that hear their channel
 * and say so, first mates whose channel is silently off (pushes accepted,
 * never heard), and first mates that hear but never say so (a wrong
 * `unavailable`), switching between them across restarts, with workers
 * changing, interrupts arriving, emits failing and the first mate detaching.
 *
 * The model is what each first mate *really* has: the pictures it heard
 * (accepted pushes, when it hears its channel) or pulled (`fleet_digest`
 * through the runtime's real tool host), and the interrupts it heard or got
 * from `inbox`. Invariant 2 and 3 are checked against it, in every mode and
 * on every switch, by replaying the core's own event log.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { DEFAULT_CONFIG } from "../../src/config.js";
import { diverge, ridesAlong } from "../../src/decisions/diverge.js";
import { parseInterruptEmitId } from "../../src/decisions/interrupts.js";
import type { FleetDigest } from "../../src/domain/digest.js";
import type { PaneId } from "../../src/domain/paneId.js";
import { createToolHost } from "../../src/runtime/toolHost.js";
import { currentDigest } from "../../src/step.js";
import { createFakeWorld, type FakeWorld } from "../../src/testing/fakeWorld.js";
import { cheapExpect } from "../cheapExpect.js";
import { forkOfStarted, knownPicture, referenceModel, replay } from "../worldSupport.js";

type Behaviour = "hears" | "deaf" | "quiet";

interface Model {
  workers: PaneId[];
  admitted: number;
  /** tmux.sent entries already reacted to. */
  wakeUpsSeen: number;
  /** The first mate leaves this many of the next wake-ups unanswered (the typed line lost, or ignored). */
  ignoreNext: number;
  /** Wake-ups left unanswered since the last one it answered (kept within the re-send limit). */
  ignoredInRow: number;
}

interface Real {
  world: FakeWorld;
  tools: ReturnType<typeof createToolHost>;
  /** What the first mates have, replayed from the core's log up to `knowledge.replayed`. */
  knowledge: Knowledge;
  /** Wake-ups whose text was already checked. */
  wakeTextsChecked: number;
  /** The sequence numbers of the interrupts the core admitted (`store.enqueueOutbox`), read up to `commandsRead`. */
  readonly admitted: number[];
  /** Commands of the world's log already read for `admitted` (the world only appends to it). */
  commandsRead: number;
}

type ChannelCommand = fc.Command<Model, Real>;

/** The kit's default: an unanswered wake-up is typed again at most this many times. */
const RESEND_LIMIT = DEFAULT_CONFIG.wakeResendLimit;

/** The behaviour of the first mate in `paneId` (latched by the fake world when it was spawned). */
const behaviourOf = (world: FakeWorld, paneId: string | null | undefined): Behaviour => {
  if (paneId === null || paneId === undefined) return "hears";
  const channel = world.firstMateChannelOf(paneId);
  return !channel.hears ? "deaf" : channel.acknowledges ? "hears" : "quiet";
};

/** The next first mate spawned behaves like this. */
const setBehaviour = (world: FakeWorld, behaviour: Behaviour) => {
  world.firstMateHearsChannel = behaviour !== "deaf";
  world.firstMateAcknowledges = behaviour === "hears";
};

interface Knowledge {
  /** Every picture the current first mate was given (by reference), and the newest. */
  readonly given: Set<FleetDigest>;
  picture: FleetDigest | null;
  /** Interrupt sequence numbers any first mate heard or pulled. */
  readonly seqs: Set<number>;
  wrongs: string[];
  /** Transitions replayed so far (each is replayed once, across checks). */
  replayed: number;
}

const noKnowledge = (): Knowledge => ({ given: new Set(), picture: null, seqs: new Set(), wrongs: [], replayed: 0 });

/**
 * Replay the core's event log; rebuild what the first mates really have and
 * check invariant 2 on every transition: `lastSent` moves only to the digest
 * of the accepted push that carried it, to the digest the first mate pulled,
 * back to the newest picture known to have reached it
 * (the switch to `unavailable`), or to none for a new first mate; and while
 * pushes are not heard, it is always a picture this first mate was given.
 */
const rebuild = (world: FakeWorld, knowledge: Knowledge): Knowledge => {
  const transitions = replay(world);
  for (; knowledge.replayed < transitions.length; knowledge.replayed++) {
    const index = knowledge.replayed;
    const { before, event, after } = transitions[index]!;
    const markerChanged =
      before.supervisor.marker?.paneId !== after.supervisor.marker?.paneId ||
      before.supervisor.marker?.attempt !== after.supervisor.marker?.attempt;
    if (markerChanged) {
      knowledge.given.clear();
      knowledge.picture = null;
    }
    // Asked only of an emit's success: the only event it decides anything for.
    if (event.type === "EmitSucceeded" && behaviourOf(world, before.supervisor.marker?.paneId) !== "deaf") {
      const inFlight = before.heartbeat.inFlight;
      if (inFlight?.emitId === event.emitId) {
        knowledge.given.add(inFlight.digest);
        knowledge.picture = inFlight.digest;
      }
      const interrupt = parseInterruptEmitId(event.emitId);
      if (interrupt !== null && before.interrupts.delivering === interrupt.seq) knowledge.seqs.add(interrupt.seq);
    }
    if (event.type === "DigestPulled" && event.paneId === before.supervisor.marker?.paneId) {
      knowledge.given.add(event.digest);
      knowledge.picture = event.digest;
    }
    if (event.type === "InboxPulled" && event.paneId === before.supervisor.marker?.paneId) {
      for (const seq of event.seqs) knowledge.seqs.add(seq);
    }

    const lastSent = after.heartbeat.lastSent;
    if (lastSent !== before.heartbeat.lastSent) {
      const ok =
        (markerChanged && lastSent === null) ||
        (event.type === "EmitSucceeded" &&
          before.heartbeat.inFlight?.emitId === event.emitId &&
          lastSent === before.heartbeat.inFlight.digest) ||
        (event.type === "DigestPulled" && lastSent === event.digest) ||
        (before.channel.mode === "unconfirmed" &&
          after.channel.mode === "unavailable" &&
          lastSent === before.channel.delivered);
      if (!ok) knowledge.wrongs.push(`lastSent moved on ${event.type} at ${index}`);
    }
    if (after.channel.mode === "unavailable" && lastSent !== null && !knowledge.given.has(lastSent)) {
      knowledge.wrongs.push(`lastSent is a picture the first mate never got (after ${event.type} at ${index})`);
    }
    if (after.channel.mode === "confirmed" && behaviourOf(world, after.supervisor.marker?.paneId) === "deaf") {
      knowledge.wrongs.push(`a deaf first mate's channel was confirmed (on ${event.type} at ${index})`);
    }
  }
  return knowledge;
};

/** The first mate reacts to wake-ups typed into its pane: it pulls the digest and its inbox. */
const answerWakeUps = (model: Model, real: Real) => {
  const { world, tools } = real;
  const sent = world.tmux.sent;
  for (; model.wakeUpsSeen < sent.length; model.wakeUpsSeen++) {
    const pane = world.firstMatePaneId();
    const wake = sent[model.wakeUpsSeen]!;
    if (pane === null || wake.paneId !== pane || !world.channel.isAttached(pane)) continue;
    cheapExpect(wake.text).toMatch(/^(\d+ fleet changes?|fleet picture waiting), \d+ interrupts? waiting — call/);
    if (model.ignoreNext > 0) {
      model.ignoreNext--;
      model.ignoredInRow++;
      continue;
    }
    model.ignoredInRow = 0;
    void tools.fleetDigest(pane);
    void tools.inbox(pane);
  }
};

const checkAlways = (model: Model, real: Real) => {
  answerWakeUps(model, real);
  const { world } = real;
  // A deaf first mate is never taken to hear its channel.
  const firstMate = world.firstMatePaneId();
  if (firstMate !== null && behaviourOf(world, firstMate) === "deaf") {
    cheapExpect(world.state().channel.mode).not.toBe("confirmed");
  }
  // Wake-ups carry counts only, never a pane id or fleet content (each checked once, when it is new).
  const sent = world.tmux.sent;
  for (; real.wakeTextsChecked < sent.length; real.wakeTextsChecked++)
    cheapExpect(sent[real.wakeTextsChecked]!.text).not.toMatch(/%\d/);
};

/** Every interrupt the core admitted so far, in order: `admitted`, brought up to date with the commands logged since. */
const admittedSeqs = (real: Real): readonly number[] => {
  const commands = real.world.commands;
  for (; real.commandsRead < commands.length; real.commandsRead++) {
    const command = commands[real.commandsRead]!;
    if (command.type === "store.enqueueOutbox") real.admitted.push(command.entry.seq);
  }
  return real.admitted;
};

const pick = (model: Model, index: number): PaneId | undefined =>
  model.workers.length === 0 ? undefined : model.workers[index % model.workers.length];

class AddWorker implements ChannelCommand {
  check = () => true;
  run(model: Model, real: Real) {
    model.workers.push(real.world.addWorker({ title: "working" }));
    real.world.drive();
    checkAlways(model, real);
  }
  toString = () => "AddWorker";
}

class Retitle implements ChannelCommand {
  constructor(
    readonly index: number,
    readonly title: string,
  ) {}
  check = (model: Readonly<Model>) => model.workers.length > 0;
  run(model: Model, real: Real) {
    real.world.tmux.setTitle(pick(model, this.index)!, this.title);
    checkAlways(model, real);
  }
  toString = () => `Retitle(${this.index}, ${this.title})`;
}

class KillWorker implements ChannelCommand {
  constructor(readonly index: number) {}
  check = (model: Readonly<Model>) => model.workers.length > 0;
  run(model: Model, real: Real) {
    const pane = pick(model, this.index)!;
    real.world.tmux.killPaneExternally(pane);
    real.world.drive();
    model.workers = model.workers.filter((worker) => worker !== pane);
    checkAlways(model, real);
  }
  toString = () => `KillWorker(${this.index})`;
}

class NeedHuman implements ChannelCommand {
  constructor(
    readonly index: number,
    readonly message: string,
  ) {}
  check = (model: Readonly<Model>) => model.workers.length > 0;
  run(model: Model, real: Real) {
    const { world } = real;
    const before = admittedSeqs(real).length;
    world.inject({
      type: "NotifyReceived",
      now: world.now(),
      paneId: pick(model, this.index)!,
      kind: "need_human",
      message: this.message,
    });
    world.drive();
    model.admitted += admittedSeqs(real).length - before;
    checkAlways(model, real);
  }
  toString = () => `NeedHuman(${this.index}, ${this.message})`;
}

/** The next first mate behaves like this; the current one is ended so the switch happens. */
class NextFirstMate implements ChannelCommand {
  constructor(readonly behaviour: Behaviour) {}
  check = () => true;
  run(model: Model, real: Real) {
    const { world } = real;
    setBehaviour(world, this.behaviour);
    const pane = world.firstMatePaneId();
    if (pane !== null && world.tmux.panes.has(pane)) world.tmux.killPaneExternally(pane);
    world.drive();
    checkAlways(model, real);
  }
  toString = () => `NextFirstMate(${this.behaviour})`;
}

/** The human types into the first mate's pane; it answers with tool calls. Proves nothing about the channel. */
class HumanAsksFirstMate implements ChannelCommand {
  check = () => true;
  run(model: Model, real: Real) {
    const { world, tools } = real;
    const pane = world.firstMatePaneId();
    if (pane !== null && world.channel.isAttached(pane)) {
      const hook = (state: "busy" | "idle", detail: string) =>
        world.inject({
          type: "AgentEvidenceReceived",
          now: world.now(),
          paneId: pane,
          evidence: { source: "hook", state, at: world.now(), detail },
        });
      hook("busy", "UserPromptSubmit");
      world.drive();
      void tools.readLog(pane, { limit: 5 });
      void tools.fleetDigest(pane);
      world.drive();
      hook("idle", "Stop");
      world.drive();
    }
    checkAlways(model, real);
  }
  toString = () => "HumanAsksFirstMate";
}

/** The first mate leaves the next wake-ups unanswered: the kit must type them again (bounded), not wait for a change. */
class IgnoreWakeUps implements ChannelCommand {
  constructor(readonly count: number) {}
  check = (model: Readonly<Model>) => model.ignoreNext === 0 && model.ignoredInRow + this.count <= RESEND_LIMIT;
  run(model: Model, real: Real) {
    model.ignoreNext = this.count;
    checkAlways(model, real);
  }
  toString = () => `IgnoreWakeUps(${this.count})`;
}

class FailEmits implements ChannelCommand {
  constructor(readonly count: number) {}
  check = () => true;
  run(model: Model, real: Real) {
    real.world.channel.failNext(this.count);
    checkAlways(model, real);
  }
  toString = () => `FailEmits(${this.count})`;
}

class DetachFirstMate implements ChannelCommand {
  check = () => true;
  run(model: Model, real: Real) {
    const pane = real.world.firstMatePaneId();
    if (pane !== null && real.world.channel.isAttached(pane)) {
      real.world.channel.detach(pane);
      real.world.drive();
    }
    checkAlways(model, real);
  }
  toString = () => "DetachFirstMate";
}

class AttachFirstMate implements ChannelCommand {
  check = () => true;
  run(model: Model, real: Real) {
    const pane = real.world.firstMatePaneId();
    if (pane !== null && real.world.tmux.panes.has(pane) && !real.world.channel.isAttached(pane)) {
      real.world.channel.attach(pane, true);
      real.world.drive();
    }
    checkAlways(model, real);
  }
  toString = () => "AttachFirstMate";
}

class Advance implements ChannelCommand {
  constructor(readonly ms: number) {}
  check = () => true;
  run(model: Model, real: Real) {
    // In slices, so the first mate answers wake-ups as they come.
    for (let left = this.ms; left > 0; left -= 10_000) {
      real.world.advance(Math.min(left, 10_000));
      answerWakeUps(model, real);
    }
    checkAlways(model, real);
  }
  toString = () => `Advance(${this.ms})`;
}

/**
 * A healthy stretch: no failing emits, the first mate attached, long enough
 * for a confirmation deadline and two coalesced intervals. Invariant 3: the
 * first mate then really has the current picture and every interrupt.
 */
class Settle implements ChannelCommand {
  check = () => true;
  run(model: Model, real: Real) {
    const { world } = real;
    const config = world.state().config;
    world.channel.failNext(0);
    // Room for the re-sends of wake-ups left unanswered before (after 1, 2, 4… intervals).
    const resends = 2 ** (config.wakeResendLimit + 1) * config.pushIntervalMs;
    const until = world.now() + config.channelConfirmMs + 3 * config.pushIntervalMs + config.idleThresholdMs + resends;
    while (world.now() < until) {
      // Three first mates killed in quick succession are a crash loop: the human resets it, as after any give-up.
      if (world.state().supervisor.gaveUp) world.inject({ type: "SupervisorReset", now: world.now() });
      const pane = world.firstMatePaneId();
      if (pane && world.tmux.panes.has(pane) && !world.channel.isAttached(pane)) world.channel.attach(pane, true);
      world.drive();
      world.advance(5_000);
      answerWakeUps(model, real);
    }
    checkAlways(model, real);
    const state = world.state();
    cheapExpect(world.firstMatePaneId()).not.toBeNull();
    const knowledge = rebuild(world, real.knowledge);
    cheapExpect(knowledge.wrongs).toEqual([]);
    // What only rides along (evidence ageing) waits for the next push or wake-up; everything else is delivered.
    cheapExpect(
      diverge(knowledge.picture, currentDigest(state), config).filter((change) => !ridesAlong(change)),
    ).toEqual([]);
    // And, independent of `diverge` and the core's digest: what it has is the fleet as tmux has it (no CI is fed here).
    cheapExpect(knownPicture(knowledge.picture)).toEqual(referenceModel().expected(world));
    const admitted = admittedSeqs(real);
    cheapExpect(admitted).toHaveLength(model.admitted);
    cheapExpect(admitted.filter((seq) => !knowledge.seqs.has(seq))).toEqual([]);
    // What the first mate got was marked delivered in the store, and nothing else is pending.
    cheapExpect(state.interrupts.outbox).toEqual([]);
    cheapExpect(state.channel.held).toEqual([]);
  }
  toString = () => "Settle";
}

const commandArbs = [
  fc.constant(new AddWorker()),
  fc.tuple(fc.nat(10), fc.constantFrom("working", "testing", "reviewing")).map(([i, t]) => new Retitle(i, t)),
  fc.nat(10).map((i) => new KillWorker(i)),
  fc.tuple(fc.nat(10), fc.constantFrom("approve?", "stuck")).map(([i, m]) => new NeedHuman(i, m)),
  fc.constantFrom<Behaviour>("hears", "deaf", "quiet").map((behaviour) => new NextFirstMate(behaviour)),
  fc.constant(new HumanAsksFirstMate()),
  fc.integer({ min: 1, max: 2 }).map((count) => new IgnoreWakeUps(count)),
  fc.integer({ min: 1, max: 3 }).map((count) => new FailEmits(count)),
  fc.constant(new DetachFirstMate()),
  fc.constant(new AttachFirstMate()),
  fc.integer({ min: 1_000, max: 150_000 }).map((ms) => new Advance(ms)),
  fc.constant(new Settle()),
];

const startWorld = (first: Behaviour): { model: Model; real: Real } => {
  const world = forkOfStarted(`no workers, outbox kept 30 days, a first mate that ${first}`, () => {
    const started = createFakeWorld({ config: { outboxTtlMs: 30 * 86_400_000 } });
    setBehaviour(started, first);
    started.start();
    return started;
  });
  const model: Model = { workers: [], admitted: 0, wakeUpsSeen: 0, ignoreNext: 0, ignoredInRow: 0 };
  const tools = createToolHost({
    getState: () => world.state(),
    store: world.store,
    now: () => world.now(),
    callTool: (from, call) => world.callTool(from, call),
    dispatch: async (event) => {
      world.inject(event);
      world.drive();
    },
  });
  return {
    model,
    real: { world, tools, knowledge: noKnowledge(), wakeTextsChecked: 0, admitted: [], commandsRead: 0 },
  };
};

describe("channel delivery against a model of what the first mate really has", () => {
  it("pinned: a pane the first mate pulled while alive, then gone, is pushed as gone", () => {
    // Shrunk from a run: the pull did not count as the first mate's picture, so the pane's end was never pushed.
    const setup = startWorld("hears");
    fc.modelRun(
      () => setup,
      [new AddWorker(), new Advance(5000), new HumanAsksFirstMate(), new KillWorker(0), new Settle()],
    );
  });

  it("pinned: a wake-up the first mate left unanswered is typed again without a new change", () => {
    const setup = startWorld("deaf");
    fc.modelRun(() => setup, [new AddWorker(), new IgnoreWakeUps(2), new Settle()]);
  });

  it("pinned: three first mates killed within seconds are a crash loop; once the human resets it, delivery heals", () => {
    // Shrunk from a run: the healthy stretch found no first mate (given up) and the property failed on that.
    const setup = startWorld("hears");
    fc.modelRun(
      () => setup,
      [
        new NextFirstMate("hears"),
        new Advance(5000),
        new NextFirstMate("hears"),
        new Advance(10000),
        new NextFirstMate("hears"),
        new Settle(),
      ],
    );
  });

  it("invariants 2 and 3 hold in every channel mode and on every switch between them", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Behaviour>("hears", "deaf", "quiet"),
        fc.commands(commandArbs, { maxCommands: 30 }),
        (first, commands) => {
          const setup = startWorld(first);
          fc.modelRun(() => setup, [...commands, new Settle()]);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
