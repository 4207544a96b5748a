/**
 * Helpers for the whole-system property tests: build a small fake world, run
 * generated actions, and inspect every transition the core went through.
 */
import fc from "fast-check";
import type { CoreConfigInput } from "../src/config.js";
import type { FleetDigest } from "../src/domain/digest.js";
import type { CiState } from "../src/domain/observation.js";
import type { PaneId } from "../src/domain/paneId.js";
import type { TmuxServerIdentity } from "../src/domain/paneIdentity.js";
import { applyWorldAction } from "../src/testing/applyWorldAction.js";
import { type WorldAction, worldActionArb } from "../src/testing/arbitraries.js";
import { createFakeWorld, type FakeWorld, type WorldTransition } from "../src/testing/fakeWorld.js";

export type Transition = WorldTransition;

/** Every transition the world's core went through (recorded by the world as it ran, across restarts). */
export const replay = (world: FakeWorld): readonly Transition[] => world.transitions;

/** World actions with the supervisor's troubles (deaths, bad spawns) made more likely. */
export const troubledActionArb: fc.Arbitrary<WorldAction> = fc.oneof(
  { weight: 6, arbitrary: worldActionArb },
  { weight: 2, arbitrary: fc.constant({ type: "killFirstMate" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("queueSpawn" as const),
      behaviour: fc.constantFrom("exit_at_launch" as const, "malformed_id" as const, "fail" as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ type: fc.constant("advance" as const), ms: fc.integer({ min: 100, max: 20_000 }) }),
  },
);

export const worldSetupArb = fc.record({
  workers: fc.integer({ min: 0, max: 4 }),
  actions: fc.array(troubledActionArb, { maxLength: 20 }),
});

/** A world with `workers` agent panes, started from nothing (what `startedWorld` forks). */
export const freshStartedWorld = (workers: number, config: CoreConfigInput = {}): FakeWorld => {
  const world = createFakeWorld({ config });
  for (let i = 0; i < workers; i++) world.addWorker({ windowName: `worker-${i}` });
  world.start();
  return world;
};

/** Started worlds by how they were started, each forked and never driven itself; least recently used first. */
const startedWorlds = new Map<string, FakeWorld>();
/** More than every fixed setup of the suite asks for at once. */
const STARTED_WORLDS_KEPT = 64;

/**
 * A fork of the world `start` builds and starts, built once per `key` (a
 * start is ~10 core steps and most properties begin with one; a fork does
 * what the started world would, see forkedWorld.test.ts). `key` must name
 * everything `start` does.
 *
 * The least recently used world makes room for a new key: a property that
 * generates its configuration asks for a new key each run, and once such
 * keys had filled the room, the fixed setups of the properties that came
 * after (the suites share this module) started afresh on every run.
 */
export const forkOfStarted = (key: string, start: () => FakeWorld): FakeWorld => {
  let started = startedWorlds.get(key);
  if (started === undefined) {
    started = start();
    if (startedWorlds.size >= STARTED_WORLDS_KEPT) startedWorlds.delete(startedWorlds.keys().next().value!);
  } else {
    startedWorlds.delete(key);
  }
  startedWorlds.set(key, started);
  return started.fork();
};

/** A started world with `workers` agent panes: a fork of the one started that way (`forkOfStarted`). */
export const startedWorld = (workers: number, config: CoreConfigInput = {}): FakeWorld =>
  // Keyed by its JSON: only a configuration of plain values (a pattern's JSON would say nothing of it).
  Object.values(config).some((value) => typeof value === "object")
    ? freshStartedWorld(workers, config)
    : forkOfStarted(`${workers} workers, ${JSON.stringify(config)}`, () => freshStartedWorld(workers, config));

export const runActions = (world: FakeWorld, actions: readonly WorldAction[], afterEach?: () => void): void => {
  for (const action of actions) {
    applyWorldAction(world, action);
    afterEach?.();
  }
};

/** Pane ids in the first mate's window that are alive now. */
export const liveFirstMateWindowPanes = (world: FakeWorld): string[] =>
  world.firstMatePanes().map((pane) => pane.paneId);

/**
 * Make the link healthy: no failing emits, the first mate attached, give-up
 * cleared — for long enough (20 min) that queued bad spawns and the crash-loop
 * window have played out.
 */
export const heal = (world: FakeWorld): void => {
  world.channel.failNext(0);
  for (let round = 0; round < 40; round++) {
    if (world.state().supervisor.gaveUp) world.inject({ type: "SupervisorReset", now: world.now() });
    const pane = world.firstMatePaneId();
    if (pane && world.tmux.panes.has(pane) && !world.channel.isAttached(pane)) world.channel.attach(pane, true);
    world.drive();
    world.advance(world.state().config.tickMs);
  }
};

const AGENTS = new Set(["claude", "codex", "gemini", "aider"]);

/** What the first mate should know of one worker: that it exists, its status line and its CI. */
export interface KnownPane {
  readonly handle: string;
  readonly status: string;
  readonly ci: string | null;
}

/**
 * The tmux server of the host's latest listing since it started, as the
 * world answered it (a listing the host took in: the one it had asked for);
 * null before any listing, or when that listing showed no pane.
 */
const lastListingServer = (world: FakeWorld): TmuxServerIdentity | null => {
  for (let i = world.transitions.length - 1; i >= 0; i--) {
    const { before, event } = world.transitions[i]!;
    if (event.type === "Started") return null;
    if (event.type === "FleetObserved" && before.observe.inFlight?.id === event.observeId)
      return event.panes.find((pane) => pane.tmuxServer !== undefined)?.tmuxServer ?? null;
  }
  return null;
};

/** Whether the host took in a listing that showed a pane (so named its tmux server) since transition `from`. */
const listedAServerSince = (world: FakeWorld, from: number): boolean => {
  for (let i = from; i < world.transitions.length; i++) {
    const { before, event } = world.transitions[i]!;
    if (event.type !== "FleetObserved" || before.observe.inFlight?.id !== event.observeId) continue;
    if (event.panes.some((pane) => pane.tmuxServer !== undefined)) return true;
  }
  return false;
};

/**
 * The reference model: the embedder's CI per pane as fed, and the fleet as
 * tmux has it — the live agent panes outside the first mate's window, each
 * with its title as status.
 */
export const referenceModel = () => {
  const ci = new Map<PaneId, CiState | null>();
  /**
   * Inputs given while the host's last listing named no tmux server (it
   * showed no pane): from which transition on. Until a listing names one,
   * nobody can tell which server's pane they were for, so the first listing
   * that shows a pane decides (packages/core/README.md, "Pane identity").
   */
  const givenUnbound = new Map<PaneId, number>();
  const give = (world: FakeWorld, paneId: PaneId, state: CiState | null): void => {
    ci.set(paneId, state);
    if (lastListingServer(world) === null) givenUnbound.set(paneId, world.transitions.length);
    else givenUnbound.delete(paneId);
  };
  return {
    /** Feed it the same action the world gets (before it is applied, so `index` picks the same worker). */
    feed(world: FakeWorld, action: WorldAction) {
      if (action.type !== "inputs") return;
      const { session, window } = world.state().config;
      const firstMate = world.firstMatePaneId();
      const workers = world.tmux
        .listSync()
        .filter((pane) => pane.paneId !== firstMate && !(pane.session === session && pane.windowName === window));
      const pane = workers.length === 0 ? undefined : workers[action.index % workers.length];
      if (!pane) return;
      // The embedder names a pane by id only: its inputs are for the pane the host last listed under
      // that id. Given after a tmux server restart the host has not listed yet, they are taken for
      // the old server's pane and dropped (packages/core/README.md, "Pane identity"). The world lists
      // at once after a restart, as the runtime does on reconnect, so today no generated run gets here.
      const listed = lastListingServer(world);
      const server = world.tmux.server();
      if (listed !== null && (listed.pid !== server.pid || listed.startedAt !== server.startedAt)) {
        ci.delete(pane.paneId as PaneId);
        givenUnbound.delete(pane.paneId as PaneId);
      } else give(world, pane.paneId as PaneId, action.ci);
    },
    /**
     * A tmux server restart: the old panes are gone, their ids free for
     * other processes. Inputs given before the host had listed any pane, and
     * not placed by a listing since, go to the first pane listed under their
     * id: possibly the new server's.
     */
    forgetAll(world: FakeWorld) {
      for (const paneId of [...ci.keys()]) {
        const from = givenUnbound.get(paneId);
        if (from !== undefined && !listedAServerSince(world, from)) continue;
        ci.delete(paneId);
        givenUnbound.delete(paneId);
      }
    },
    /**
     * A restarted host knows no inputs until the embedder tells it again: the
     * embedder (its knowledge comes from its own sources) re-sends what it knows.
     */
    refeed(world: FakeWorld) {
      if (ci.size === 0) return;
      for (const [paneId, state] of ci) give(world, paneId, state);
      const panes = Object.fromEntries([...ci].map(([paneId, state]) => [paneId, { watched: true, ci: state }]));
      world.inject({ type: "InputsUpdated", now: world.now(), panes });
      world.drive();
    },
    expected(world: FakeWorld): KnownPane[] {
      const { session, window } = world.state().config;
      return world.tmux
        .listSync()
        .filter((pane) => !pane.dead && AGENTS.has(pane.command))
        .filter((pane) => !(pane.session === session && pane.windowName === window))
        .map((pane) => ({ handle: pane.paneId, status: pane.title, ci: ci.get(pane.paneId as PaneId) ?? null }))
        .sort((a, b) => Number(a.handle.slice(1)) - Number(b.handle.slice(1)));
    },
  };
};

/**
 * Start a world and run `actions` in it, feeding the reference model the
 * same actions (a tmux server restart forgets every pane; a restarted host
 * is told the embedder's inputs again, as an embedder would).
 */
export const runWithReferenceModel = (workers: number, actions: readonly WorldAction[]) => {
  const world = startedWorld(workers);
  const model = referenceModel();
  for (const action of actions) {
    model.feed(world, action);
    if (action.type === "tmuxServerRestart") model.forgetAll(world);
    applyWorldAction(world, action);
    if (action.type === "restartHost") model.refeed(world);
  }
  return { world, model };
};

/** What a digest tells the first mate of each worker, in the reference model's terms. */
export const knownPicture = (digest: FleetDigest | null): KnownPane[] =>
  (digest?.panes ?? []).map(({ handle, status, ci }) => ({ handle, status, ci }));
