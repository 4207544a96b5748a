/**
 * Test helpers: temporary directories that are always removed, stores opened
 * on real files, a raw connection that bypasses the store, and child
 * processes running the fixtures (killed in `cleanUp` if still alive).
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from "@first-mate/store-sqlite";
import Database from "better-sqlite3";
import * as E from "fp-ts/lib/Either.js";

const here = dirname(fileURLToPath(import.meta.url));
const repositoryRoot = join(here, "..", "..", "..");

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

export interface Fixture {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with the next stdout line. */
  nextLine(): Promise<string>;
  /** Every stdout line, as they arrive. */
  onLine(listener: (line: string) => void): void;
  send(line: string): void;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  readonly stderr: () => string;
}

/** Start `test/fixtures/<name>.ts` under node with the workspace source condition. */
export const startFixture = (name: string, args: readonly string[]): Fixture => {
  const child = spawn(
    process.execPath,
    ["--conditions=@first-mate/source", "--import", "tsx", join(here, "fixtures", `${name}.ts`), ...args],
    { cwd: repositoryRoot, stdio: ["pipe", "pipe", "pipe"] },
  );
  let stderrText = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderrText += chunk;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  });
  const pending: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  const listeners: Array<(line: string) => void> = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    for (const listener of listeners) listener(line);
    const waiter = waiting.shift();
    if (waiter === undefined) pending.push(line);
    else waiter(line);
  });
  return {
    child,
    nextLine: () => {
      const line = pending.shift();
      if (line !== undefined) return Promise.resolve(line);
      return new Promise<string>((resolve, reject) => {
        waiting.push(resolve);
        void exited.then((code) => reject(new Error(`${name} exited (${code}) before printing: ${stderrText}`)));
      });
    },
    onLine: (listener) => listeners.push(listener),
    send: (line) => child.stdin.write(`${line}\n`),
    exited,
    stderr: () => stderrText,
  };
};
