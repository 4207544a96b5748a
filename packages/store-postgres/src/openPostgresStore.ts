/**
 * Opening the store: options, connection pool, first connection, migrations.
 *
 * Guarantees: never throws or rejects; a URL that is not a PostgreSQL URL is
 * `StoreInvalidInput`; a server that cannot be reached, refuses, or rejects
 * the login is `StoreUnavailable` naming the server (never the password); a
 * schema migrated by a newer first-mate is `StoreSchemaTooNew` and is left
 * untouched. On any error every connection is closed again. A connection
 * the server ends (a shutdown, `pg_terminate_backend`) is never an unhandled
 * "error" event: the call on it answers `StoreUnavailable`.
 */
import type { StoreError } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import pg from "pg";
import { z } from "zod";
import { migrate, readSchemaVersion } from "./migrations.js";
import { DEFAULT_LEDGER_HORIZON_MS, PostgresStore } from "./postgresStore.js";
import { DEFAULT_SCHEMA, quoteIdentifier, SchemaNameSchema } from "./schemaName.js";
import { describeZodError, storeInvalidInput, toStoreError } from "./storeErrors.js";

/** Default wait for a connection (new or from the pool) before a call fails with `StoreUnavailable`. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** Default limit on one statement, so a stuck server fails the call instead of hanging it. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;
/** Default number of connections one store keeps at most. */
export const DEFAULT_POOL_SIZE = 4;

/** How to open the PostgreSQL store: the connection URL, the schema, the clock, the ledger horizon, pool size and timeouts. */
export interface PostgresStoreOptions {
  /**
   * `postgres://user:password@host:port/database`, or for a unix socket
   * `postgres:///database?host=/var/run/postgresql`.
   */
  readonly url: string;
  /** The schema first-mate's tables live in; default `first_mate`. Created if missing. */
  readonly schema?: string;
  /** The clock for bookkeeping columns (`updated_at`, `delivered_at`) and `readLease`; default `Date.now`. */
  readonly now?: () => number;
  /** How far back `hydrate` reads the restart ledger; default 24 h. */
  readonly ledgerHorizonMs?: number;
  /** At most this many connections; default 4. */
  readonly poolSize?: number;
  /** How long to wait for a connection; default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** How long one statement may run; default 10 000 ms. */
  readonly statementTimeoutMs?: number;
  /**
   * `on` (default): a write is acknowledged once the server flushed its WAL
   * — it survives the death of this process, of this host, and a crash of
   * the server. `off`: acknowledged once the server has it in memory — it
   * survives the death of this process and of this host (the server keeps
   * it), but a server crash may lose the last fraction of a second. The
   * difference is one WAL flush per write (see the README for its cost).
   */
  readonly synchronousCommit?: "on" | "off";
}

const OptionsSchema = z.object({
  url: z.string().min(1),
  schema: SchemaNameSchema.optional(),
  ledgerHorizonMs: z.number().int().nonnegative().optional(),
  poolSize: z.number().int().min(1).max(100).optional(),
  connectTimeoutMs: z.number().int().positive().max(600_000).optional(),
  statementTimeoutMs: z.number().int().positive().max(3_600_000).optional(),
  synchronousCommit: z.enum(["on", "off"]).optional(),
});

/** True for a `postgres://` or `postgresql://` URL (what the CLI accepts where a database path goes). */
export const isPostgresUrl = (text: string): boolean => /^postgres(ql)?:\/\//i.test(text);

/**
 * The server and database a URL names, without user password, for messages:
 * `postgres://alice@db.example:5432/fleet` or `postgres:///fleet?host=/run/pg`.
 */
export const describePostgresTarget = (url: string): string => {
  try {
    const parsed = new URL(url);
    parsed.password = "";
    const host = parsed.searchParams.get("host");
    parsed.search = host === null ? "" : `?host=${host}`;
    return parsed.toString();
  } catch {
    return "postgres://(unparsable URL)";
  }
};

/** BIGINT columns (OID 20) as numbers; a value beyond 2^53 stays text, so the row fails validation instead of rounding. */
const parseBigInt = (text: string): number | string => {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : text;
};

const typeParsers = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8 && format !== "binary"
      ? parseBigInt
      : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/**
 * Open the store on the server at `options.url`: connect, create the schema
 * if needed and migrate it. Resolves to a `PostgresStore` or a typed error.
 */
export const openPostgresStore = async (
  options: PostgresStoreOptions,
): Promise<E.Either<StoreError, PostgresStore>> => {
  const checked = OptionsSchema.safeParse(options);
  if (!checked.success) return E.left(storeInvalidInput(`store options: ${describeZodError(checked.error)}`));
  if (options.now !== undefined && typeof options.now !== "function") {
    return E.left(storeInvalidInput("store options: now must be a function returning epoch milliseconds"));
  }
  const { url } = checked.data;
  if (!isPostgresUrl(url)) {
    return E.left(
      storeInvalidInput(
        "store options: url must start with postgres:// or postgresql:// (e.g. postgres://user@host:5432/db)",
      ),
    );
  }
  try {
    new URL(url);
  } catch {
    return E.left(storeInvalidInput(`store options: ${describePostgresTarget(url)} is not a valid URL`));
  }
  const target = describePostgresTarget(url);
  const schema = checked.data.schema ?? DEFAULT_SCHEMA;
  const statementTimeoutMs = checked.data.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;

  let pool: pg.Pool;
  try {
    pool = new pg.Pool({
      connectionString: url,
      max: checked.data.poolSize ?? DEFAULT_POOL_SIZE,
      connectionTimeoutMillis: checked.data.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      statement_timeout: statementTimeoutMs,
      // The client-side bound also covers a server that stopped answering altogether.
      query_timeout: statementTimeoutMs + 1000,
      application_name: "first-mate",
      options: `-c synchronous_commit=${checked.data.synchronousCommit ?? "on"}`,
      types: typeParsers,
    });
  } catch (cause) {
    return E.left(storeInvalidInput(`store options: ${target}: ${cause instanceof Error ? cause.message : cause}`));
  }
  // An idle connection the server dropped is discarded by the pool; the next call opens a fresh one.
  pool.on("error", () => undefined);
  // Every connection listens for "error" from its first moment to its last. The pool hands a
  // connection over while it reads the server's messages, and the caller of `pool.connect()`
  // resumes only after that read: a "terminating connection" (57P01) in the same read would
  // otherwise find no listener and end the process. The failure still reaches the call, through
  // its next statement on the dead connection, as `StoreUnavailable`.
  pool.on("connect", (client) => {
    client.on("error", () => undefined);
  });

  const fail = async (error: StoreError): Promise<E.Either<StoreError, PostgresStore>> => {
    await pool.end().catch(() => undefined);
    return E.left(error);
  };

  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (cause) {
    const error = toStoreError(cause, target);
    return fail({ ...error, message: `cannot connect: ${error.message}` });
  }
  const migrated = await migrate(client, schema, target);
  client.release(E.isLeft(migrated));
  if (E.isLeft(migrated)) {
    const error = migrated.left;
    return fail(
      error._tag === "StoreSchemaTooNew"
        ? error
        : { ...error, message: `cannot migrate schema ${schema}: ${error.message}` },
    );
  }

  return E.right(
    new PostgresStore(pool, {
      schema,
      quotedSchema: quoteIdentifier(schema),
      target,
      now: options.now ?? Date.now,
      ledgerHorizonMs: checked.data.ledgerHorizonMs ?? DEFAULT_LEDGER_HORIZON_MS,
    }),
  );
};

/**
 * The schema version on the server (0 when first-mate's schema is not
 * there), without creating or migrating anything: for read-only tools that
 * must not create a schema. Never rejects.
 */
export const readPostgresSchemaVersion = async (
  options: Pick<PostgresStoreOptions, "url" | "schema" | "connectTimeoutMs">,
): Promise<E.Either<StoreError, number>> => {
  const schema = SchemaNameSchema.safeParse(options.schema ?? DEFAULT_SCHEMA);
  if (!schema.success) return E.left(storeInvalidInput(`store options: schema: ${describeZodError(schema.error)}`));
  if (!isPostgresUrl(options.url)) {
    return E.left(storeInvalidInput("store options: url must start with postgres:// or postgresql://"));
  }
  const target = describePostgresTarget(options.url);
  let client: pg.Client;
  try {
    client = new pg.Client({
      connectionString: options.url,
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      application_name: "first-mate",
    });
  } catch (cause) {
    return E.left(storeInvalidInput(`store options: ${target}: ${cause instanceof Error ? cause.message : cause}`));
  }
  client.on("error", () => undefined);
  try {
    await client.connect();
    return E.right(await readSchemaVersion(client, schema.data));
  } catch (cause) {
    const error = toStoreError(cause, target);
    return E.left({ ...error, message: `cannot read the schema version: ${error.message}` });
  } finally {
    await client.end().catch(() => undefined);
  }
};
