/**
 * Which store a host or command works on, and opening it: the SQLite file
 * (the default) or a PostgreSQL server shared by several hosts.
 *
 * The configuration names it as `store: {kind: "postgres", url, schema?}`
 * (or `{kind: "sqlite", path?}`), or a `postgres://` URL where a database
 * path goes (`databasePath`, `--db`).
 *
 * Guarantees: never throws; opening failures are the store's typed errors;
 * `storeExists` creates nothing (read-only commands use it). The password in
 * a URL never appears in `describeStore`.
 */

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { AuthorityStorePort, StoreError, StorePort } from "@first-mate/core";
import {
  DEFAULT_SCHEMA,
  describePostgresTarget,
  isPostgresUrl,
  openPostgresStore,
  readPostgresSchemaVersion,
} from "@first-mate/store-postgres";
import { defaultStorePath, openSqliteStore } from "@first-mate/store-sqlite";
import * as E from "fp-ts/lib/Either.js";
import type { HostConfig } from "./hostConfig.js";

type MaybePromise<T> = T | Promise<T>;

/**
 * What the host and the commands need of a store: the store port, the
 * authority store port, key-value state (conn requests) and retention.
 * SQLite answers the extras synchronously, PostgreSQL asynchronously: await both.
 */
export type HostStore = StorePort &
  AuthorityStorePort & {
    getKv(key: string): MaybePromise<E.Either<StoreError, unknown>>;
    setKv(key: string, value: unknown): MaybePromise<E.Either<StoreError, void>>;
    deleteKv(key: string): MaybePromise<E.Either<StoreError, void>>;
    pruneLog(policy: { readonly keepNewest: number }): MaybePromise<E.Either<StoreError, number>>;
    pruneDeliveredOutbox(before: number): MaybePromise<E.Either<StoreError, number>>;
  };

/** The store a configuration names. */
export type StoreChoice =
  | { readonly kind: "sqlite"; readonly path: string; readonly synchronous: "NORMAL" | "FULL" }
  | { readonly kind: "postgres"; readonly url: string; readonly schema: string };

/** The store `config` names: `store`, else a `postgres://` `databasePath`, else the SQLite file. */
export const storeChoiceOf = (config: HostConfig): StoreChoice => {
  const store = config.store;
  if (store?.kind === "postgres") return { kind: "postgres", url: store.url, schema: store.schema ?? DEFAULT_SCHEMA };
  const path = store?.kind === "sqlite" ? (store.path ?? config.databasePath) : config.databasePath;
  if (path !== undefined && isPostgresUrl(path)) return { kind: "postgres", url: path, schema: DEFAULT_SCHEMA };
  return { kind: "sqlite", path: resolve(path ?? defaultStorePath()), synchronous: config.databaseSync };
};

/** The store for messages: the SQLite path, or the server (without password) and schema. */
export const describeStore = (choice: StoreChoice): string =>
  choice.kind === "sqlite" ? choice.path : `${describePostgresTarget(choice.url)} (schema ${choice.schema})`;

/** Opens (creating and migrating if needed) the store `choice` names. */
export const openHostStore = async (choice: StoreChoice): Promise<E.Either<StoreError, HostStore>> => {
  if (choice.kind === "postgres") return openPostgresStore({ url: choice.url, schema: choice.schema });
  // With NORMAL, checkpoints off the write path: an interrupt's outbox write never waits for one (two fsyncs) before
  // its push. With FULL every commit syncs anyway, and one large deferred checkpoint slowed the commits after it more
  // than the small inline ones did (interrupt p99 7.4–17.8 ms against 3.9–4.7 ms), so SQLite's own stays.
  const checkpoints = choice.synchronous === "NORMAL" ? "deferred" : "inline";
  return openSqliteStore({ path: choice.path, synchronous: choice.synchronous, checkpoints });
};

/** Whether the store holds first-mate state already, creating nothing. */
export const storeExists = async (choice: StoreChoice): Promise<E.Either<StoreError, boolean>> => {
  if (choice.kind === "sqlite") return E.right(existsSync(choice.path));
  const version = await readPostgresSchemaVersion({ url: choice.url, schema: choice.schema });
  return E.isLeft(version) ? version : E.right(version.right > 0);
};
