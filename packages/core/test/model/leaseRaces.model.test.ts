/**
 * Races between the lease, spawns and the store, with two hosts: two real
 * runtimes (the interpreter users run) over one store and one tmux server,
 * every store call and spawn resolved in an order fast-check's scheduler
 * chooses (`scheduledModelRun`), while time passes, first mates die, the
 * store locks up and hosts restart. Whatever the interleaving, no spawn
 * runs without its ledger row written under its host's lease epoch
 * (invariant 14), and once things settle there is one first mate, the one
 * the store names (invariant 7 across hosts).
 *
 * What fencing cannot stop, and this suite lets happen: a spawn whose ledger
 * row was written under the lease may reach tmux after the lease changed
 * hands (tmux knows no epochs). Its marker write is then refused as stale,
 * and the pane is closed as an orphan by the holder: the settled state shows it.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import type { StorePort } from "../../src/ports/storePort.js";
import type { TmuxPort } from "../../src/ports/tmuxPort.js";
import { createRuntime, type Runtime } from "../../src/runtime/createRuntime.js";
import type { FirstMateLauncher } from "../../src/runtime/launcher.js";
import { createFakeChannel } from "../../src/testing/fakeChannel.js";
import { createFakeClock, type FakeClock } from "../../src/testing/fakeClock.js";
import { createFakeStore, type FakeStore } from "../../src/testing/fakeStore.js";
import { createFakeTmux, type FakeTmux } from "../../src/testing/fakeTmux.js";
import { attemptTokenHash } from "../../src/testing/stubLauncher.js";
import { cheapExpect } from "../cheapExpect.js";

// Short lease, crash-loop window and backoff, so that a few minutes of settling see every one of them out.
const CONFIG = {
  tickMs: 10_000,
  leaseTtlMs: 30_000,
  pushIntervalMs: 60_000,
  startWindowMs: 60_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 10_000,
  minUptimeMs: 5_000,
} as const;
const SESSION = "bridge";
const WINDOW = "first-mate";

/** A launcher that remembers the attempt it prepared last (the spawn that follows is that attempt's). */
const launcherFor = (host: Host): FirstMateLauncher => ({
  prepare: async ({ attempt, session, window }) => {
    host.preparing = attempt;
    return {
      request: { session, window, argv: ["claude"], env: {} },
      tokenHash: attemptTokenHash(attempt),
    };
  },
});

interface Host {
  /** Unique per process, as the runtime requires: a restarted host is a new owner. */
  owner: string;
  runtime: Runtime;
  /** Spawns this host ran: the attempt, and whether its ledger row had been accepted from this host. */
  readonly spawns: { readonly attempt: number; readonly recorded: boolean }[];
  /** Attempts whose ledger row the store accepted from this host (under its epoch). */
  readonly recorded: Set<number>;
  preparing: number;
}

interface World {
  readonly clock: FakeClock;
  readonly tmux: FakeTmux;
  readonly store: FakeStore;
  readonly hosts: Host[];
}

/** The store and tmux as one host sees them: each call resolved when the scheduler says. */
const scheduledPorts = (s: fc.Scheduler, world: Omit<World, "hosts">, host: Host) => {
  const { store, tmux } = world;
  // The call runs now; the caller hears its answer when the scheduler lets it through. The scheduler is
  // handed only the release (no value), so its log keeps the labels and does not print every answer.
  const release = <R>(label: string, answer: Promise<R>): Promise<R> =>
    s
      .schedule(
        answer.then(
          () => undefined,
          () => undefined,
        ),
        `${host.owner} ${label}`,
      )
      .then(() => answer);
  const later =
    <A extends unknown[], R>(label: string, call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      release(label, call(...args));
  const scheduledStore: StorePort = {
    ...store,
    hydrate: () => release("hydrate", store.hydrate()),
    renewLease: later("renewLease", store.renewLease),
    readMarker: later("readMarker", store.readMarker),
    readSupervisorFlags: later("readSupervisorFlags", store.readSupervisorFlags),
    setMarker: later("setMarker", store.setMarker),
    clearMarker: later("clearMarker", store.clearMarker),
    recordStart: (record, epoch) =>
      release("recordStart", store.recordStart(record, epoch)).then((result) => {
        if (result._tag === "Right") host.recorded.add(record.attempt);
        return result;
      }),
    setSupervisorGaveUp: later("setSupervisorGaveUp", store.setSupervisorGaveUp),
  };
  const scheduledTmux: TmuxPort = {
    ...tmux,
    listPanes: later("listPanes", tmux.listPanes),
    // The pane is created when the scheduler lets the call through, under whoever holds the lease then.
    spawn: (request) =>
      s.schedule(Promise.resolve(), `${host.owner} spawn`).then(() => {
        host.spawns.push({ attempt: host.preparing, recorded: host.recorded.has(host.preparing) });
        return tmux.spawn(request);
      }),
  };
  return { store: scheduledStore, tmux: scheduledTmux };
};

const startHost = (s: fc.Scheduler, world: Omit<World, "hosts">, host: Host): Runtime => {
  const ports = scheduledPorts(s, world, host);
  const runtime = createRuntime({
    ...ports,
    channel: createFakeChannel(),
    clock: world.clock,
    launcher: launcherFor(host),
    owner: host.owner,
    config: CONFIG,
  });
  host.runtime = runtime;
  void runtime.start();
  return runtime;
};

const liveInWindow = (world: World) =>
  world.tmux
    .listSync()
    .filter((pane) => !pane.dead && pane.session === SESSION && pane.windowName === WINDOW)
    .map((pane) => pane.paneId);

/** Let every scheduled call through, including those the released ones lead to. */
const letThrough = async (s: fc.Scheduler): Promise<void> => {
  for (let round = 0; round < 20; round++) {
    await s.waitAll();
    await new Promise((resolve) => setImmediate(resolve));
    if (s.count() === 0) return;
  }
};

/** Stop both hosts (a stop waits for the calls in flight, so they are let through meanwhile). */
const stopAll = async (s: fc.Scheduler, hosts: readonly Host[]): Promise<void> => {
  let stopped = false;
  const stops = Promise.all(hosts.map((host) => host.runtime.stop().catch(() => undefined))).then(() => {
    stopped = true;
  });
  for (let round = 0; round < 50 && !stopped; round++) await letThrough(s);
  await stops;
};

type RaceCommand = fc.AsyncCommand<object, World>;

const advance = (ms: number): RaceCommand => ({
  check: () => true,
  run: async (_model, world) => {
    world.clock.advance(ms);
  },
  toString: () => `Advance(${ms})`,
});

const killFirstMate: RaceCommand = {
  check: () => true,
  run: async (_model, world) => {
    const marker = world.store.snapshot().marker;
    if (marker && world.tmux.panes.has(marker.paneId)) world.tmux.killPaneExternally(marker.paneId);
  },
  toString: () => "KillFirstMate",
};

const storeOutage = (on: boolean): RaceCommand => ({
  check: () => true,
  run: async (_model, world) => {
    world.store.setUnavailable(on);
  },
  toString: () => `StoreOutage(${on})`,
});

let restarts = 0;

/** One host stops (its lease released as `stop` does) and a fresh one starts in its place. */
const restartHost = (index: number, s: fc.Scheduler): RaceCommand => ({
  check: () => true,
  run: async (_model, world) => {
    const host = world.hosts[index % world.hosts.length]!;
    // The old process winds down (its calls in flight still land) while the new one starts.
    void host.runtime.stop();
    host.owner = `${host.owner.split("#")[0]}#${++restarts}`;
    startHost(s, world, host);
  },
  toString: () => `RestartHost(${index})`,
});

describe("lease, spawn and store races between two hosts", () => {
  it("whatever the interleaving, no spawn without its ledger row, and the hosts settle on one first mate, the one the store names", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(
          fc.oneof(
            {
              weight: 4,
              arbitrary: fc.integer({ min: 1_000, max: 45_000 }).map((ms) => ({ kind: "advance", ms }) as const),
            },
            { weight: 1, arbitrary: fc.constant({ kind: "kill" } as const) },
            { weight: 1, arbitrary: fc.boolean().map((on) => ({ kind: "outage", on }) as const) },
            { weight: 1, arbitrary: fc.nat(1).map((index) => ({ kind: "restart", index }) as const) },
          ),
          { maxLength: 12 },
        ),
        async (s, steps) => {
          const clock = createFakeClock();
          const base = { clock, tmux: createFakeTmux(() => clock.now()), store: createFakeStore() };
          const hosts: Host[] = ["host-a", "host-b"].map((owner) => ({
            owner,
            runtime: null as unknown as Runtime,
            spawns: [],
            recorded: new Set<number>(),
            preparing: 0,
          }));
          const world: World = { ...base, hosts };
          for (const host of hosts) startHost(s, base, host);
          const commands = steps.map((step) =>
            step.kind === "advance"
              ? advance(step.ms)
              : step.kind === "kill"
                ? killFirstMate
                : step.kind === "outage"
                  ? storeOutage(step.on)
                  : restartHost(step.index, s),
          );
          await fc.scheduledModelRun(s, () => ({ model: {}, real: world }), commands);
          // Settle: the store is back, the human resets a give-up, and a few crash-loop windows pass with every call let through.
          world.store.setUnavailable(false);
          for (let round = 0; round < 30; round++) {
            await letThrough(s);
            for (const host of hosts) if (host.runtime.status().gaveUp) void host.runtime.resetSupervisor();
            world.clock.advance(CONFIG.tickMs);
          }
          await letThrough(s);
          const marker = world.store.snapshot().marker;
          // Built only if the check fails (at once, on the same state).
          const seen = () =>
            JSON.stringify({
              live: liveInWindow(world),
              gaveUp: world.store.snapshot().gaveUp,
              lease: world.store.snapshot().lease,
              ledger: [...world.store.snapshot().ledger.values()],
              spawns: hosts.map((host) => host.spawns),
              status: hosts.map((host) => host.runtime.status()),
            });
          cheapExpect(marker, seen).not.toBeNull();
          cheapExpect(liveInWindow(world)).toEqual([marker!.paneId]);
          // Invariant 14: no spawn without its ledger row, accepted under the spawning host's epoch.
          for (const host of hosts)
            for (const spawn of host.spawns) cheapExpect(spawn).toEqual({ attempt: spawn.attempt, recorded: true });
          await stopAll(s, hosts);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
