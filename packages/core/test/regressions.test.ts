/**
 * Regression tests, each named for a weakness of the reference design that
 * first-mate must not repeat.
 */
import { describe, expect, it } from "vitest";
import { createFakeWorld } from "../src/testing/fakeWorld.js";

const digestPushes = (world: ReturnType<typeof createFakeWorld>) =>
  world.pushesToFirstMate().filter((push) => push.meta.kind !== "interrupt");

describe("regressions", () => {
  it("two simultaneous changes are both reported", () => {
    const world = createFakeWorld();
    const a = world.addWorker({ windowName: "api" });
    const b = world.addWorker({ windowName: "web" });
    world.start();
    world.advance(120_000);
    world.tmux.setTitle(a, "testing");
    world.tmux.setTitle(b, "reviewing");
    world.advance(30_000);
    const last = digestPushes(world).at(-1)!;
    expect(last.meta).toMatchObject({ kind: "digest_delta", changes: "2" });
    expect(last.content).toContain(`${a} api (claude) "working" → "testing"`);
    expect(last.content).toContain(`${b} web (claude) "working" → "reviewing"`);
  });

  it("a second change in the same tick is not swallowed when lastSent advances", () => {
    const world = createFakeWorld();
    const a = world.addWorker({ windowName: "api" });
    const b = world.addWorker({ windowName: "web" });
    world.start();
    world.advance(120_000);
    world.tmux.setTitle(a, "testing");
    world.inject({ type: "PaneExited", now: world.now(), paneId: null });
    // Run until the push of a's change is in flight, not yet settled.
    while (world.state().heartbeat.inFlight === null) expect(world.step()).toBe(true);
    // b changes and is observed while that push is in flight.
    world.tmux.setTitle(b, "reviewing");
    world.inject({ type: "PaneExited", now: world.now(), paneId: null });
    world.drive();
    // lastSent is what was pushed — not the newer picture that includes b.
    expect(world.state().heartbeat.lastSent?.panes.find((pane) => pane.handle === b)?.status).toBe("working");
    world.advance(150_000);
    const pushes = digestPushes(world);
    expect(pushes.at(-2)!.content).toContain(`${a} api (claude) "working" → "testing"`);
    expect(pushes.at(-1)!.content).toContain(`${b} web (claude) "working" → "reviewing"`);
  });

  it("a respawned first mate gets the whole picture", () => {
    const world = createFakeWorld();
    const workers = [world.addWorker({ windowName: "api" }), world.addWorker({ windowName: "web" })];
    world.start();
    const first = world.firstMatePaneId()!;
    world.advance(90_000);
    world.tmux.killPaneExternally(first);
    world.drive();
    const second = world.firstMatePaneId();
    expect(second).not.toBeNull();
    expect(second).not.toBe(first);
    const received = world.pushesToFirstMate().filter((push) => push.paneId === second);
    expect(received).toHaveLength(1);
    expect(received[0]!.meta.kind).toBe("digest_full");
    for (const worker of workers) expect(received[0]!.content).toContain(worker);
  });

  it("a first mate that dies at launch does not cause unbounded spawns", () => {
    const world = createFakeWorld();
    world.addWorker();
    world.start();
    world.tmux.queueSpawns(...Array.from({ length: 50 }, () => "exit_at_launch" as const));
    world.advance(61_000);
    world.tmux.killPaneExternally(world.firstMatePaneId()!);
    world.drive();
    world.advance(6 * 3_600_000);
    const config = world.state().config;
    // The first (healthy) start, then at most maxStarts failing ones before giving up.
    expect(world.tmux.spawned.length).toBeLessThanOrEqual(1 + config.maxStarts);
    expect(world.state().supervisor.gaveUp).toBe(true);
    expect(world.alerts.map((alert) => alert.code)).toEqual(["first_mate_crash_loop"]);
    // The human's reset lets it try again (and the ledger before it no longer counts).
    world.inject({ type: "SupervisorReset", now: world.now() });
    world.drive();
    expect(world.tmux.spawned.length).toBe(2 + config.maxStarts);
    expect(world.state().supervisor.gaveUp).toBe(false);
  });
});
