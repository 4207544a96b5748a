import { defineConfig } from "vitest/config";

// `npm run test:agents`: the conformance suite against the real agent CLIs
// (test-agents/). Kept out of `npm test`: it needs the agents installed
// (test-agents/installAgents.ts) and runs for minutes.
export default defineConfig({
  resolve: { conditions: ["@first-mate/source"] },
  ssr: { resolve: { conditions: ["@first-mate/source"] } },
  test: {
    include: ["test-agents/**/*.test.ts"],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
  },
});
