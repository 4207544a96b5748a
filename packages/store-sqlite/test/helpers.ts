/**
 * Test helpers: temporary directories that are always removed, stores opened
 * on real files, and a raw connection that bypasses the store.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from "@first-mate/store-sqlite";
import Database from "better-sqlite3";
import * as E from "fp-ts/lib/Either.js";

const cleanups: Array<() => void | Promise<void>> = [];

/** Run every registered cleanup, newest first; call from `afterEach`. */
export const cleanUp = async (): Promise<void> => {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop()!;
    try {
      await cleanup();
    } catch {
      // Keep cleaning the rest; the test result already says what went wrong.
    }
  }
};

/** A fresh directory under the system temp dir, removed by `cleanUp`. */
export const temporaryDirectory = (): string => {
  const directory = mkdtempSync(join(tmpdir(), "fm-store-test-"));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
};

/** A path for a database file that does not exist yet. */
export const temporaryDatabasePath = (): string => join(temporaryDirectory(), "first-mate.db");

/** Open a store that must open; closed by `cleanUp`. */
export const openStore = (options: SqliteStoreOptions): SqliteStore => {
  const opened = openSqliteStore(options);
  if (E.isLeft(opened)) throw new Error(`store did not open: ${opened.left._tag}: ${opened.left.message}`);
  const store = opened.right;
  cleanups.push(() => store.close());
  return store;
};

/** A plain better-sqlite3 connection to the same file, closed by `cleanUp`. */
export const rawConnection = (path: string): Database.Database => {
  const db = new Database(path, { timeout: 5000 });
  cleanups.push(() => {
    db.close();
  });
  return db;
};

/** Every row of every table, as one string: equal strings mean nothing was written. */
export const snapshotOf = (db: Database.Database): string => {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{
    name: string;
  }>;
  return JSON.stringify(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all()]));
};

/** The Right value, or a test failure naming the error. */
export const rightOf = <T>(result: E.Either<{ _tag: string; message: string }, T>): T => {
  if (E.isLeft(result)) throw new Error(`expected Right, got ${result.left._tag}: ${result.left.message}`);
  return result.right;
};
