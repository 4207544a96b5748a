/**
 * Measures the pure core at fleet scale (docs/design.md, Targets: curate + digest + diverge
 * ≤ 1 µs per pane), and the cost of one `step` on a FleetObserved event.
 *
 * Exported so a repo-wide bench can run it side by side with the others; it
 * returns numbers and prints nothing.
 */
import { buildDigest } from "../src/decisions/buildDigest.js";
import { diverge } from "../src/decisions/diverge.js";
import type { Alert } from "../src/domain/alert.js";
import type { FleetInputs, PaneObservation } from "../src/domain/observation.js";
import type { PaneId } from "../src/domain/paneId.js";
import type { Event } from "../src/events.js";
import type { CoreState } from "../src/state.js";
import { step } from "../src/step.js";
import { createFakeWorld } from "../src/testing/fakeWorld.js";

export interface CoreBenchOptions {
  readonly panes: number;
  /** Measured iterations (the median is reported). */
  readonly iterations?: number;
  readonly warmup?: number;
}

export interface CoreBenchResult {
  readonly panes: number;
  readonly iterations: number;
  /** curate + digest + diverge, median, microseconds per pane. */
  readonly pipelineUsPerPane: number;
  /** The same, median microseconds for the whole fleet. */
  readonly pipelineUs: number;
  /** One step(FleetObserved) with nothing material changed: median µs, and per pane. */
  readonly stepQuietUs: number;
  readonly stepQuietUsPerPane: number;
  /** One step(FleetObserved) where one pane changed and a delta is rendered and pushed. */
  readonly stepPushUs: number;
  readonly stepPushUsPerPane: number;
}

const T0 = 1_700_000_000_000;
const AGENTS = ["claude", "codex", "gemini", "aider"] as const;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** Time `run` `iterations` times after `warmup` runs; the median in microseconds. */
const timeMedianUs = (run: () => unknown, iterations: number, warmup: number): number => {
  for (let i = 0; i < warmup; i++) run();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    run();
    samples.push((performance.now() - started) * 1000);
  }
  return median(samples);
};

/** A synthetic fleet: mostly agents, some shells, a few dead panes, mixed activity. */
export const syntheticFleet = (count: number, now = T0): PaneObservation[] =>
  Array.from({ length: count }, (_, i) => ({
    // Far above the ids the fake tmux hands out, so the first mate's pane never collides.
    paneId: `%${100_000 + i}` as PaneId,
    session: `s${i % 7}`,
    windowIndex: i,
    windowName: `worker-${i}`,
    title: `task ${i % 13}: working`,
    command: i % 10 === 9 ? "bash" : AGENTS[i % AGENTS.length]!,
    pid: 10_000 + i,
    dead: i % 97 === 0,
    lastActivityAt: now - (i % 50) * 17_000,
  }));

const syntheticInputs = (count: number): FleetInputs => {
  const panes: FleetInputs["panes"] = {};
  for (let i = 0; i < count; i += 3) {
    panes[`%${100_000 + i}` as PaneId] = {
      statusLine: `status of ${i}`,
      pr: i + 1,
      ci: i % 2 === 0 ? "green" : "pending",
    };
  }
  return { panes, usage: { percent: 42, resetsAt: T0 + 3_600_000 } };
};

const syntheticAlerts = (count: number): Record<string, Alert> => {
  const alerts: Record<string, Alert> = {};
  for (let i = 0; i < count; i += 11) {
    const paneId = `%${100_000 + i}` as PaneId;
    alerts[paneId] = { paneId, kind: i % 2 === 0 ? "need_human" : "info", message: "help", raisedAt: T0 };
  }
  return alerts;
};

/**
 * A started core watching `count` panes, its first mate attached and up to date, and what
 * tmux lists now: the fleet plus the first mate's own pane, which the core keeps out of
 * `state.fleet` but must see in every observation, or it reads as the first mate's death.
 */
const settledWorld = (fleet: PaneObservation[]): { state: CoreState; listed: PaneObservation[] } => {
  const world = createFakeWorld({ start: T0 });
  for (const pane of fleet) world.tmux.panes.set(pane.paneId, pane);
  world.start();
  world.advance(1_000);
  return { state: world.state(), listed: [...world.tmux.panes.values()] };
};

/** Measure the pure core over a synthetic fleet of `panes` panes. */
export const measureCore = (options: CoreBenchOptions): CoreBenchResult => {
  const count = options.panes;
  const iterations = options.iterations ?? 300;
  const warmup = options.warmup ?? 50;
  const fleet = syntheticFleet(count);
  const inputs = syntheticInputs(count);
  const alerts = syntheticAlerts(count);
  const context = { now: T0 + 30_000, firstMatePaneId: null, inputs, alerts };
  const thresholds = { idleThresholdMs: 300_000, budgetStepPoints: 5 };
  // The previous picture differs in about 1% of panes, as a live fleet does tick to tick.
  const previous = buildDigest(
    fleet.map((pane, i) => (i % 100 === 0 ? { ...pane, title: "earlier" } : pane)),
    { ...context, now: T0 },
  );
  let sink = 0;
  const pipelineUs = timeMedianUs(
    () => {
      // A new observation each time, as each tick brings: the same array would be served from buildDigest's memo.
      const digest = buildDigest(fleet.slice(), context);
      sink += diverge(previous, digest, thresholds).length;
    },
    iterations,
    warmup,
  );

  const { state, listed } = settledWorld(fleet);
  const observeId = state.observe.nextId;
  const observing: CoreState = {
    ...state,
    observe: { nextId: observeId + 1, inFlight: { id: observeId, requestedAt: state.now }, again: false },
  };
  const now = state.now + 1_000;
  const quiet: Event = { type: "FleetObserved", now, observeId, panes: listed };
  const changedPaneId = state.fleet[1]?.paneId;
  const changedFleet = listed.map((pane) =>
    pane.paneId === changedPaneId ? { ...pane, title: "something new" } : pane,
  );
  const changed: Event = { type: "FleetObserved", now, observeId, panes: changedFleet };
  // The last push is a full interval ago, so the one change goes out at once.
  const pushable: CoreState = {
    ...observing,
    heartbeat: { ...observing.heartbeat, lastPushAt: now - state.config.pushIntervalMs },
  };
  const stepQuietUs = timeMedianUs(
    () => {
      const commands = step(observing, quiet)[1];
      // Nothing material changed: no push, and the first mate is not taken for dead.
      if (commands.some((command) => command.type === "channel.emit" || command.type === "store.clearMarker")) {
        throw new Error("expected a quiet step");
      }
      sink += commands.length;
    },
    iterations,
    warmup,
  );
  const stepPushUs = timeMedianUs(
    () => {
      const commands = step(pushable, changed)[1];
      if (!commands.some((command) => command.type === "channel.emit")) throw new Error("expected a push");
      sink += commands.length;
    },
    iterations,
    warmup,
  );
  if (sink < 0) throw new Error("unreachable: keeps the measured work alive");

  return {
    panes: count,
    iterations,
    pipelineUs,
    pipelineUsPerPane: pipelineUs / count,
    stepQuietUs,
    stepQuietUsPerPane: stepQuietUs / count,
    stepPushUs,
    stepPushUsPerPane: stepPushUs / count,
  };
};
