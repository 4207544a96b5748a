/**
 * `@first-mate/store-postgres/testing`: a throwaway PostgreSQL cluster for
 * tests and benchmarks, and the run-wide shared cluster the workspace's
 * vitest setup hands out.
 */
export * from "./sharedTestPostgres.js";
export * from "./throwawayPostgres.js";
