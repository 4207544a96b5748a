/**
 * Regressions: what a host may decide and write around a lease change.
 * Each sequence broke the crash-loop bound or ran two first mates before the
 * lease carried an epoch and a host re-read the store on taking it.
 */
import { describe, expect, it } from "vitest";
import type { Command } from "../src/commands.js";
import { parseCoreConfig } from "../src/config.js";
import type { Marker, StartRecord } from "../src/domain/marker.js";
import { EMPTY_HYDRATION, type Event } from "../src/events.js";
import { type CoreState, initialState } from "../src/state.js";
import { step } from "../src/step.js";
import { answerRead, observation, pid, T0, takeLease } from "./support.js";

const run = (state: CoreState, events: readonly Event[]): [CoreState, Command[]] => {
  let current = state;
  const commands: Command[] = [];
  for (const event of events) {
    const [next, produced] = step(current, event);
    current = next;
    commands.push(...produced);
  }
  return [current, commands];
};

/** Answer the observation in flight, if any, with `panes` and the store's flags. */
const observed = (
  state: CoreState,
  now: number,
  flags: { gaveUp: boolean; marker: Marker | null },
  panes = [observation(2)],
): [CoreState, Command[]] => {
  const id = state.observe.inFlight?.id;
  if (id === undefined) return [state, []];
  return run(state, [
    {
      type: "FleetObserved",
      now,
      observeId: id,
      panes,
      flags: { killSwitch: false, gaveUp: flags.gaveUp, resetAt: null, marker: flags.marker },
    },
  ]);
};

const failed = (attempt: number, at: number): StartRecord => ({
  attempt,
  startedAt: at,
  endedAt: at + 1_000,
  paneId: null,
  outcome: "spawn_failed",
});

const spawns = (commands: readonly Command[]) => commands.filter((command) => command.type === "tmux.spawn");

const standby = (): CoreState => {
  const [state] = run(initialState(parseCoreConfig({})), [
    { type: "Started", now: T0, owner: "host-b", hydration: EMPTY_HYDRATION },
    { type: "LeaseRenewed", now: T0, held: false, expiresAt: T0 + 90_000, epoch: 1 },
  ]);
  return state;
};

describe("lease fencing and re-reading on takeover", () => {
  it("give-up lost on a lease takeover: a standby taking the lease keeps the holder's give-up and does not spawn", () => {
    // Host B stands by with an empty ledger; holder A records 3 failed starts, gives up and stops.
    let state = standby();
    const ledger = [failed(1, T0 + 1_000), failed(2, T0 + 5_000), failed(3, T0 + 20_000)];
    let commands: Command[];
    [state, commands] = observed(state, T0 + 1_000, { gaveUp: false, marker: null });
    // B takes the lease; the observation that follows carries the store's give-up.
    [state, commands] = run(state, [
      { type: "LeaseRenewed", now: T0 + 100_000, held: true, expiresAt: T0 + 190_000, epoch: 2 },
    ]);
    expect(commands.map((command) => command.type)).toContain("store.readSupervisor");
    const all: Command[] = [...commands];
    [state, commands] = run(state, [{ type: "Ticked", now: T0 + 100_001 }]);
    all.push(...commands);
    [state, commands] = observed(state, T0 + 100_002, { gaveUp: true, marker: null }, []);
    all.push(...commands);
    expect(state.supervisor.gaveUp).toBe(true);
    // The re-read answers with A's ledger and give-up.
    [state, commands] = answerRead(state, T0 + 100_003, { ledger, gaveUp: true });
    all.push(...commands);
    [state, commands] = observed(state, T0 + 100_004, { gaveUp: true, marker: null }, []);
    all.push(...commands);
    expect(state.supervisor.gaveUp).toBe(true);
    expect(state.supervisor.ledger).toEqual(ledger);
    expect(spawns(all)).toEqual([]);
  });

  it("a holder that has not re-read the store since taking the lease decides nothing, and a failed read decides nothing", () => {
    let state = standby();
    let commands: Command[];
    [state, commands] = run(state, [
      { type: "LeaseRenewed", now: T0 + 1_000, held: true, expiresAt: T0 + 91_000, epoch: 2 },
    ]);
    const read = commands.find((command) => command.type === "store.readSupervisor");
    expect(read?.type).toBe("store.readSupervisor");
    if (read?.type !== "store.readSupervisor") return;
    // The marked first mate is gone from an observation: still no decision (no record, no spawn).
    [state, commands] = observed(state, T0 + 1_001, { gaveUp: false, marker: null }, []);
    [state, commands] = run(state, [
      { type: "SupervisorReadFailed", now: T0 + 1_002, readId: read.readId, reason: "database is locked" },
      { type: "PaneExited", now: T0 + 1_003, paneId: null },
    ]);
    const [afterObserve, observedCommands] = observed(state, T0 + 1_004, { gaveUp: false, marker: null }, []);
    expect(spawns([...commands, ...observedCommands])).toEqual([]);
    expect(afterObserve.supervisor.synced).toBe(false);
    // The next tick reads again.
    const [, ticked] = run(afterObserve, [{ type: "Ticked", now: T0 + 30_000 }]);
    expect(ticked.map((command) => command.type)).toContain("store.readSupervisor");
  });

  it("every holder-only write carries the epoch the lease was taken at", () => {
    let state = standby();
    [state] = takeLease(state, T0 + 1_000, 7);
    const [, commands] = observed(state, T0 + 1_001, { gaveUp: false, marker: null }, []);
    const record = commands.find((command) => command.type === "store.recordStart");
    expect(record).toMatchObject({ type: "store.recordStart", epoch: 7 });
    expect(spawns(commands)).toHaveLength(1);
  });

  it("settleSpawn ignores the lease: a spawn returning after the lease was lost is killed, never stamped", () => {
    let state = standby();
    [state] = takeLease(state, T0 + 1_000, 2);
    let commands: Command[];
    [state, commands] = observed(state, T0 + 1_001, { gaveUp: false, marker: null }, []);
    const spawn = spawns(commands)[0];
    expect(spawn?.type).toBe("tmux.spawn");
    if (spawn?.type !== "tmux.spawn") return;
    // The lease is lost while the spawn is in flight (another host takes it and adopts its own marker).
    [state, commands] = run(state, [
      { type: "LeaseRenewed", now: T0 + 2_000, held: false, expiresAt: T0 + 92_000, epoch: 3 },
      {
        type: "SpawnSucceeded",
        now: T0 + 2_001,
        requestId: spawn.requestId,
        paneId: "%40",
        windowId: "@40",
        tokenHash: "c".repeat(64),
      },
    ]);
    expect(commands).toContainEqual({ type: "tmux.kill", paneId: pid(40) });
    expect(commands.filter((command) => command.type === "store.setMarker")).toEqual([]);
    expect(state.supervisor.marker).toBeNull();
    expect(state.supervisor.spawnInFlight).toBeNull();
  });

  it("a spawn decided under an earlier epoch is killed even when this host holds the lease again", () => {
    let state = standby();
    [state] = takeLease(state, T0 + 1_000, 2);
    let commands: Command[];
    [state, commands] = observed(state, T0 + 1_001, { gaveUp: false, marker: null }, []);
    const spawn = spawns(commands)[0];
    if (spawn?.type !== "tmux.spawn") throw new Error("expected a spawn");
    [state] = run(state, [{ type: "LeaseRenewed", now: T0 + 2_000, held: false, expiresAt: T0 + 92_000, epoch: 3 }]);
    [state] = takeLease(state, T0 + 200_000, 4);
    [state, commands] = run(state, [
      {
        type: "SpawnSucceeded",
        now: T0 + 200_001,
        requestId: spawn.requestId,
        paneId: "%41",
        windowId: "@41",
        tokenHash: "c".repeat(64),
      },
    ]);
    expect(commands).toContainEqual({ type: "tmux.kill", paneId: pid(41) });
    expect(commands.filter((command) => command.type === "store.setMarker")).toEqual([]);
  });
});
