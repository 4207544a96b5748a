/**
 * Push economy on a seeded synthetic trace (docs/design.md, Targets), measured through the
 * real reducer in the core's fake world, beside two baselines computed on
 * the same trace:
 * - push-on-every-divergent-tick: one wake per tick whose digest differs
 *   materially from the previous tick's;
 * - first-change-only (the predecessor's weakness): one wake per divergent
 *   tick reporting only the first change, so the rest are swallowed.
 *
 * Deterministic for a seed: the same trace, the same numbers.
 */
import { type Change, diverge, type FleetDigest, parseCoreConfig } from "@first-mate/core";
import { createFakeWorld, seededRandom } from "@first-mate/core/testing";

export interface PushEconomyOptions {
  readonly panes: number;
  readonly ticks: number;
  readonly seed: number;
  /** Chance per pane per tick of a status change. */
  readonly changeRate: number;
}

export interface PushEconomyResult {
  readonly panes: number;
  readonly ticks: number;
  readonly materialChanges: number;
  readonly divergentTicks: number;
  readonly pushes: number;
  readonly pushBytesMedian: number;
  readonly pushBytesMax: number;
  /** Pushes after which the first mate's picture differed from the digest. */
  readonly incompletePushes: number;
  /** Changes the first-change-only baseline never reported. */
  readonly firstChangeOnlySwallowed: number;
  /** Pushes for a fleet with no changes, once every pane has settled into idle. */
  readonly idleFleetPushes: number;
  readonly wakesVsEveryTick: number;
}

const STATUSES = ["editing", "running tests", "reading docs", "refactoring", "writing migration", "reviewing diff"];
const bytes = (text: string) => Buffer.byteLength(text, "utf8");
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? 0;

const simulate = (options: PushEconomyOptions, changes: boolean) => {
  const config = parseCoreConfig({});
  const world = createFakeWorld({ seed: options.seed });
  const random = seededRandom(options.seed);
  const panes = Array.from({ length: options.panes }, (_, index) =>
    world.addWorker({ windowName: `worker-${index}`, title: STATUSES[index % STATUSES.length]! }),
  );
  world.start();
  const digests: FleetDigest[] = [world.digest()];
  const pushedBefore = world.pushesToFirstMate().length;
  // Every pane crosses the idle threshold once at the start (material by the rules in docs/design.md, Observation, digest and delta); count after that.
  const settleTicks = Math.ceil((config.idleThresholdMs + config.pushIntervalMs) / config.tickMs) + 1;
  let pushedAtSettle = pushedBefore;
  let incomplete = 0;
  for (let tick = 0; tick < options.ticks; tick++) {
    if (tick === settleTicks) pushedAtSettle = world.pushesToFirstMate().length;
    if (changes) {
      for (const pane of panes) {
        if (random() < options.changeRate) world.tmux.setTitle(pane, STATUSES[Math.floor(random() * STATUSES.length)]!);
      }
    }
    const before = world.pushesToFirstMate().length;
    world.advance(config.tickMs);
    digests.push(world.digest());
    if (world.pushesToFirstMate().length > before) {
      const lastSent = world.state().heartbeat.lastSent;
      if (lastSent === null || diverge(lastSent, world.digest(), config).length > 0) incomplete++;
    }
  }
  const pushes = world.pushesToFirstMate().slice(pushedBefore);
  const afterSettling = world.pushesToFirstMate().length - pushedAtSettle;
  return { config, digests, pushes, incomplete, afterSettling };
};

export const measurePushEconomy = (options: PushEconomyOptions): PushEconomyResult => {
  const busy = simulate(options, true);
  let materialChanges = 0;
  let divergentTicks = 0;
  let swallowed = 0;
  for (let index = 1; index < busy.digests.length; index++) {
    const found: Change[] = diverge(busy.digests[index - 1]!, busy.digests[index]!, busy.config);
    materialChanges += found.length;
    if (found.length > 0) {
      divergentTicks++;
      swallowed += found.length - 1;
    }
  }
  const sizes = busy.pushes.map((push) => bytes(push.content));
  const idle = simulate({ ...options, ticks: Math.min(options.ticks, 240) }, false);
  const idleAfterSettling = idle.afterSettling;
  return {
    panes: options.panes,
    ticks: options.ticks,
    materialChanges,
    divergentTicks,
    pushes: busy.pushes.length,
    pushBytesMedian: median(sizes),
    pushBytesMax: Math.max(0, ...sizes),
    incompletePushes: busy.incomplete,
    firstChangeOnlySwallowed: swallowed,
    idleFleetPushes: idleAfterSettling,
    wakesVsEveryTick: divergentTicks === 0 ? 0 : busy.pushes.length / divergentTicks,
  };
};
