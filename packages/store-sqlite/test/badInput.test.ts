/**
 * Bad input to SQLite's extras beyond the port is a typed error and writes
 * nothing; their corrupt rows are a typed error naming the table; STRICT
 * tables refuse wrong types outright. The port's own bad input and corrupt
 * rows are covered by the store contract (storeContract.test.ts).
 */
import type { PaneId } from "@first-mate/core";
import type { SqliteStore } from "@first-mate/store-sqlite";
import type Database from "better-sqlite3";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanUp, openStore, rawConnection, rightOf, snapshotOf, temporaryDatabasePath } from "./helpers.js";

const HASH = "ab".repeat(32);
const pane = (id: string): PaneId => id as PaneId;

let store: SqliteStore;
let raw: Database.Database;

beforeEach(async () => {
  const path = temporaryDatabasePath();
  store = openStore({ path, now: () => 5000 });
  raw = rawConnection(path);
  // Some content, so "nothing written" also means "nothing changed".
  rightOf(await store.setMarker({ paneId: pane("%1"), tokenHash: HASH, spawnedAt: 1, attempt: 1 }, 0));
  rightOf(await store.appendLog({ kind: "standing_order", text: "keep", at: 1, author: "human" }));
  rightOf(await store.setAlert({ paneId: pane("%2"), kind: "info", message: "hi", raisedAt: 1 }, 0));
  rightOf(await store.enqueueOutbox({ seq: 1, source: pane("%2"), kind: "report", message: "r", createdAt: 1 }, 0));
  rightOf(await store.renewLease("alpha", 1000, 500));
});
afterEach(cleanUp);

type Outcome = E.Either<{ _tag: string; message: string }, unknown>;

const expectInvalidAndNothingWritten = async (call: () => Promise<Outcome> | Outcome): Promise<void> => {
  const before = snapshotOf(raw);
  const outcome = await call();
  expect(E.isLeft(outcome) ? outcome.left._tag : "Right").toBe("StoreInvalidInput");
  expect(snapshotOf(raw)).toBe(before);
};

describe("bad input to the synchronous extras", () => {
  it("refuses values and keys it cannot store, and writes nothing", async () => {
    const calls: Array<() => Promise<Outcome> | Outcome> = [
      () => store.pruneLog({ keepNewest: -1 }),
      () => store.writeConn(Symbol("conn")),
      () => store.setKv("", 1),
      () => store.setKv("k", undefined),
      () => store.proposeExtension({ text: "", at: 1 }),
      () => store.approveExtension(0, { by: "human", at: 1 }),
      () => store.rejectExtension(1, { by: "", at: 1 }),
    ];
    for (const call of calls) await expectInvalidAndNothingWritten(call);
  });
});

describe("corrupt rows", () => {
  const corrupt = (sql: string): void => {
    raw.pragma("ignore_check_constraints = 1");
    raw.exec(sql);
    raw.pragma("ignore_check_constraints = 0");
  };

  const expectCorrupt = (outcome: Outcome, table: string): void => {
    expect(E.isLeft(outcome) && outcome.left).toMatchObject({ _tag: "StoreCorruptRow", table });
  };

  it("each extra's corrupt row names its table", async () => {
    rightOf(store.writeConn({ holder: "human" }));
    rightOf(store.setKv("digest", { at: 1 }));
    rightOf(store.proposeExtension({ text: "be brief", at: 1 }));
    corrupt(`
      UPDATE conn_state SET json = '{not json';
      UPDATE kv SET json = 'nope';
      UPDATE role_extensions SET status = 'maybe';
    `);
    expectCorrupt(store.readConn(), "conn_state");
    expectCorrupt(store.getKv("digest"), "kv");
    expectCorrupt(store.listExtensions(), "role_extensions");
  });

  it("STRICT tables refuse a wrong-type value even with CHECKs ignored, so it never reaches a read", () => {
    raw.pragma("ignore_check_constraints = 1");
    expect(() => raw.exec("UPDATE captains_log SET at = 'yesterday'")).toThrow(
      /cannot store TEXT value in INTEGER column/,
    );
  });
});
