/**
 * The first mate's identity is recorded at its spawn: the create call prints
 * the new pane's pid and its tmux server, and the marker keeps them at once.
 * Before, they were pinned at the first observation that showed the pane, so
 * a tmux server replaced between the spawn and that observation let a new
 * pane on the same id pass for the first mate. Driven through `step` with
 * the events a host sees, in the order that exposed the defect.
 */
import { describe, expect, it } from "vitest";
import type { Command } from "../src/commands.js";
import { DEFAULT_CONFIG } from "../src/config.js";
import type { PaneObservation } from "../src/domain/observation.js";
import { EMPTY_HYDRATION, type Event } from "../src/events.js";
import { type CoreState, initialState } from "../src/state.js";
import { step } from "../src/step.js";
import { T0, takeLease } from "./support.js";

const SERVER_BEFORE = { pid: 4000, startedAt: 1_000_000 };
const SERVER_AFTER = { pid: 4100, startedAt: 2_000_000 };
const TOKEN_HASH = "a".repeat(64);

const spawnsOf = (commands: readonly Command[]) =>
  commands.filter((command): command is Extract<Command, { type: "tmux.spawn" }> => command.type === "tmux.spawn");

/** A tick, then every observation in flight or asked for meanwhile answered with `panes`. */
const observeWith = (state: CoreState, now: number, panes: PaneObservation[]) => {
  const [ticked, tickCommands] = step(state, { type: "Ticked", now });
  let current = ticked;
  const produced: Command[] = [...tickCommands];
  const answered = new Set<number>();
  for (let round = 0; round < 10; round++) {
    const observeId = current.observe.inFlight?.id;
    if (observeId === undefined || answered.has(observeId)) break;
    answered.add(observeId);
    const [next, commands] = step(current, { type: "FleetObserved", now, observeId, panes });
    current = next;
    produced.push(...commands);
  }
  return { state: current, commands: produced };
};

/** tmux's answer to spawn `requestId` at T0 + 100: pane `%n` in window `@n`, its process `panePid`, on the first server. */
const spawnedOnFirstServer = (requestId: string, paneId: `%${number}`, panePid: number): Event => ({
  type: "SpawnSucceeded",
  now: T0 + 100,
  requestId,
  paneId,
  windowId: `@${paneId.slice(1)}`,
  tokenHash: TOKEN_HASH,
  panePid,
  tmuxServer: SERVER_BEFORE,
});

/** A host that took the lease and asked for a first mate; the spawn request it made. */
const spawning = () => {
  const [started] = step(initialState(DEFAULT_CONFIG), {
    type: "Started",
    now: T0,
    owner: "host",
    hydration: EMPTY_HYDRATION,
  });
  const [leased, leaseCommands] = takeLease(started, T0);
  // The supervisor starts a first mate once it has seen the fleet (here: empty).
  const observed = observeWith(leased, T0, []);
  const [request] = spawnsOf([...leaseCommands, ...observed.commands]);
  if (request === undefined) throw new Error("the host asked for no first mate");
  return { state: observed.state, request };
};

describe("the first mate's pane identity is recorded at its spawn", () => {
  it("tmux restart before the first observation: a new pane on the first mate's id is not taken for the first mate", () => {
    const { state, request } = spawning();
    const [stamped, stampCommands] = step(state, spawnedOnFirstServer(request.requestId, "%1", 5001));
    const marker = { paneId: "%1", panePid: 5001, tmuxServer: SERVER_BEFORE };
    expect(stamped.supervisor.marker).toMatchObject(marker);
    expect(stampCommands).toContainEqual(
      expect.objectContaining({ type: "store.setMarker", marker: expect.objectContaining(marker) }),
    );

    // kill-server and a new server before any observation: %1 is a worker's shell now.
    const reused: PaneObservation = {
      paneId: "%1" as never,
      session: "work",
      windowIndex: 0,
      windowName: "someone-else",
      title: "",
      command: "claude",
      pid: 77_777,
      dead: false,
      lastActivityAt: T0,
      tmuxServer: SERVER_AFTER,
    };
    const after = observeWith(stamped, T0 + 5_000, [reused]);
    // The first mate is gone: its marker is dropped, a new one is started, and the other pane is left alone.
    expect(after.state.supervisor.marker?.paneId).not.toBe("%1");
    expect(after.commands).toContainEqual(expect.objectContaining({ type: "store.clearMarker", paneId: "%1" }));
    expect(after.state.supervisor.marker).toBeNull();
    expect(after.commands).not.toContainEqual(expect.objectContaining({ type: "tmux.kill", paneId: "%1" }));
  });

  it("the pane of the same spawn, observed later, keeps the first mate (no false alarm)", () => {
    const { state, request } = spawning();
    const [stamped] = step(state, spawnedOnFirstServer(request.requestId, "%1", 5001));
    const own: PaneObservation = {
      paneId: "%1" as never,
      session: DEFAULT_CONFIG.session,
      windowIndex: 0,
      windowName: DEFAULT_CONFIG.window,
      title: "",
      command: "claude",
      pid: 5001,
      dead: false,
      lastActivityAt: T0,
      tmuxServer: SERVER_BEFORE,
    };
    const after = observeWith(stamped, T0 + 5_000, [own]);
    expect(after.state.supervisor.marker).toMatchObject({ paneId: "%1", panePid: 5001, tmuxServer: SERVER_BEFORE });
    expect(spawnsOf(after.commands)).toEqual([]);
    expect(after.commands).not.toContainEqual(expect.objectContaining({ type: "store.clearMarker" }));
  });

  it("stale spawn killed without the process ladder: a stale spawn's pane is killed with its pid, so its process tree is ended", () => {
    const { state, request } = spawning();
    const [, commands] = step(state, spawnedOnFirstServer(`${request.requestId}-not-in-flight`, "%9", 6009));
    expect(commands).toContainEqual({ type: "tmux.kill", paneId: "%9", pid: 6009, reason: "stale spawn" });
  });
});
