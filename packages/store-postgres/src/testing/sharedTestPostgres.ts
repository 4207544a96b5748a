/**
 * One PostgreSQL server for a whole test run, started by the first test that
 * asks for it and stopped by the run's global teardown.
 *
 * - `FIRST_MATE_TEST_POSTGRES_URL` set: that server is used, nothing is
 *   started or stopped (each store still gets a fresh schema).
 * - Otherwise the vitest global setup (`vitestGlobalSetup.ts`) names a run
 *   directory in `FIRST_MATE_TEST_POSTGRES_RUN_DIR`; the first worker to ask
 *   takes a lock there, starts a throwaway cluster and writes its URL; the
 *   others wait for that file. The teardown stops the cluster and removes it.
 * A run whose tests never ask starts no server.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { removeThrowawayPostgres, startThrowawayPostgres } from "./throwawayPostgres.js";

/** A server given from outside (e.g. CI with its own PostgreSQL). */
export const TEST_POSTGRES_URL_ENV = "FIRST_MATE_TEST_POSTGRES_URL";
/** Set by the global setup: where the run's shared cluster is coordinated. */
export const TEST_POSTGRES_RUN_DIR_ENV = "FIRST_MATE_TEST_POSTGRES_RUN_DIR";

interface ClusterFile {
  readonly url?: string;
  readonly root?: string;
  readonly error?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let cached: Promise<string> | null = null;

/** The URL of the run's shared test server (starting it if this is the first ask). */
export const sharedTestPostgresUrl = (env: NodeJS.ProcessEnv = process.env): Promise<string> => {
  cached ??= resolveSharedUrl(env);
  return cached;
};

const resolveSharedUrl = async (env: NodeJS.ProcessEnv): Promise<string> => {
  const given = env[TEST_POSTGRES_URL_ENV];
  if (given) return given;
  const runDirectory = env[TEST_POSTGRES_RUN_DIR_ENV];
  if (!runDirectory) {
    throw new Error(
      `no test PostgreSQL: set ${TEST_POSTGRES_URL_ENV}, or run the tests with the workspace vitest config (its global setup sets ${TEST_POSTGRES_RUN_DIR_ENV})`,
    );
  }
  const clusterFile = join(runDirectory, "cluster.json");
  mkdirSync(runDirectory, { recursive: true, mode: 0o700 });
  let starter = false;
  try {
    mkdirSync(join(runDirectory, "starting"));
    starter = true;
  } catch {
    // Another worker is starting it.
  }
  if (starter) {
    let content: ClusterFile;
    try {
      const cluster = await startThrowawayPostgres();
      content = { url: cluster.url, root: cluster.root };
    } catch (cause) {
      content = { error: cause instanceof Error ? cause.message : String(cause) };
    }
    writeFileSync(`${clusterFile}.tmp`, JSON.stringify(content));
    renameSync(`${clusterFile}.tmp`, clusterFile);
  }
  const deadline = Date.now() + 120_000;
  while (!existsSync(clusterFile)) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the shared test PostgreSQL to start");
    await sleep(50);
  }
  const content = JSON.parse(readFileSync(clusterFile, "utf8")) as ClusterFile;
  if (content.url === undefined) throw new Error(content.error ?? "the shared test PostgreSQL did not start");
  return content.url;
};

/** Global teardown: stops the run's shared cluster if one was started. Never rejects. */
export const stopSharedTestPostgres = async (runDirectory: string): Promise<void> => {
  const clusterFile = join(runDirectory, "cluster.json");
  if (existsSync(clusterFile)) {
    try {
      const content = JSON.parse(readFileSync(clusterFile, "utf8")) as ClusterFile;
      if (content.root !== undefined) await removeThrowawayPostgres(content.root);
    } catch {
      // Nothing more to stop.
    }
  }
};
