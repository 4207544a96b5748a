/** Opening: pragmas, migrations from empty and partial files, re-open, too-new schemas, files that are not databases. */
import { closeSync, openSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { MIGRATIONS, openSqliteStore, SCHEMA_VERSION } from "@first-mate/store-sqlite";
import Database from "better-sqlite3";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import { cleanUp, openStore, rawConnection, rightOf, temporaryDatabasePath, temporaryDirectory } from "./helpers.js";

afterEach(cleanUp);

const userVersion = (path: string): number => {
  const db = new Database(path, { readonly: true });
  try {
    return Number(db.pragma("user_version", { simple: true }));
  } finally {
    db.close();
  }
};

const errorOf = (options: Parameters<typeof openSqliteStore>[0]) => {
  const opened = openSqliteStore(options);
  if (E.isRight(opened)) {
    void opened.right.close();
    throw new Error("expected the store not to open");
  }
  return opened.left;
};

const EXPECTED_TABLES = [
  "alerts",
  "captains_log",
  "conn_state",
  "deferred_spawns",
  "interrupt_dedupe",
  "interrupt_rate",
  "interrupt_repeats",
  "kv",
  "marker",
  "outbox",
  "outbox_state",
  "proposals",
  "restart_ledger",
  "role_extensions",
  "supervisor_lease",
  "supervisor_lease_epoch",
  "supervisor_settings",
];

describe("openSqliteStore", () => {
  it("creates and migrates a new file with WAL, FULL sync, busy timeout and foreign keys", () => {
    const path = temporaryDatabasePath();
    openStore({ path, busyTimeoutMs: 1234 });
    const db = rawConnection(path);
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all()
      .map((row) => (row as { name: string }).name);
    expect(tables).toEqual(EXPECTED_TABLES);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(userVersion(path)).toBe(SCHEMA_VERSION);
  });

  it("sets the connection pragmas it promises", async () => {
    const path = temporaryDatabasePath();
    const store = openStore({ path, busyTimeoutMs: 1234 });
    // Pragmas are per connection: look at the store's own (private) one.
    const seen = (store as unknown as { db: Database.Database }).db;
    expect(seen.pragma("synchronous", { simple: true })).toBe(2);
    expect(seen.pragma("busy_timeout", { simple: true })).toBe(1234);
    expect(seen.pragma("foreign_keys", { simple: true })).toBe(1);
    await store.close();
    const normal = openStore({ path, synchronous: "NORMAL" });
    expect((normal as unknown as { db: Database.Database }).db.pragma("synchronous", { simple: true })).toBe(1);
  });

  it("migrates an empty (zero-byte) file", () => {
    const path = temporaryDatabasePath();
    writeFileSync(path, "");
    openStore({ path });
    expect(userVersion(path)).toBe(SCHEMA_VERSION);
  });

  it("re-opening is idempotent and keeps the data", async () => {
    const path = temporaryDatabasePath();
    const first = openStore({ path });
    const entry = rightOf(await first.appendLog({ kind: "standing_order", text: "stay", at: 1, author: "human" }));
    await first.close();
    for (let round = 0; round < 3; round++) {
      const again = openStore({ path });
      expect(rightOf(await again.readLog({ limit: 5 }))).toEqual([entry]);
      await again.close();
    }
    expect(userVersion(path)).toBe(SCHEMA_VERSION);
  });

  it("upgrades a file left at an older version, keeping its rows", async () => {
    const path = temporaryDatabasePath();
    const db = new Database(path);
    db.exec(MIGRATIONS[0]!.sql);
    db.pragma("user_version = 1");
    db.prepare("INSERT INTO captains_log (kind, text, at, author) VALUES ('watch', 'old', 1, 'kit')").run();
    db.close();
    const store = openStore({ path });
    expect(userVersion(path)).toBe(SCHEMA_VERSION);
    expect(rightOf(await store.readLog({ limit: 5 }))).toEqual([
      { id: 1, kind: "watch", text: "old", at: 1, author: "kit" },
    ]);
    rightOf(store.setKv("after-upgrade", true));
  });

  it("refuses a file with a newer schema version and leaves it untouched", () => {
    const path = temporaryDatabasePath();
    openStore({ path });
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    db.close();
    const error = errorOf({ path });
    expect(error).toEqual({
      _tag: "StoreSchemaTooNew",
      found: SCHEMA_VERSION + 5,
      known: SCHEMA_VERSION,
      message: expect.stringContaining("upgrade first-mate"),
    });
    expect(userVersion(path)).toBe(SCHEMA_VERSION + 5);
  });

  it("a file that is not a database is StoreUnavailable with a clear message", () => {
    const path = temporaryDatabasePath();
    writeFileSync(path, "this is a grocery list, not a database\n".repeat(200));
    const error = errorOf({ path });
    expect(error._tag).toBe("StoreUnavailable");
    expect(error.message).toContain(path);
    expect(error.message).toContain("not a SQLite database");
  });

  it("a database whose header was overwritten is StoreUnavailable", () => {
    const path = temporaryDatabasePath();
    const db = new Database(path);
    db.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1);");
    db.close();
    const descriptor = openSync(path, "r+");
    writeSync(descriptor, Buffer.alloc(100, 0x5a), 0, 100, 0);
    closeSync(descriptor);
    expect(errorOf({ path })._tag).toBe("StoreUnavailable");
  });

  it("a directory in place of the file is StoreUnavailable", () => {
    const directory = temporaryDirectory();
    const error = errorOf({ path: directory });
    expect(error._tag).toBe("StoreUnavailable");
    expect(error.message).toContain(directory);
  });

  it("creates missing parent directories with mode 0700", () => {
    const root = temporaryDirectory();
    const path = join(root, "config", "first-mate", "first-mate.db");
    openStore({ path });
    expect(statSync(join(root, "config", "first-mate")).mode & 0o777).toBe(0o700);
    expect(statSync(join(root, "config")).mode & 0o777).toBe(0o700);
  });

  it("uses $XDG_STATE_HOME/first-mate/first-mate.db when no path is given", () => {
    const root = temporaryDirectory();
    const saved = process.env.XDG_STATE_HOME;
    process.env.XDG_STATE_HOME = root;
    try {
      const store = openStore({});
      expect(store.path).toBe(join(root, "first-mate", "first-mate.db"));
      expect(statSync(join(root, "first-mate", "first-mate.db")).isFile()).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.XDG_STATE_HOME;
      else process.env.XDG_STATE_HOME = saved;
    }
  });

  it("invalid options are StoreInvalidInput", () => {
    const path = temporaryDatabasePath();
    expect(errorOf({ path, busyTimeoutMs: -1 })._tag).toBe("StoreInvalidInput");
    expect(errorOf({ path, synchronous: "OFF" as never })._tag).toBe("StoreInvalidInput");
    expect(errorOf({ path: "" })._tag).toBe("StoreInvalidInput");
    expect(errorOf({ path, now: 5 as never })._tag).toBe("StoreInvalidInput");
  });

  it("a write lock held past the busy timeout is StoreUnavailable, and nothing is written", async () => {
    const path = temporaryDatabasePath();
    const store = openStore({ path, busyTimeoutMs: 50 });
    const blocker = rawConnection(path);
    blocker.exec("BEGIN IMMEDIATE");
    const result = await store.appendLog({ kind: "watch", text: "blocked", at: 1, author: "kit" });
    blocker.exec("ROLLBACK");
    expect(E.isLeft(result) && result.left._tag).toBe("StoreUnavailable");
    expect(E.isLeft(result) && result.left.message).toContain("locked");
    expect(rightOf(await store.readLog({ limit: 5 }))).toEqual([]);
  });
});
