/**
 * Defects the world that can go wrong found in the core, each pinned as the
 * shortest sequence that showed it.
 */
import { describe, expect, it } from "vitest";
import { createFakeWorld } from "../../src/testing/fakeWorld.js";
import { runActions, startedWorld } from "../worldSupport.js";

describe("found by the world that can go wrong", () => {
  it("a wake-up that cannot be typed (tmux down) is tried again after the interval, not at once in a loop", () => {
    // Shrunk from the every-event-kind run: a deaf first mate, then tmux goes away while a change waits.
    const world = startedWorld(1);
    runActions(world, [
      { type: "firstMateChannel", hears: false, acknowledges: false },
      { type: "killFirstMate" },
      { type: "advance", ms: 5_000 },
      { type: "advance", ms: 200_000 },
      { type: "retitle", index: 0, title: "testing" },
      { type: "tmuxOutage", on: true },
    ]);
    // Failed wake-ups settle: the world goes quiet instead of typing into a dead server without end.
    world.advance(600_000);
    const failed = world.events.filter((event) => event.type === "TextSendFailed");
    expect(failed.length).toBeGreaterThan(0);
    const { pushIntervalMs } = world.state().config;
    for (let i = 1; i < failed.length; i++)
      expect(failed[i]!.now - failed[i - 1]!.now).toBeGreaterThanOrEqual(pushIntervalMs);
  });
});

describe("found by the reference model of what the first mate should know", () => {
  it("a first mate whose shim reconnected while the restarted host could not read the store is taken as attached once the store answers", () => {
    // Shrunk from invariant 3 against the reference model: a store outage, then a host restart.
    const world = startedWorld(1);
    const firstMate = world.firstMatePaneId();
    runActions(world, [
      { type: "storeOutage", on: true },
      { type: "restartHost", hydrateFails: false },
      { type: "storeOutage", on: false },
    ]);
    world.advance(5 * world.state().config.tickMs);
    expect(world.firstMatePaneId()).toBe(firstMate);
    expect(world.state().firstMateAttached).toBe(true);
  });
});

describe("found by invariant 3 with tmux server restarts", () => {
  it("the other host's first mate, adopted after a tmux server restart, is not a worker that reuses its pane id", () => {
    // Shrunk from the reference-model run: the world's stand-in for another host wrote its marker without the
    // pane's pid and server, unlike a host does; after the restart a worker on that id was taken for the first
    // mate, and never reported.
    const world = startedWorld(0);
    runActions(world, [
      { type: "killFirstMate" },
      { type: "secondHostTakesOver", ms: 1_000 },
      { type: "tmuxServerRestart", workers: 2 },
    ]);
    expect(world.store.snapshot().marker?.tmuxServer).not.toBeUndefined();
    world.advance(20 * world.state().config.tickMs);
    const workers = world.tmux
      .listSync()
      .filter((pane) => pane.windowName !== world.state().config.window)
      .map((pane) => pane.paneId);
    expect(workers).toEqual(["%1", "%2"]);
    expect(workers).not.toContain(world.firstMatePaneId());
    expect(world.firstMatePanes()).toHaveLength(1);
    expect(world.digest().panes.map((pane) => pane.handle)).toEqual(workers);
  });
});

describe("found by the lease race suite", () => {
  it("a marker write that fails (the store locked for a moment) is written again, so the store names the first mate", () => {
    const world = createFakeWorld();
    world.store.failWrites(2, "setMarker");
    world.start();
    const firstMate = world.firstMatePaneId();
    expect(firstMate).not.toBeNull();
    world.advance(3 * world.state().config.tickMs);
    expect(world.store.snapshot().marker?.paneId).toBe(firstMate);
  });
});
