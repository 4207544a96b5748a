/**
 * Test helpers: a fresh schema on the run's shared test PostgreSQL for each
 * store, a raw `pg` connection that bypasses the store, and the snapshot of
 * every row of a schema (equal snapshots mean nothing was written).
 */
import { randomBytes } from "node:crypto";
import { openPostgresStore, type PostgresStore, type PostgresStoreOptions } from "@first-mate/store-postgres";
import { sharedTestPostgresUrl } from "@first-mate/store-postgres/testing";
import * as E from "fp-ts/lib/Either.js";
import pg from "pg";

/** Where a test store lives: the server and the schema; JSON so a child process can take it as one argument. */
export interface PostgresLocation {
  readonly url: string;
  readonly schema: string;
}

export const encodeLocation = (location: PostgresLocation): string => JSON.stringify(location);
export const decodeLocation = (text: string): PostgresLocation => JSON.parse(text) as PostgresLocation;

/** A schema name no other test uses. */
export const freshSchema = (): string => `test_${randomBytes(6).toString("hex")}`;

/** A fresh location on the shared test server. */
export const freshLocation = async (): Promise<PostgresLocation> => ({
  url: await sharedTestPostgresUrl(),
  schema: freshSchema(),
});

/** Opens a store that must open. */
export const openStoreAt = async (
  location: PostgresLocation,
  options: Omit<PostgresStoreOptions, "url" | "schema"> = {},
): Promise<PostgresStore> => {
  const opened = await openPostgresStore({ url: location.url, schema: location.schema, ...options });
  if (E.isLeft(opened)) throw new Error(`store did not open: ${opened.left._tag}: ${opened.left.message}`);
  return opened.right;
};

/** Runs `work` on a raw connection to `url`, closed afterwards. */
export const withRawClient = async <T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

/** Every row of every table of the schema, as one string. */
export const snapshotOf = (location: PostgresLocation): Promise<string> =>
  withRawClient(location.url, async (client) => {
    const tables = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
      [location.schema],
    );
    const content: Array<[string, unknown[]]> = [];
    for (const { table_name: table } of tables.rows) {
      const rows = await client.query(`SELECT * FROM "${location.schema}"."${table}" ORDER BY 1`);
      content.push([table, rows.rows]);
    }
    return JSON.stringify(content);
  });

/** Drops the CHECK constraints of one table (so a test can store what the store never would). */
export const dropChecks = async (client: pg.Client, schema: string, table: string): Promise<void> => {
  const checks = await client.query<{ conname: string }>(
    "SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'c'",
    [`"${schema}"."${table}"`],
  );
  for (const { conname } of checks.rows) {
    await client.query(`ALTER TABLE "${schema}"."${table}" DROP CONSTRAINT "${conname}"`);
  }
};

export const dropSchema = (location: PostgresLocation): Promise<void> =>
  withRawClient(location.url, async (client) => {
    await client.query(`DROP SCHEMA IF EXISTS "${location.schema}" CASCADE`);
  });
