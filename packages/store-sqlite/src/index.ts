/**
 * @first-mate/store-sqlite — the core's `StorePort` over a SQLite file.
 *
 * `openSqliteStore` opens (creating and migrating) the file and returns a
 * `SqliteStore`, or a typed `StoreError`.
 */
export { defaultStorePath, legacyStorePath } from "./defaultStorePath.js";
export { MIGRATIONS, type Migration, SCHEMA_VERSION } from "./migrations.js";
export {
  DEFAULT_BUSY_TIMEOUT_MS,
  openSqliteStore,
  type SqliteStoreOptions,
  type SynchronousMode,
} from "./openSqliteStore.js";
export * from "./roleExtension.js";
export { DEFAULT_LEDGER_HORIZON_MS, MAX_JSON_LENGTH, SqliteStore } from "./sqliteStore.js";
