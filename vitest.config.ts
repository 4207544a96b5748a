import { defineConfig } from "vitest/config";

// Tests run against sources: the "@first-mate/source" export condition maps
// each workspace package to its src/index.ts, so no build step is needed.
export default defineConfig({
  resolve: { conditions: ["@first-mate/source"] },
  ssr: { resolve: { conditions: ["@first-mate/source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/**/test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Names a run directory for the shared test PostgreSQL; a server starts only if a test asks for one.
    globalSetup: ["packages/store-postgres/src/testing/vitestGlobalSetup.ts"],
  },
});
