import { setFlagsFromString } from "node:v8";
import { defineConfig } from "vitest/config";
import { LongestSuitesFirst } from "./packages/core/test/longestSuitesFirst.js";

/**
 * V8 flags for the core's worker threads. V8's flags are the process's, and the workers are created (and
 * their heaps sized) after this file is read. Only speed changes: what runs, and what every test checks,
 * is the same.
 *
 * A larger young generation: the core's suites allocate states, commands and recorded transitions by the
 * million, and a world's log lives as long as its run. With V8's default 16 MB semi-spaces
 * `npx vitest run packages/core` spent ~3.5 s of CPU in 1300 scavenges copying that log, with 64 MB ~2.3 s
 * in 480.
 *
 * Less inlining (at most 300 bytes of bytecode per function) and optimisation after about twice as much use
 * as by default: the suites drive `step` through millions of events whose states and commands come in many
 * shapes, and with the default budgets `step` and its decisions were compiled into very large functions,
 * thrown away when an object of a shape they had not seen came along, and compiled again (28 s of CPU
 * against 34–35 s with V8's defaults). Set here rather than in a setup file, which ran again before each of
 * the ~90 files: 0.3 s less wall time (five pairs interleaved).
 */
setFlagsFromString("--max-semi-space-size=64");
setFlagsFromString("--max-inlined-bytecode-size-cumulative=300");
setFlagsFromString("--interrupt-budget=300000");

// Tests run against sources: the "@first-mate/source" export condition maps
// each workspace package to its src/index.ts, so no build step is needed.
/**
 * Files asserting a wall-clock target on real processes (a hook exits within 300 ms, a dead first
 * mate is replaced within 1 s, a standby takes the lease within its ttl and one tick): measured
 * beside the rest of the suite on 2 cores they measure the suite, so they run in a group of their own.
 */
const WALL_CLOCK_TARGETS = [
  "packages/cli/test/hooks/hookNeverBlocks.test.ts",
  "packages/cli/test/e2e/firstMateLifecycle.test.ts",
  "packages/cli/test/e2e/twoHostsPostgres.test.ts",
];

export default defineConfig({
  resolve: { conditions: ["@first-mate/source"] },
  ssr: { resolve: { conditions: ["@first-mate/source"] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // The core's longest suites first while vitest knows no durations (a fresh clone): see longestSuites.ts.
    sequence: { sequencer: LongestSuitesFirst },
    // Only the pure core runs on threads (below): its suites share no global state
    // (no mocks, no IO), so one worker keeps its module graph across files instead
    // of starting a process and loading the core again for each.
    poolOptions: { threads: { isolate: false, maxThreads: 2, minThreads: 1 } },
    projects: [
      {
        extends: true,
        test: {
          name: "core",
          include: ["packages/core/test/**/*.test.ts"],
          pool: "threads",
          // Node's own interop for CommonJS dependencies: vitest's wraps each such module (fp-ts's Either
          // among them) in a Proxy whose trap ran on every `E.isLeft`, `E.right`, ... of the fakes and the
          // runtime — ~0.5 s of the suite's CPU. The core imports no default export from CommonJS.
          deps: { interopDefault: false },
          // Transforms the core's modules before the workers ask, in the order the first suites import them.
          globalSetup: ["packages/core/test/warmTransforms.ts"],
          // The core's properties and model runs check 1000 cases or more each: pure CPU, so their wall
          // time measures how busy the machine is (17 s alone, past 30 s beside other work on 2 cores),
          // not the code. The limit is there to catch a hang, and catches one at any of these values.
          testTimeout: 180_000,
          // One group at a time, as with a single pool: the drivers' real tmux and PostgreSQL do not share the CPU with it.
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "drivers",
          include: ["packages/*/test/**/*.test.ts", "examples/**/test/**/*.test.ts"],
          exclude: ["packages/core/**", ...WALL_CLOCK_TARGETS],
          sequence: { groupOrder: 1 },
          // Names a run directory for the shared test PostgreSQL; a server starts only if a test asks for one.
          globalSetup: ["packages/store-postgres/src/testing/vitestGlobalSetup.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "wall-clock",
          include: WALL_CLOCK_TARGETS,
          // Last and one file at a time: these measure real processes against a wall-clock target, so the
          // suite's other files must not share the CPU with them.
          sequence: { groupOrder: 2 },
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
