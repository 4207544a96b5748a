/**
 * Regressions: sequences that broke what the first mate should know or be
 * told — alerts that never cleared, emit ids shared between first mates,
 * an expiry that dropped the entry on its way, a crash-loop bound lost
 * with a large `maxStarts`. Each is named after the defect it pins.
 */
import { describe, expect, it } from "vitest";
import { parseCoreConfig } from "../src/config.js";
import { decideHeartbeat, INITIAL_HEARTBEAT } from "../src/decisions/heartbeat.js";
import {
  decideSupervisor,
  INITIAL_SUPERVISOR,
  type SupervisorState,
  settleSpawn,
} from "../src/decisions/supervisor.js";
import { EMPTY_HYDRATION } from "../src/events.js";
import { initialState } from "../src/state.js";
import { step } from "../src/step.js";
import { createFakeWorld } from "../src/testing/fakeWorld.js";
import { FLEET, MARKER, run, startedCore } from "./authority/authoritySupport.js";
import { digestOf, paneRow, pid, T0, THRESHOLDS, takeLease } from "./support.js";

describe("need_human alerts clear", () => {
  it("need_human alerts never clear: a busy hook after the alert clears it in memory and in the store", () => {
    const world = createFakeWorld();
    const worker = world.addWorker({ windowName: "api" });
    world.start();
    world.inject({
      type: "NotifyReceived",
      now: world.now(),
      paneId: worker,
      kind: "need_human",
      message: "which DB?",
    });
    world.drive();
    expect(world.digest().panes.find((pane) => pane.handle === worker)?.blocked).toBe(true);
    world.advance(5_000);
    world.inject({
      type: "AgentEvidenceReceived",
      now: world.now(),
      paneId: worker,
      evidence: { source: "hook", state: "busy", at: world.now(), detail: "UserPromptSubmit" },
    });
    world.drive();
    world.advance(60 * 60_000);
    expect(world.store.snapshot().alerts.has(worker)).toBe(false);
    expect(world.state().alerts[worker]).toBeUndefined();
    expect(world.digest().panes.find((pane) => pane.handle === worker)?.blocked).toBe(false);
    expect(world.commands).toContainEqual({
      type: "store.clearAlert",
      paneId: worker,
      epoch: world.state().supervisor.leaseEpoch,
    });
  });

  it("need_human alerts never clear: the alert of a pane that is gone is cleared", () => {
    const world = createFakeWorld();
    const worker = world.addWorker({ windowName: "api" });
    world.start();
    world.inject({ type: "NotifyReceived", now: world.now(), paneId: worker, kind: "need_human", message: "help" });
    world.drive();
    world.tmux.killPaneExternally(worker);
    world.advance(60_000);
    expect(world.store.snapshot().alerts.has(worker)).toBe(false);
    expect(world.state().alerts[worker]).toBeUndefined();
  });

  it("evidence older than the alert does not clear it", () => {
    const world = createFakeWorld();
    const worker = world.addWorker({ windowName: "api" });
    world.start();
    const before = world.now();
    world.advance(1_000);
    world.inject({ type: "NotifyReceived", now: world.now(), paneId: worker, kind: "need_human", message: "help" });
    world.inject({
      type: "AgentEvidenceReceived",
      now: world.now(),
      paneId: worker,
      evidence: { source: "hook", state: "busy", at: before },
    });
    world.drive();
    expect(world.store.snapshot().alerts.has(worker)).toBe(true);
  });
});

describe("emit ids are unique across first mates", () => {
  it("interrupt emit ids repeat across first mates: a dead first mate's late success does not retire its successor's delivery", () => {
    const core = startedCore();
    // An interrupt goes to the first mate (attempt 2)...
    let { state, commands } = run(core, [
      { type: "NotifyReceived", now: T0 + 1, paneId: pid(5), kind: "need_human", message: "which DB?" },
    ]);
    const first = commands.find((command) => command.type === "channel.emit" && command.purpose === "interrupt");
    if (first?.type !== "channel.emit") throw new Error("expected an interrupt emit");
    // ...which dies before answering; a successor (attempt 3) is spawned and attaches.
    ({ state, commands } = run(state, [{ type: "PaneExited", now: T0 + 70_000, paneId: MARKER.paneId }]));
    const observeId = state.observe.inFlight!.id;
    ({ state, commands } = run(state, [{ type: "FleetObserved", now: T0 + 70_001, observeId, panes: FLEET.slice(1) }]));
    const spawn = commands.find((command) => command.type === "tmux.spawn");
    if (spawn?.type !== "tmux.spawn") throw new Error("expected a respawn");
    ({ state, commands } = run(state, [
      {
        type: "SpawnSucceeded",
        now: T0 + 70_002,
        requestId: spawn.requestId,
        paneId: "%9",
        windowId: "@9",
        tokenHash: "d".repeat(64),
      },
      { type: "ChannelAttached", now: T0 + 70_003, paneId: pid(9), firstMate: true },
    ]));
    const second = commands.find((command) => command.type === "channel.emit" && command.purpose === "interrupt");
    if (second?.type !== "channel.emit") throw new Error("expected the interrupt again, to the successor");
    expect(second.emitId).not.toBe(first.emitId);
    // The dead first mate's late success arrives: the successor's delivery is still open.
    const [after, settled] = step(state, { type: "EmitSucceeded", now: T0 + 70_004, emitId: first.emitId });
    expect(settled.filter((command) => command.type === "store.markDelivered")).toEqual([]);
    expect(after.interrupts.outbox.map((entry) => entry.message)).toEqual(["which DB?"]);
    // The successor's own success retires it: accepted by its session, and delivered once it shows it
    // heard the push (its channel is unconfirmed until then; see decisions/channelDelivery.ts).
    const [accepted] = step(after, { type: "EmitSucceeded", now: T0 + 70_005, emitId: second.emitId });
    expect(accepted.interrupts.outbox).toEqual([]);
    const [done, retired] = step(accepted, {
      type: "FirstMateToolCalled",
      now: T0 + 70_006,
      paneId: pid(9),
      tool: "inbox",
      ack: second.meta.push!,
    });
    expect(retired.filter((command) => command.type === "store.markDelivered")).toHaveLength(1);
    expect(done.channel.held).toEqual([]);
  });
});

describe("outbox expiry", () => {
  it("expireOutbox deletes the entry being delivered: the store's bound spares it", () => {
    // Two interrupts: the first is on its way to the first mate (no answer yet), the second waits.
    const { state, commands } = run(startedCore(), [
      { type: "NotifyReceived", now: T0 + 1, paneId: pid(5), kind: "need_human", message: "which DB?" },
      { type: "NotifyReceived", now: T0 + 2, paneId: pid(6), kind: "need_human", message: "which branch?" },
    ]);
    expect(
      commands.filter((command) => command.type === "channel.emit" && command.purpose === "interrupt"),
    ).toHaveLength(1);
    const delivering = state.interrupts.outbox.find((entry) => entry.seq === state.interrupts.delivering)!;
    // A day later both are past the TTL; the one being delivered must stay on file.
    const [after, expired] = step(state, { type: "Ticked", now: T0 + 25 * 60 * 60_000 });
    const expiry = expired.find((command) => command.type === "store.expireOutbox");
    if (expiry?.type !== "store.expireOutbox") throw new Error("expected an expiry");
    expect(expiry.before).toBeLessThanOrEqual(delivering.createdAt);
    expect(after.interrupts.outbox.map((entry) => entry.seq)).toEqual([delivering.seq]);
  });
});

describe("crash-loop protection with a large maxStarts", () => {
  it("maxStarts > 32 disables crash-loop protection: 40 failed starts in the window give up, never a 41st", () => {
    const config = parseCoreConfig({ maxStarts: 40, startWindowMs: 24 * 60 * 60_000, backoffMaxMs: 1_000 });
    let state: SupervisorState = { ...INITIAL_SUPERVISOR, leaseHeld: true, leaseEpoch: 1, synced: true };
    let now = T0;
    let spawns = 0;
    const view = () => ({ now, livePaneIds: new Set<string>(), deadPaneIds: new Set<string>(), coversMarker: true });
    for (let round = 0; round < 200 && !state.gaveUp; round++) {
      let decision = decideSupervisor(state, view(), config);
      for (;;) {
        state = decision.state;
        const spawn = decision.commands.find((command) => command.type === "tmux.spawn");
        if (spawn?.type !== "tmux.spawn") break;
        spawns++;
        now += 10;
        decision = settleSpawn(state, { ok: false, requestId: spawn.requestId, reason: "boom" }, now, config);
      }
      const wake = decision.commands.find((command) => command.type === "timer.wakeAt");
      now = wake?.type === "timer.wakeAt" ? Math.max(now + 1, wake.at) : now + 1_000;
    }
    expect(state.gaveUp).toBe(true);
    expect(spawns).toBe(40);
  });
});

describe("what the first mate is told, and when", () => {
  it("an empty full picture: a first mate attaching before the first observation gets no 0-pane digest, then the whole fleet", () => {
    const config = parseCoreConfig({});
    let [state] = step(initialState(config), {
      type: "Started",
      now: T0,
      owner: "host",
      hydration: { ...EMPTY_HYDRATION, marker: MARKER },
    });
    [state] = takeLease(state, T0);
    // The shim reconnects right after the restart, before any observation came back.
    const [attached, early] = step(state, {
      type: "ChannelAttached",
      now: T0 + 1,
      paneId: MARKER.paneId,
      firstMate: true,
    });
    expect(early.filter((command) => command.type === "channel.emit")).toEqual([]);
    const [, observed] = step(attached, {
      type: "FleetObserved",
      now: T0 + 2,
      observeId: attached.observe.inFlight!.id,
      panes: FLEET,
    });
    const push = observed.find((command) => command.type === "channel.emit" && command.purpose === "digest");
    expect(push?.type === "channel.emit" && push.meta).toMatchObject({ kind: "digest_full", panes: "2" });
  });

  it("an idle fleet pushes: one Stop hook, then an hour of nothing, makes no push (evidence ageing rides along)", () => {
    const world = createFakeWorld();
    const worker = world.addWorker({ windowName: "api" });
    world.start();
    world.inject({
      type: "AgentEvidenceReceived",
      now: world.now(),
      paneId: worker,
      evidence: { source: "hook", state: "idle", at: world.now(), detail: "Stop" },
    });
    world.drive();
    world.advance(5 * 60_000);
    const pushes = world.pushesToFirstMate().length;
    world.advance(60 * 60_000);
    expect(world.pushesToFirstMate().slice(pushes)).toEqual([]);
  });

  it("idle drift is dropped while a state is known: a busy pane silent past the idle threshold is reported once", () => {
    const world = createFakeWorld({ config: { agentEvidenceMaxAgeMs: 60 * 60_000 } });
    const worker = world.addWorker({ windowName: "api" });
    world.start();
    world.inject({
      type: "AgentEvidenceReceived",
      now: world.now(),
      paneId: worker,
      evidence: { source: "hook", state: "busy", at: world.now(), detail: "UserPromptSubmit" },
    });
    world.drive();
    world.advance(20 * 60_000);
    const silent = world.pushesToFirstMate().filter((push) => push.content.includes(`SILENT ${worker}`));
    expect(silent).toHaveLength(1);
  });

  it("future-dated evidence never ages and blocks newer evidence: it is taken as of now", () => {
    const world = createFakeWorld();
    const worker = world.addWorker({ windowName: "api" });
    world.start();
    const inject = (state: "busy" | "idle", at: number) =>
      world.inject({
        type: "AgentEvidenceReceived",
        now: world.now(),
        paneId: worker,
        evidence: { source: "hook", state, at },
      });
    inject("busy", world.now() + 24 * 60 * 60_000);
    world.drive();
    world.advance(1_000);
    inject("idle", world.now());
    world.drive();
    expect(world.digest().panes.find((pane) => pane.handle === worker)?.state).toBe("idle");
  });
});

describe("the render cap", () => {
  const manyPanes = (n: number) =>
    digestOf(Array.from({ length: n }, (_, index) => paneRow(index + 2, { status: `working on task ${index}` })));

  it("the render cap drops lines that are then settled as reported: an expiry note cut by the cap stays unreported", () => {
    const decision = decideHeartbeat(
      { ...INITIAL_HEARTBEAT, lastSent: digestOf([]), lastPushAt: T0 - 600_000 },
      {
        now: T0,
        digest: manyPanes(100),
        firstMatePaneId: pid(1),
        attached: true,
        repeats: {},
        expiredUnreported: 3,
        intervalMs: 120_000,
        thresholds: THRESHOLDS,
        capBytes: 2_048,
      },
    );
    const push = decision.commands.find((command) => command.type === "channel.emit");
    if (push?.type !== "channel.emit") throw new Error("expected a push");
    expect(push.content).not.toContain("expired unread");
    expect(decision.state.inFlight?.expiredReported).toBe(0);
  });

  it("repeat counts that arrived while a push was in flight are deleted on its success: the later ones stay", () => {
    const core = startedCore();
    const key = "%5|need_human|which DB?";
    const inFlight = {
      emitId: "digest-2-99",
      digest: core.heartbeat.lastSent ?? digestOf([]),
      repeatKeys: [key],
      repeatCounts: { [key]: 2 },
      expiredReported: 0,
    };
    const state = {
      ...core,
      heartbeat: { ...core.heartbeat, inFlight },
      interrupts: {
        ...core.interrupts,
        repeats: { [key]: { source: "%5", kind: "need_human", message: "which DB?", count: 5 } },
      },
    };
    const [after] = step(state, { type: "EmitSucceeded", now: T0 + 1, emitId: "digest-2-99" });
    expect(after.interrupts.repeats[key]?.count).toBe(3);
  });
});
