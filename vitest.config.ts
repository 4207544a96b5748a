import { defineConfig } from "vitest/config";

// Tests run against sources: the "@first-mate/source" export condition maps
// each workspace package to its src/index.ts, so no build step is needed.
export default defineConfig({
  resolve: { conditions: ["@first-mate/source"] },
  ssr: { resolve: { conditions: ["@first-mate/source"] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
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
          exclude: ["packages/core/**"],
          sequence: { groupOrder: 1 },
          // Names a run directory for the shared test PostgreSQL; a server starts only if a test asks for one.
          globalSetup: ["packages/store-postgres/src/testing/vitestGlobalSetup.ts"],
        },
      },
    ],
  },
});
