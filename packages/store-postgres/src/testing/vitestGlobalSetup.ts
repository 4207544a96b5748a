/**
 * Vitest global setup for the shared test PostgreSQL: names a run directory
 * for the workers (no server is started until a test asks), and on teardown
 * stops whatever was started and removes the directory.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopSharedTestPostgres, TEST_POSTGRES_RUN_DIR_ENV, TEST_POSTGRES_URL_ENV } from "./sharedTestPostgres.js";

export default function setup(): () => Promise<void> {
  if (process.env[TEST_POSTGRES_URL_ENV]) return async () => undefined;
  // Created by the first test that asks for the server: a run that never asks leaves nothing behind.
  const runDirectory = join(tmpdir(), `fm-pg-run-${process.pid}-${randomBytes(4).toString("hex")}`);
  process.env[TEST_POSTGRES_RUN_DIR_ENV] = runDirectory;
  return async () => {
    await stopSharedTestPostgres(runDirectory);
    rmSync(runDirectory, { recursive: true, force: true });
  };
}
