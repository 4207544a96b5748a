/**
 * Pane identity: a pane id is not a pane. After a tmux server restarts, pane
 * ids start again at %0, so the marker and alerts name their pane by id, pid
 * and tmux server (see src/domain/paneIdentity.ts). Each test is named after
 * the defect it pins.
 */
import { describe, expect, it } from "vitest";
import { samePane } from "../src/domain/paneIdentity.js";
import { createFakeWorld, type FakeWorld } from "../src/testing/fakeWorld.js";

const SERVER_BEFORE = { pid: 4000, startedAt: 1_000_000 };
const SERVER_AFTER = { pid: 4100, startedAt: 2_000_000 };

/**
 * `kill-server` and a new server: every pane is gone, and a new process (a
 * worker's shell) comes up under `paneId` on the new server.
 */
const restartServerReusing = (world: FakeWorld, paneId: string, windowName: string) => {
  world.tmux.panes.clear();
  world.tmux.panes.set(paneId, {
    paneId: paneId as never,
    session: "work",
    windowIndex: 0,
    windowName,
    title: "",
    command: "claude",
    pid: 77_777,
    dead: false,
    lastActivityAt: world.now(),
    tmuxServer: SERVER_AFTER,
  });
};

const startedWorld = () => {
  const world = createFakeWorld();
  world.addWorker({ windowName: "api" });
  world.start();
  world.advance(30_000);
  return world;
};

describe("pane identity", () => {
  it("the marker records the first mate's pane pid and tmux server (from its spawn, as the observations show them)", () => {
    const world = startedWorld();
    const marked = world.firstMatePaneId()!;
    const pane = world.tmux.panes.get(marked)!;
    expect(world.store.snapshot().marker).toMatchObject({
      paneId: marked,
      panePid: pane.pid,
      tmuxServer: world.tmux.server(),
    });
    expect(world.state().supervisor.marker).toMatchObject({ panePid: pane.pid, tmuxServer: world.tmux.server() });
  });

  it("stored marker adopts reused pane id: after kill-server and a new server, a pane with the marked id is not taken for the first mate", () => {
    const world = startedWorld();
    const marked = world.firstMatePaneId()!;
    const spawnsBefore = world.tmux.spawned.length;
    restartServerReusing(world, marked, "someone-else");
    // The host restarts too and reads the stored marker (%N, with the old pid and server).
    world.restartHost();
    world.advance(30_000);
    // A new first mate was spawned; the reused pane is another pane: not the first mate, not killed.
    expect(world.tmux.spawned.length).toBe(spawnsBefore + 1);
    expect(world.firstMatePaneId()).not.toBe(marked);
    expect(world.firstMatePaneId()).not.toBeNull();
    expect(world.tmux.panes.get(marked)?.pid).toBe(77_777);
    expect(world.commands).not.toContainEqual(expect.objectContaining({ type: "tmux.kill", paneId: marked }));
    // It is a worker now: the digest shows it (the first mate's own pane never appears there).
    expect(world.digest().panes.map((row) => row.handle)).toContain(marked);
  });

  it("a running host also lets go of a marker whose pane id now names another process", () => {
    const world = startedWorld();
    const marked = world.firstMatePaneId()!;
    restartServerReusing(world, marked, "someone-else");
    world.advance(30_000);
    expect(world.firstMatePaneId()).not.toBe(marked);
    expect(world.commands).not.toContainEqual(expect.objectContaining({ type: "tmux.kill", paneId: marked }));
    expect(world.digest().panes.map((row) => row.handle)).toContain(marked);
  });

  it("need_human alert sticks to reused id: an alert is not inherited by another pane given its id", () => {
    const world = startedWorld();
    const worker = world.digest().panes[0]!.handle;
    world.inject({
      type: "NotifyReceived",
      now: world.now(),
      paneId: worker as never,
      kind: "need_human",
      message: "which DB?",
    });
    world.drive();
    expect(world.store.snapshot().alerts.get(worker)).toMatchObject({
      panePid: world.tmux.panes.get(worker)!.pid,
      tmuxServer: world.tmux.server(),
    });
    expect(world.digest().panes.find((row) => row.handle === worker)?.blocked).toBe(true);
    restartServerReusing(world, worker, "api");
    world.advance(30_000);
    expect(world.state().alerts[worker]).toBeUndefined();
    expect(world.store.snapshot().alerts.has(worker)).toBe(false);
    expect(world.digest().panes.find((row) => row.handle === worker)?.blocked).toBe(false);
  });

  it("embedder inputs carried to a reused id: a CI state and status line given for a pane are not shown for another pane given its id after kill-server", () => {
    const world = startedWorld();
    const worker = world.digest().panes[0]!.handle;
    world.inject({
      type: "InputsUpdated",
      now: world.now(),
      panes: { [worker]: { pr: 7, ci: "red", statusLine: "fixing the build", watched: true } },
    });
    world.drive();
    // A listing shows the pane they were given for.
    world.advance(world.state().config.tickMs);
    expect(world.digest().panes.find((row) => row.handle === worker)).toMatchObject({ pr: 7, ci: "red" });
    restartServerReusing(world, worker, "api");
    world.advance(30_000);
    const row = world.digest().panes.find((candidate) => candidate.handle === worker);
    expect(row).toMatchObject({ pr: null, ci: null });
    expect(world.state().inputs.panes[worker as never]).toBeUndefined();
  });

  it("CI given for a pane just before a tmux server restart: the worker that reuses its id after the restart is not shown the old pane's CI", () => {
    const world = startedWorld();
    const worker = world.digest().panes[0]!.handle;
    // Given for the listed %N (its pid and server known), then kill-server before any listing.
    world.inject({ type: "InputsUpdated", now: world.now(), panes: { [worker]: { pr: 7, ci: "red", watched: true } } });
    world.drive();
    restartServerReusing(world, worker, "api");
    world.advance(30_000);
    expect(world.digest().panes.find((row) => row.handle === worker)).toMatchObject({ pr: null, ci: null });
    expect(world.state().inputs.panes[worker as never]).toBeUndefined();
  });

  it("inputs given for a pane before its first listing are kept when that listing is of the same tmux server", () => {
    const world = startedWorld();
    const worker = world.addWorker({ windowName: "web" });
    // Not listed yet (a worker just spawned): its pid is unknown, its server is the one listed last.
    expect(world.state().fleet.some((pane) => pane.paneId === worker)).toBe(false);
    world.inject({ type: "InputsUpdated", now: world.now(), panes: { [worker]: { pr: 9, ci: "green" } } });
    world.drive();
    world.advance(30_000);
    expect(world.digest().panes.find((row) => row.handle === worker)).toMatchObject({ pr: 9, ci: "green" });
    // From that listing on they belong to the pane it showed: a later process on the id does not get them.
    restartServerReusing(world, worker, "web");
    world.advance(30_000);
    expect(world.state().inputs.panes[worker]).toBeUndefined();
  });

  it("listing never recorded the inputs' owner: inputs given for a pane before its first listing are not kept for a new process later listed under its id", () => {
    const world = startedWorld();
    const worker = world.addWorker({ windowName: "web" });
    world.inject({ type: "InputsUpdated", now: world.now(), panes: { [worker]: { pr: 9, ci: "red" } } });
    world.drive();
    world.advance(30_000);
    expect(world.digest().panes.find((row) => row.handle === worker)).toMatchObject({ pr: 9, ci: "red" });
    // The listing showed their pane (its pid): from then on they are that pane's, and a new process
    // under the same id (on the same server) is another pane.
    const listed = world.tmux.panes.get(worker)!;
    world.tmux.panes.set(worker, { ...listed, pid: (listed.pid ?? 0) + 1 });
    world.advance(30_000);
    expect(world.state().inputs.panes[worker]).toBeUndefined();
    expect(world.digest().panes.find((row) => row.handle === worker)).toMatchObject({ pr: null, ci: null });
  });

  it("inputs given for a pane before its first listing are dropped when that listing is of another tmux server", () => {
    const world = startedWorld();
    const worker = world.addWorker({ windowName: "web" });
    world.inject({ type: "InputsUpdated", now: world.now(), panes: { [worker]: { pr: 9, ci: "red" } } });
    world.drive();
    restartServerReusing(world, worker, "web");
    world.advance(30_000);
    expect(world.digest().panes.find((row) => row.handle === worker)).toMatchObject({ pr: null, ci: null });
    expect(world.state().inputs.panes[worker]).toBeUndefined();
  });

  it("inputs given for a reused id before the host listed the new server are taken for the pane listed before: dropped, and kept once given again after the listing", () => {
    const world = startedWorld();
    const worker = world.digest().panes[0]!.handle;
    restartServerReusing(world, worker, "api");
    // The core cannot tell these from inputs given for the old pane just before the restart.
    world.inject({ type: "InputsUpdated", now: world.now(), panes: { [worker]: { pr: 9, ci: "green" } } });
    world.drive();
    world.advance(30_000);
    expect(world.digest().panes.find((row) => row.handle === worker)).toMatchObject({ pr: null, ci: null });
    world.inject({ type: "InputsUpdated", now: world.now(), panes: { [worker]: { pr: 9, ci: "green" } } });
    world.drive();
    world.advance(30_000);
    expect(world.digest().panes.find((row) => row.handle === worker)).toMatchObject({ pr: 9, ci: "green" });
  });

  it("alert never clears: a need_human alert clears when its agent ends on newer evidence", () => {
    const world = startedWorld();
    const worker = world.digest().panes[0]!.handle;
    world.inject({
      type: "NotifyReceived",
      now: world.now(),
      paneId: worker as never,
      kind: "need_human",
      message: "which DB?",
    });
    world.drive();
    world.advance(5_000);
    world.inject({
      type: "AgentEvidenceReceived",
      now: world.now(),
      paneId: worker as never,
      evidence: { source: "hook", state: "ended", at: world.now(), detail: "SessionEnd" },
    });
    world.drive();
    expect(world.state().alerts[worker]).toBeUndefined();
    expect(world.store.snapshot().alerts.has(worker)).toBe(false);
  });

  it("an alert stays while its pane is the same process, and older evidence does not answer it", () => {
    const world = startedWorld();
    const worker = world.digest().panes[0]!.handle;
    world.inject({
      type: "NotifyReceived",
      now: world.now(),
      paneId: worker as never,
      kind: "need_human",
      message: "which DB?",
    });
    world.drive();
    world.inject({
      type: "AgentEvidenceReceived",
      now: world.now(),
      paneId: worker as never,
      evidence: { source: "hook", state: "busy", at: world.now() - 1_000, detail: "PreToolUse" },
    });
    world.advance(120_000);
    expect(world.state().alerts[worker]).toMatchObject({ kind: "need_human" });
  });

  it("samePane says 'another pane' only on evidence: a differing pid or server known on both sides", () => {
    expect(samePane({ panePid: 10, tmuxServer: SERVER_BEFORE }, { pid: 10, tmuxServer: SERVER_BEFORE })).toBe(true);
    expect(samePane({ panePid: 10, tmuxServer: SERVER_BEFORE }, { pid: 11, tmuxServer: SERVER_BEFORE })).toBe(false);
    expect(samePane({ panePid: 10, tmuxServer: SERVER_BEFORE }, { pid: 10, tmuxServer: SERVER_AFTER })).toBe(false);
    // Unknown on either side is not proof of a change.
    expect(samePane({ panePid: 10 }, { pid: null })).toBe(true);
    expect(samePane({}, { pid: 11, tmuxServer: SERVER_AFTER })).toBe(true);
    expect(samePane({ panePid: null, tmuxServer: null }, { pid: 11 })).toBe(true);
  });
});
