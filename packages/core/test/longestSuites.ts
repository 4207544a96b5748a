/**
 * The core's longest suites, longest first, as measured by
 * `npx vitest run packages/core` on 2 cores (seconds in the comments).
 *
 * The two workers take files from one queue. Vitest orders it by the
 * durations of the last run it remembers and, knowing none (a fresh clone,
 * a cleared cache), by file size: a suite of several seconds could then
 * start last and leave the other worker idle while it runs (about 0.8 s of
 * wall time, measured). `LongestSuitesFirst` (longestSuitesFirst.ts) puts
 * these at the head of the queue whenever a duration is unknown.
 *
 * Paths are relative to packages/core/test. The core's global setup
 * (warmTransforms.ts) fails the run if one of them is missing, so a renamed
 * suite is noticed; a suite that became short only costs time.
 */
export const LONGEST_SUITES: readonly string[] = [
  "world/faultInvariants.test.ts", // 4.0
  "model/leaseRaces.model.test.ts", // 3.8
  "invariants/idle.test.ts", // 2.6
  "model/channelDelivery.model.test.ts", // 2.5
  "world/forkedWorld.test.ts", // 1.5
  "invariants/heartbeat.test.ts", // 1.3
  "totality/stepTotal.test.ts", // 0.9
  "world/everyEventKind.test.ts", // 0.9
  "invariants/spawns.test.ts", // 0.9
  "decisions/interruptCaps.test.ts", // 0.9
  "runtime/boundedTables.test.ts", // 0.8
  "identityShortcuts.test.ts", // 0.8
  "invariants/faultWorld.test.ts", // 0.6
  "world/pushesOnFile.test.ts", // 0.6
  "model/reducer.model.test.ts", // 0.5
  "cheapExpect.test.ts", // 0.5
];
