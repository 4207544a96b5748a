import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Command } from "../../src/commands.js";
import { DEFAULT_CONFIG } from "../../src/config.js";
import {
  backoffDelay,
  decideSupervisor,
  INITIAL_SUPERVISOR,
  type SupervisorState,
  type SupervisorView,
  settleSpawn,
} from "../../src/decisions/supervisor.js";
import type { Marker } from "../../src/domain/marker.js";
import { malformedPaneIdArb, paneIdArb } from "../../src/testing/arbitraries.js";
import { cheapExpect } from "../cheapExpect.js";
import { pid, T0 } from "../support.js";

const HASH = "a".repeat(64);
const ready: SupervisorState = { ...INITIAL_SUPERVISOR, leaseHeld: true, leaseEpoch: 1, synced: true };
const view = (now: number, live: string[] = [], dead: string[] = []): SupervisorView => ({
  now,
  livePaneIds: new Set(live),
  deadPaneIds: new Set(dead),
  coversMarker: true,
});
const types = (commands: readonly Command[]) => commands.map((command) => command.type);
const spawnOf = (commands: readonly Command[]) => commands.find((command) => command.type === "tmux.spawn");
const wakeOf = (commands: readonly Command[]) => {
  const wake = commands.find((command) => command.type === "timer.wakeAt");
  return wake?.type === "timer.wakeAt" ? wake.at : null;
};
const marker = (paneId: string, spawnedAt: number, attempt = 1): Marker => ({
  paneId: paneId as Marker["paneId"],
  tokenHash: HASH,
  spawnedAt,
  attempt,
});

/** Spawn (at `now`) and let the spawn fail at once; returns the state and commands after the failure. */
const failOnce = (state: SupervisorState, now: number) => {
  const started = decideSupervisor(state, view(now), DEFAULT_CONFIG);
  const spawn = spawnOf(started.commands);
  if (spawn?.type !== "tmux.spawn") throw new Error(`expected a spawn at ${now}, got ${types(started.commands)}`);
  return settleSpawn(started.state, { ok: false, requestId: spawn.requestId, reason: "boom" }, now, DEFAULT_CONFIG);
};

describe("decideSupervisor", () => {
  it("spawns one first mate when none exists, recording the start first", () => {
    const decision = decideSupervisor(ready, view(T0), DEFAULT_CONFIG);
    expect(decision.commands).toEqual([
      {
        type: "store.recordStart",
        epoch: 1,
        record: { attempt: 1, startedAt: T0, endedAt: null, paneId: null, outcome: "starting" },
      },
      { type: "tmux.spawn", requestId: "spawn-1", session: "bridge", window: "first-mate", attempt: 1 },
    ]);
    expect(decision.state.spawnInFlight).toEqual({ requestId: "spawn-1", attempt: 1, since: T0, epoch: 1 });
  });

  it("regression: starts nothing while a live unmarked pane stands in the first mate's window (the holder closes it first), and starts once the window is clear", () => {
    const withStray = { ...view(T0, ["%2"]), liveInWindow: ["%2"] };
    expect(decideSupervisor(ready, withStray, DEFAULT_CONFIG)).toEqual({ state: ready, commands: [] });
    const clear = { ...view(T0 + 1000), liveInWindow: [] };
    expect(spawnOf(decideSupervisor(ready, clear, DEFAULT_CONFIG).commands)).toBeDefined();
  });

  it("returns nothing when a live marked pane exists or a spawn is in flight", () => {
    const live = { ...ready, marker: marker("%4", T0) };
    expect(decideSupervisor(live, view(T0 + 1000, ["%4"]), DEFAULT_CONFIG)).toEqual({ state: live, commands: [] });
    const spawning = decideSupervisor(ready, view(T0), DEFAULT_CONFIG).state;
    expect(decideSupervisor(spawning, view(T0 + 1), DEFAULT_CONFIG)).toEqual({ state: spawning, commands: [] });
  });

  it("lease not held: no spawn", () => {
    expect(decideSupervisor(INITIAL_SUPERVISOR, view(T0), DEFAULT_CONFIG).commands).toEqual([]);
  });

  it("kill switch set: no spawn, and a dead first mate is still recorded", () => {
    const off = { ...ready, killSwitch: true, marker: marker("%4", T0) };
    const decision = decideSupervisor(off, view(T0 + 120_000), DEFAULT_CONFIG);
    expect(types(decision.commands)).toEqual(["store.clearMarker", "store.recordStart", "store.appendLog"]);
    expect(decision.state.marker).toBeNull();
  });

  it("an observation older than the marker proves no death", () => {
    const live = { ...ready, marker: marker("%4", T0) };
    expect(decideSupervisor(live, { ...view(T0 + 5), coversMarker: false }, DEFAULT_CONFIG).commands).toEqual([]);
  });

  it("a first mate that dies before 60 s is a failed start; after is a stable one", () => {
    const early = decideSupervisor(
      { ...ready, lastAttempt: 1, marker: marker("%4", T0) },
      view(T0 + 59_999),
      DEFAULT_CONFIG,
    );
    expect(early.state.ledger.at(-1)?.outcome).toBe("unstable");
    expect(wakeOf(early.commands)).toBe(T0 + 59_999 + 5_000);
    const late = decideSupervisor(
      { ...ready, lastAttempt: 1, marker: marker("%4", T0) },
      view(T0 + 60_000),
      DEFAULT_CONFIG,
    );
    expect(late.state.ledger.find((record) => record.attempt === 1)?.outcome).toBe("stable");
    expect(spawnOf(late.commands)).toBeDefined();
  });

  it("kills a dead (remain-on-exit) first-mate pane", () => {
    const decision = decideSupervisor(
      { ...ready, lastAttempt: 1, marker: marker("%4", T0) },
      view(T0 + 90_000, [], ["%4"]),
      DEFAULT_CONFIG,
    );
    expect(decision.commands).toContainEqual({ type: "tmux.kill", paneId: "%4" });
  });
});

describe("crash-loop protection", () => {
  it("the backoff schedule is 5 s doubling to 5 min", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 50].map((n) => backoffDelay(n, DEFAULT_CONFIG))).toEqual([
      0, 5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000,
    ]);
  });

  it("waits out the backoff after each failed start", () => {
    const first = failOnce(ready, T0);
    expect(wakeOf(first.commands)).toBe(T0 + 5_000);
    expect(spawnOf(decideSupervisor(first.state, view(T0 + 4_999), DEFAULT_CONFIG).commands)).toBeUndefined();
    const second = failOnce(first.state, T0 + 5_000);
    expect(wakeOf(second.commands)).toBe(T0 + 15_000);
  });

  it("gives up and alerts after 3 failed starts in 10 min, until reset", () => {
    const first = failOnce(ready, T0);
    const second = failOnce(first.state, T0 + 5_000);
    const third = failOnce(second.state, T0 + 15_000);
    expect(third.state.gaveUp).toBe(true);
    expect(third.commands).toContainEqual({
      type: "store.setSupervisorGaveUp",
      gaveUp: true,
      at: T0 + 15_000,
      epoch: 1,
    });
    expect(third.commands).toContainEqual(
      expect.objectContaining({ type: "alert.raise", level: "critical", code: "first_mate_crash_loop" }),
    );
    // Given up: nothing, however long we wait.
    expect(decideSupervisor(third.state, view(T0 + 86_400_000), DEFAULT_CONFIG).commands).toEqual([]);
    // The human's reset: earlier failures no longer count.
    const reset = { ...third.state, gaveUp: false, resetAt: T0 + 20_000 };
    expect(spawnOf(decideSupervisor(reset, view(T0 + 20_000), DEFAULT_CONFIG).commands)).toBeDefined();
  });

  it("failed starts spread wider than the window do not give up", () => {
    let state = ready;
    for (let i = 0; i < 6; i++) {
      const result = failOnce(state, T0 + i * 400_000);
      expect(result.state.gaveUp).toBe(false);
      state = result.state;
    }
  });

  it("never more than 3 starts in any 10 min, even when each one is stable", () => {
    let now = T0;
    const starts: number[] = [];
    let decision = decideSupervisor(ready, view(now), DEFAULT_CONFIG);
    for (let round = 0; round < 12; round++) {
      const spawn = spawnOf(decision.commands);
      if (spawn?.type !== "tmux.spawn") {
        now = wakeOf(decision.commands) ?? now + 1_000;
        decision = decideSupervisor(decision.state, view(now), DEFAULT_CONFIG);
        continue;
      }
      starts.push(now);
      const pane = `%${round + 10}`;
      const settled = settleSpawn(
        decision.state,
        { ok: true, requestId: spawn.requestId, paneId: pane, windowId: null, tokenHash: HASH },
        now,
        DEFAULT_CONFIG,
      );
      // Each first mate lives 61 s (a stable start), then dies.
      now += 61_000;
      decision = decideSupervisor(settled.state, view(now), DEFAULT_CONFIG);
    }
    for (const at of starts) expect(starts.filter((t) => t >= at && t < at + 600_000).length).toBeLessThanOrEqual(3);
    expect(starts.length).toBeGreaterThan(3);
  });
});

describe("settleSpawn", () => {
  const inFlight = () => {
    const decision = decideSupervisor(ready, view(T0), DEFAULT_CONFIG);
    return decision.state;
  };

  it("stamps the marker with a well-formed pane id and records the start", () => {
    const result = settleSpawn(
      inFlight(),
      { ok: true, requestId: "spawn-1", paneId: "%8", windowId: "@3", tokenHash: HASH },
      T0 + 100,
      DEFAULT_CONFIG,
    );
    expect(result.state.marker).toEqual(marker("%8", T0 + 100));
    expect(types(result.commands)).toEqual(["store.setMarker", "store.recordStart", "store.appendLog"]);
    expect(result.state.spawnInFlight).toBeNull();
  });

  it("a stale spawn result is killed and stamps nothing", () => {
    const result = settleSpawn(
      ready,
      { ok: true, requestId: "spawn-9", paneId: "%8", windowId: "@3", tokenHash: HASH },
      T0,
      DEFAULT_CONFIG,
    );
    expect(result.state).toBe(ready);
    expect(result.commands[0]).toEqual({ type: "tmux.kill", paneId: "%8" });
    const unreadable = settleSpawn(
      ready,
      { ok: true, requestId: "spawn-9", paneId: "", windowId: "@3", tokenHash: HASH },
      T0,
      DEFAULT_CONFIG,
    );
    expect(unreadable.commands[0]).toEqual({ type: "tmux.killWindow", target: "@3" });
    expect(settleSpawn(ready, { ok: false, requestId: "spawn-9", reason: "x" }, T0, DEFAULT_CONFIG).commands).toEqual(
      [],
    );
  });

  it("invariant 1: no marker is ever stamped with an empty or malformed pane id", () => {
    fc.assert(
      fc.property(
        malformedPaneIdArb,
        fc.option(fc.constantFrom("@1", "@22", "", "garbage"), { nil: null }),
        (paneId, windowId) => {
          const result = settleSpawn(
            inFlight(),
            { ok: true, requestId: "spawn-1", paneId, windowId, tokenHash: HASH },
            T0 + 5,
            DEFAULT_CONFIG,
          );
          cheapExpect(result.state.marker).toBeNull();
          cheapExpect(types(result.commands)).not.toContain("store.setMarker");
          cheapExpect(result.commands).toContainEqual({
            type: "tmux.killWindow",
            target: windowId !== null && /^@\d+$/.test(windowId) ? windowId : "bridge:first-mate",
          });
          cheapExpect(result.state.ledger.at(-1)?.outcome).toBe("spawn_failed");
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("invariant 1: every marker decideSupervisor and settleSpawn leave behind is well formed", () => {
    fc.assert(
      fc.property(fc.oneof(paneIdArb, malformedPaneIdArb), fc.nat(200_000), (paneId, lifetime) => {
        const settled = settleSpawn(
          inFlight(),
          { ok: true, requestId: "spawn-1", paneId, windowId: null, tokenHash: HASH },
          T0,
          DEFAULT_CONFIG,
        );
        const later = decideSupervisor(settled.state, view(T0 + lifetime, [paneId]), DEFAULT_CONFIG);
        for (const state of [settled.state, later.state]) {
          if (state.marker !== null) cheapExpect(state.marker.paneId).toMatch(/^%\d+$/);
        }
        for (const command of [...settled.commands, ...later.commands]) {
          if (command.type === "store.setMarker") cheapExpect(command.marker.paneId).toMatch(/^%\d+$/);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("pane ids", () => {
  it("the malformed arbitrary never yields a pane id", () => {
    fc.assert(
      fc.property(malformedPaneIdArb, (value) => !/^%\d+$/.test(value)),
      { numRuns: 1000 },
    );
    expect(pid(3)).toBe("%3");
  });
});
