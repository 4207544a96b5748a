/**
 * Channel delivery: the evidence rules, wake-ups, and the whole reducer in
 * the fake world with a first mate whose channel is silently off.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Command } from "../../src/commands.js";
import {
  decideWake,
  INITIAL_CHANNEL_DELIVERY,
  INITIAL_WAKE_UP,
  noteAccepted,
  renderWakeUp,
  screenShowsChannelIgnored,
  settleWake,
  type WakeUpState,
  weighEvidence,
} from "../../src/decisions/channelDelivery.js";
import { diverge } from "../../src/decisions/diverge.js";
import type { PaneId } from "../../src/domain/paneId.js";
import { createToolHost } from "../../src/runtime/toolHost.js";
import { currentDigest } from "../../src/step.js";
import { createFakeWorld, type FakeWorld } from "../../src/testing/fakeWorld.js";
import { cheapExpect } from "../cheapExpect.js";
import { digestOf, paneRow, T0, THRESHOLDS } from "../support.js";

/** Recorded from Claude Code 2.1.328 started with the first-mate channel while channels are off. */
const IGNORED_SCREEN = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), "../startupDialogs/screens/none.claude-2.1.328.channel-ignored.txt"),
  "utf8",
);

const deafWorld = (config: Record<string, number> = {}) => {
  const world = createFakeWorld({ firstMateHearsChannel: false, config });
  const worker = world.addWorker({ windowName: "api", title: "working" });
  world.start();
  return { world, worker };
};

const toolsOf = (world: FakeWorld) =>
  createToolHost({
    getState: () => world.state(),
    store: world.store,
    now: () => world.now(),
    callTool: (from, call) => world.callTool(from, call),
    dispatch: async (event) => {
      world.inject(event);
      world.drive();
    },
  });

const acceptedPush = (world: FakeWorld) =>
  world.events.find((event) => event.type === "EmitSucceeded" && event.emitId.startsWith("digest-"));

describe("evidence that the first mate heard a push", () => {
  const accepted = noteAccepted(
    INITIAL_CHANNEL_DELIVERY,
    { ref: "digest-1", at: T0, interrupt: null, idle: true },
    90_000,
  );

  it("the first accepted push starts the confirmation deadline", () => {
    expect(accepted.state.deadline).toBe(T0 + 90_000);
    expect(accepted.commands).toEqual([{ type: "timer.wakeAt", at: T0 + 90_000 }]);
  });

  it("acting before any push was accepted proves nothing", () => {
    expect(weighEvidence(INITIAL_CHANNEL_DELIVERY, { kind: "tool", ack: null }).confirms).toBeNull();
    expect(weighEvidence(INITIAL_CHANNEL_DELIVERY, { kind: "hook", turn: "busy" }).confirms).toBeNull();
  });

  it("a tool call naming an accepted push confirms, whatever came before", () => {
    const prompted = weighEvidence(accepted.state, { kind: "hook", turn: "prompt" }).state;
    expect(weighEvidence(prompted, { kind: "tool", ack: "digest-1" }).confirms).toMatch(/named push digest-1/);
    expect(weighEvidence(prompted, { kind: "tool", ack: "digest-9" }).confirms).toBeNull();
  });

  it("after a prompt, tool calls and busy hooks answer the prompt, not the push, until the turn ends", () => {
    const prompted = weighEvidence(accepted.state, { kind: "hook", turn: "prompt" }).state;
    expect(weighEvidence(prompted, { kind: "tool", ack: null }).confirms).toBeNull();
    expect(weighEvidence(prompted, { kind: "hook", turn: "busy" }).confirms).toBeNull();
    const ended = weighEvidence(prompted, { kind: "hook", turn: "ended" }).state;
    expect(weighEvidence(ended, { kind: "hook", turn: "busy" }).confirms).toMatch(/turn started by a push/);
  });

  it("without hooks showing it idle when the push came (mid-turn, or no hooks at all), only a named push or an ended turn counts", () => {
    const busy = noteAccepted(
      INITIAL_CHANNEL_DELIVERY,
      { ref: "digest-1", at: T0, interrupt: null, idle: false },
      90_000,
    );
    expect(weighEvidence(busy.state, { kind: "tool", ack: null }).confirms).toBeNull();
    expect(weighEvidence(busy.state, { kind: "hook", turn: "busy" }).confirms).toBeNull();
    expect(weighEvidence(busy.state, { kind: "tool", ack: "digest-1" }).confirms).toMatch(/named push/);
    const ended = weighEvidence(busy.state, { kind: "hook", turn: "ended" }).state;
    expect(weighEvidence(ended, { kind: "tool", ack: null }).confirms).toMatch(/tool call after a push/);
  });

  it("confirmed and unavailable hold: later evidence changes nothing", () => {
    for (const mode of ["confirmed", "unavailable"] as const) {
      const state = { ...accepted.state, mode };
      expect(weighEvidence(state, { kind: "tool", ack: "digest-1" })).toEqual({ state, confirms: null });
    }
  });

  it("the screens Claude Code prints when channels are off are recognised, nothing else is", () => {
    expect(screenShowsChannelIgnored(IGNORED_SCREEN)).toBe(true);
    expect(screenShowsChannelIgnored("> Channels are available\n? for shortcuts")).toBe(false);
  });
});

/** Recorded from Claude Code: its input prompt, idle; and at work. */
const screenOf = (name: string) =>
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), `../agentState/screens/${name}`), "utf8");

describe("a first mate without hooks", () => {
  /**
   * A first mate that hears its channel but never names a push, and sends
   * no hooks; its screen is captured as `screen` just before its first push is accepted.
   */
  const noHooksWorld = (screen: string | null, screenAgeMs = 0) => {
    const world = createFakeWorld({ autoAttach: false, firstMateAcknowledges: false });
    world.addWorker({ windowName: "api", title: "working" });
    world.start();
    // One observation that sees the first mate's pane (an agent record to hold its screen state).
    world.advance(world.state().config.tickMs);
    const pane = world.firstMatePaneId()!;
    expect(world.state().agents[pane]?.kind).toBe("claude");
    if (screen !== null) {
      world.inject({ type: "ScreenCaptured", now: world.now(), paneId: pane, text: screen });
      world.drive();
      world.advance(screenAgeMs);
    }
    world.channel.attach(pane, true);
    world.drive();
    expect(acceptedPush(world)).toBeDefined();
    return { world, pane };
  };

  const actsUnnamed = async (world: FakeWorld, pane: PaneId) => {
    world.advance(5_000);
    await toolsOf(world).fleetDigest(pane);
  };

  it("regression: an unnamed tool call after a push that came while its screen showed it idle confirms the channel", async () => {
    // The defect: without hooks an unnamed tool call never confirmed, so a first mate that heard every push went unavailable.
    const { world, pane } = noHooksWorld(screenOf("claude.idle.txt"));
    expect(world.state().agents[pane]?.resolved).toMatchObject({ state: "idle", source: "screen" });
    await actsUnnamed(world, pane);
    expect(world.state().channel.mode).toBe("confirmed");
    world.advance(world.state().config.channelConfirmMs);
    expect(world.state().channel.mode).toBe("confirmed");
    expect(world.tmux.sent).toEqual([]);
  });

  it("a screen showing it at work, a screen too old, or no screen at all: an unnamed tool call proves nothing", async () => {
    const config = createFakeWorld().state().config;
    for (const [screen, age] of [
      [screenOf("claude.busy.txt"), 0],
      [screenOf("claude.idle.txt"), 2 * config.firstMateScreenIntervalMs + 1],
      [null, 0],
    ] as const) {
      const { world, pane } = noHooksWorld(screen, age);
      await actsUnnamed(world, pane);
      expect(world.state().channel.mode).toBe("unconfirmed");
      world.advance(config.channelConfirmMs);
      expect(world.state().channel.mode).toBe("unavailable");
    }
  });
});

describe("wake-ups", () => {
  const digest = digestOf([paneRow(1, { name: "secret-project", status: "deploying prod" })]);
  const input = {
    now: T0,
    firstMatePaneId: "%9" as PaneId,
    attached: true,
    digest,
    lastSent: null,
    outbox: [],
    intervalMs: 120_000,
    resendLimit: 3,
    thresholds: THRESHOLDS,
  };

  it("carry counts only, never fleet content", () => {
    fc.assert(
      fc.property(fc.nat(50), fc.boolean(), fc.nat(50), (changes, firstSight, interrupts) => {
        const text = renderWakeUp(changes, firstSight, interrupts);
        cheapExpect(text).toMatch(/— call fleet_digest \/ inbox$/);
        cheapExpect(text).not.toMatch(/[%\n]/);
        cheapExpect(text.length).toBeLessThan(100);
      }),
      { numRuns: 1000 },
    );
    const decision = decideWake(INITIAL_WAKE_UP, input);
    expect(decision.commands).toEqual([
      {
        type: "tmux.sendText",
        requestId: "wake-1",
        paneId: "%9",
        text: "fleet picture waiting, 0 interrupts waiting — call fleet_digest / inbox",
      },
    ]);
  });

  it("a change announced and not pulled is announced again after 1, 2, 4 intervals, at most resendLimit times, then logged once", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1_000, max: 600_000 }), (limit, intervalMs) => {
        let state: WakeUpState = { ...INITIAL_WAKE_UP, lastAt: T0, announced: digest, count: 1 };
        const at = { ...input, resendLimit: limit, intervalMs };
        const typedAt: number[] = [];
        const logs: Command[] = [];
        let now = T0;
        for (let round = 0; round < 40; round++) {
          const decision = decideWake(state, { ...at, now });
          state = decision.state;
          for (const command of decision.commands) {
            if (command.type === "tmux.sendText") {
              typedAt.push(now);
              cheapExpect(command.text).toBe("fleet picture waiting, 0 interrupts waiting — call fleet_digest / inbox");
              state = settleWake(state, command.requestId, true, now);
            }
            if (command.type === "store.appendLog") logs.push(command);
          }
          const timer = decision.commands.find((command) => command.type === "timer.wakeAt");
          now = timer?.type === "timer.wakeAt" ? timer.at : now + intervalMs;
        }
        cheapExpect(typedAt).toEqual(Array.from({ length: limit }, (_, k) => T0 + intervalMs * (2 ** (k + 1) - 1)));
        cheapExpect(logs).toHaveLength(1);
        expect(logs[0]).toMatchObject({ entry: { text: expect.stringMatching(/no more reminders/) } });
      }),
      { numRuns: 1000 },
    );
  });

  it("a pulled picture and an emptied inbox end the reminders", () => {
    const announced = { ...INITIAL_WAKE_UP, lastAt: T0, announced: digest, count: 1 };
    expect(decideWake(announced, { ...input, now: T0 + 600_000, lastSent: digest }).commands).toEqual([]);
    const entry = { seq: 4, source: "%1" as PaneId, kind: "need_human" as const, message: "approve?", createdAt: T0 };
    const inboxWaits = { ...announced, announcedSeq: 4 };
    expect(
      decideWake(inboxWaits, { ...input, now: T0 + 600_000, lastSent: digest, outbox: [entry] }).commands,
    ).toMatchObject([
      { type: "tmux.sendText", text: "0 fleet changes, 1 interrupt waiting — call fleet_digest / inbox" },
    ]);
  });

  it("new fleet changes wait for the coalesced interval; new interrupts wake at once", () => {
    const announced = { ...INITIAL_WAKE_UP, lastAt: T0, announced: digest, count: 1 };
    const changed = digestOf([paneRow(1, { status: "testing" })]);
    expect(decideWake(announced, { ...input, now: T0 + 1_000, digest: changed, lastSent: digest }).commands).toEqual([
      { type: "timer.wakeAt", at: T0 + 120_000 },
    ]);
    const entry = { seq: 4, source: "%1" as PaneId, kind: "need_human" as const, message: "approve?", createdAt: T0 };
    const woken = decideWake(announced, { ...input, now: T0 + 1_000, lastSent: digest, outbox: [entry] });
    expect(woken.commands).toMatchObject([
      { type: "tmux.sendText", text: "0 fleet changes, 1 interrupt waiting — call fleet_digest / inbox" },
    ]);
  });
});

describe("a first mate whose channel is silently off", () => {
  it("regression: pushes its session accepted are not counted as delivered once the channel proves silent", () => {
    // The defect: the host logged `push digest_full → %7`, advanced lastSent, and the first mate never knew.
    const { world } = deafWorld();
    const config = world.state().config;
    expect(acceptedPush(world)).toBeDefined();
    expect(world.state().heartbeat.lastSent).not.toBeNull();
    world.advance(config.channelConfirmMs);
    const state = world.state();
    expect(state.channel.mode).toBe("unavailable");
    // Nothing the first mate never saw counts as its picture.
    expect(state.heartbeat.lastSent).toBeNull();
    expect(world.alerts.map((alert) => alert.code)).toEqual(["channel_unavailable"]);
  });

  it("regression: an interrupt pushed into a silent channel stays pending and reaches the first mate through inbox", async () => {
    const { world, worker } = deafWorld();
    world.inject({ type: "NotifyReceived", now: world.now(), paneId: worker, kind: "need_human", message: "approve?" });
    world.drive();
    // Accepted by the session, but not marked delivered: nobody has heard it yet.
    expect(world.commands.filter((command) => command.type === "store.markDelivered")).toEqual([]);
    world.advance(world.state().config.channelConfirmMs);
    expect(world.state().interrupts.outbox.map((entry) => entry.seq)).toEqual([1]);
    const tools = toolsOf(world);
    const pane = world.firstMatePaneId()!;
    const inbox = await tools.inbox(pane);
    expect(inbox).toMatchObject({ _tag: "Right", right: { entries: [{ seq: 1, message: "approve?" }] } });
    expect(world.store.snapshot().outbox.get(1)?.delivered).toBe(true);
    expect(await tools.inbox(pane)).toMatchObject({ right: { entries: [], text: "No interrupts waiting." } });
  });

  it("target: the first wake-up is typed within the confirmation deadline plus one tick of the first accepted push", () => {
    const { world } = deafWorld();
    const config = world.state().config;
    const accepted = acceptedPush(world)!;
    world.advance(config.channelConfirmMs + config.tickMs);
    const firstWake = world.events.find((event) => event.type === "TextSent");
    expect(firstWake).toBeDefined();
    const latency = firstWake!.now - accepted.now;
    expect(latency).toBeLessThanOrEqual(config.channelConfirmMs + config.tickMs);
    expect(world.tmux.sent[0]).toEqual({
      paneId: world.firstMatePaneId(),
      text: "fleet picture waiting, 0 interrupts waiting — call fleet_digest / inbox",
    });
  });

  it("a screen that shows the channel was ignored makes it unavailable at once, with one alert", () => {
    const { world } = deafWorld();
    const pane = world.firstMatePaneId()!;
    for (let i = 0; i < 3; i++) {
      world.inject({ type: "ScreenCaptured", now: world.now(), paneId: pane, text: IGNORED_SCREEN });
      world.drive();
    }
    expect(world.state().channel.mode).toBe("unavailable");
    expect(world.alerts.map((alert) => alert.code)).toEqual(["channel_unavailable"]);
    expect(world.tmux.sent).toHaveLength(1);
  });

  it("what it pulls is what counts: fleet_digest sets the picture, and no wake-up follows for it", async () => {
    // Idle drift stays out of the picture here: only the retitle below is a change.
    const { world, worker } = deafWorld({ idleThresholdMs: 24 * 3_600_000 });
    const config = world.state().config;
    world.advance(config.channelConfirmMs);
    const pane = world.firstMatePaneId()!;
    const pulled = await toolsOf(world).fleetDigest(pane);
    expect(pulled).toMatchObject({ _tag: "Right" });
    expect(world.state().heartbeat.lastSent).toEqual(currentDigest(world.state()));
    world.advance(10 * config.pushIntervalMs);
    expect(world.tmux.sent).toHaveLength(1);
    // A change brings one more wake-up, at the coalesced cadence, with the count.
    world.tmux.setTitle(worker, "testing");
    world.advance(config.tickMs);
    expect(world.tmux.sent.map((sent) => sent.text)).toEqual([
      "fleet picture waiting, 0 interrupts waiting — call fleet_digest / inbox",
      "1 fleet change, 0 interrupts waiting — call fleet_digest / inbox",
    ]);
    await toolsOf(world).fleetDigest(pane);
    expect(diverge(world.state().heartbeat.lastSent, currentDigest(world.state()), config)).toEqual([]);
  });

  it("regression: a wake-up the first mate ignores is typed again without a new fleet change, bounded", async () => {
    // The defect: an unanswered wake-up was never repeated; the picture stayed unpulled until the fleet changed again.
    const { world } = deafWorld({ idleThresholdMs: 24 * 3_600_000 });
    const config = world.state().config;
    world.advance(config.channelConfirmMs + config.tickMs);
    expect(world.tmux.sent).toHaveLength(1);
    const typedAt = () => world.events.filter((event) => event.type === "TextSent").map((event) => event.now);
    const first = typedAt()[0]!;
    world.advance(20 * config.pushIntervalMs);
    // Three reminders, after 1, 2 and 4 intervals; then one log line and quiet.
    expect(typedAt().map((at) => at - first)).toEqual([0, 1, 3, 7].map((k) => k * config.pushIntervalMs));
    expect(world.store.snapshot().log.filter((entry) => /no more reminders/.test(entry.text))).toHaveLength(1);
    // Pulling ends it; the next change starts a fresh series.
    await toolsOf(world).fleetDigest(world.firstMatePaneId()!);
    world.advance(10 * config.pushIntervalMs);
    expect(world.tmux.sent).toHaveLength(4);
  });

  it("pinned: an interrupt held for a first mate that died unconfirmed goes to the next one", () => {
    // Shrunk from the model run: the held entry was dropped when the marker cleared.
    const { world, worker } = deafWorld();
    world.inject({ type: "NotifyReceived", now: world.now(), paneId: worker, kind: "need_human", message: "approve?" });
    world.drive();
    expect(world.state().channel.held.map((entry) => entry.seq)).toEqual([1]);
    world.firstMateHearsChannel = true;
    world.tmux.killPaneExternally(world.firstMatePaneId()!);
    world.drive();
    world.advance(world.state().config.tickMs);
    const next = world.firstMatePaneId();
    expect(world.pushesToFirstMate().filter((push) => push.paneId === next && push.meta.seq === "1")).toHaveLength(1);
    expect(world.store.snapshot().outbox.get(1)?.delivered).toBe(true);
  });

  it("the channel is retried at the next first mate's start", () => {
    const { world } = deafWorld();
    world.advance(world.state().config.channelConfirmMs);
    expect(world.state().channel.mode).toBe("unavailable");
    world.firstMateHearsChannel = true;
    world.tmux.killPaneExternally(world.firstMatePaneId()!);
    world.drive();
    world.advance(world.state().config.tickMs);
    expect(world.state().channel.mode).toBe("confirmed");
    expect(world.pushesToFirstMate().at(-1)?.meta.kind).toBe("digest_full");
  });

  it("a first mate that hears its channel and acts on a push is confirmed, and nothing is typed", () => {
    const world = createFakeWorld();
    world.addWorker();
    world.start();
    world.advance(10 * world.state().config.channelConfirmMs);
    expect(world.state().channel.mode).toBe("confirmed");
    expect(world.tmux.sent).toEqual([]);
    expect(world.pushesToFirstMate()[0]?.meta.push).toBe("digest-1-1");
  });
});
