/**
 * @first-mate/store-postgres — the core's `StorePort` over PostgreSQL, for
 * several first-mate hosts sharing one fleet.
 *
 * `openPostgresStore` connects, creates and migrates the schema, and
 * resolves to a `PostgresStore`, or a typed `StoreError`.
 */
export { MIGRATIONS, type Migration, SCHEMA_VERSION } from "./migrations.js";
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_POOL_SIZE,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  describePostgresTarget,
  isPostgresUrl,
  openPostgresStore,
  type PostgresStoreOptions,
  readPostgresSchemaVersion,
} from "./openPostgresStore.js";
export { DEFAULT_LEDGER_HORIZON_MS, MAX_JSON_LENGTH, PostgresStore } from "./postgresStore.js";
export { DEFAULT_SCHEMA, quoteIdentifier, SchemaNameSchema } from "./schemaName.js";
