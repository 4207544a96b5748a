/**
 * A standby host follows the store's marker, and re-reads the store's whole
 * supervisor state when it takes the lease: the holder's live first mate is
 * never joined by a second one, and never killed as a stray.
 */
import { describe, expect, it } from "vitest";
import type { Command } from "../src/commands.js";
import { parseCoreConfig } from "../src/config.js";
import type { Marker } from "../src/domain/marker.js";
import { EMPTY_HYDRATION, type Event } from "../src/events.js";
import { type CoreState, initialState } from "../src/state.js";
import { step } from "../src/step.js";
import { observation, pid, T0, takeLease } from "./support.js";

const TOKEN = "a".repeat(64);
const markerOf = (n: number, attempt: number): Marker => ({ paneId: pid(n), tokenHash: TOKEN, spawnedAt: T0, attempt });
const firstMatePane = (n: number) => observation(n, { session: "bridge", windowName: "first-mate" });

const run = (state: CoreState, event: Event): [CoreState, readonly Command[]] => {
  const [next, commands] = step(state, event);
  return [next, commands];
};

const observed = (state: CoreState, now: number, panes: ReturnType<typeof observation>[], marker: Marker | null) =>
  run(state, {
    type: "FleetObserved",
    now,
    observeId: state.observe.inFlight!.id,
    panes,
    flags: { killSwitch: false, gaveUp: false, resetAt: null, marker },
  });

describe("lease handover", () => {
  it("a standby follows the holder's marker, and on taking the lease adopts it instead of spawning", () => {
    // The standby started when the store still named an older first mate (%1).
    let [state] = run(initialState(parseCoreConfig({})), {
      type: "Started",
      now: T0,
      owner: "standby",
      hydration: { ...EMPTY_HYDRATION, marker: markerOf(1, 1) },
    });
    [state] = run(state, { type: "LeaseRenewed", now: T0, held: false, expiresAt: T0 + 90_000, epoch: 1 });
    // Meanwhile the holder respawned the first mate as %5 (attempt 2).
    let commands: readonly Command[];
    [state, commands] = observed(state, T0 + 1_000, [firstMatePane(5), observation(2)], markerOf(5, 2));
    expect(state.supervisor.marker).toEqual(markerOf(5, 2));
    expect(commands.filter((command) => command.type.startsWith("tmux."))).toEqual([]);

    // The holder stops; the standby takes the lease, re-reads the store and looks again.
    [state, commands] = takeLease(state, T0 + 2_000, 2, { marker: markerOf(5, 2) });
    expect(commands[0]?.type).toBe("store.readSupervisor");
    expect(commands.map((command) => command.type)).toContain("fleet.observe");
    [state, commands] = observed(state, T0 + 2_100, [firstMatePane(5), observation(2)], markerOf(5, 2));
    expect(state.supervisor.marker?.paneId).toBe(pid(5));
    expect(commands.filter((command) => command.type === "tmux.spawn" || command.type === "tmux.kill")).toEqual([]);
    expect(state.supervisor.lastAttempt).toBe(2);

    // From now on it owns the marker: a stale store read no longer overrides it.
    [state] = run(state, { type: "Ticked", now: T0 + 30_000 });
    [state, commands] = observed(state, T0 + 30_100, [firstMatePane(5), observation(2)], markerOf(1, 1));
    expect(state.supervisor.marker?.paneId).toBe(pid(5));
    expect(commands.filter((command) => command.type === "tmux.spawn" || command.type === "tmux.kill")).toEqual([]);
  });

  it("a host without the lease makes no supervisor decision, even when the marked pane is gone", () => {
    let [state] = run(initialState(parseCoreConfig({})), {
      type: "Started",
      now: T0,
      owner: "standby",
      hydration: { ...EMPTY_HYDRATION, marker: markerOf(1, 1) },
    });
    [state] = run(state, { type: "LeaseRenewed", now: T0, held: false, expiresAt: T0 + 90_000, epoch: 1 });
    const [, commands] = observed(state, T0 + 1_000, [observation(2)], markerOf(1, 1));
    expect(
      commands.filter((command) => command.type.startsWith("store.") && command.type !== "store.renewLease"),
    ).toEqual([]);
    expect(commands.filter((command) => command.type.startsWith("tmux."))).toEqual([]);
  });
});
