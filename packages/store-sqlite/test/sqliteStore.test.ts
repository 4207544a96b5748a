/**
 * Round trips for what SQLite offers beyond the store port (conn JSON, role
 * extensions, key-value state, integrity check), on a real file. The port
 * itself is covered by the store contract (storeContract.test.ts).
 */
import { MAX_JSON_LENGTH, type SqliteStore } from "@first-mate/store-sqlite";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanUp, openStore, rightOf, temporaryDatabasePath } from "./helpers.js";

const HOUR = 60 * 60 * 1000;

let clock = 0;
let path = "";
let store: SqliteStore;

beforeEach(() => {
  clock = 100 * HOUR;
  path = temporaryDatabasePath();
  store = openStore({ path, now: () => clock });
});
afterEach(cleanUp);

const tagOf = (result: E.Either<{ _tag: string }, unknown>): string => (E.isLeft(result) ? result.left._tag : "Right");

describe("conn state", () => {
  it("stores any JSON value and clears with null", () => {
    expect(rightOf(store.readConn())).toBeNull();
    const conn = { holder: "first_mate", scope: ["spawn_worker"], expiresAt: 123, note: "ünï" };
    rightOf(store.writeConn(conn));
    expect(rightOf(store.readConn())).toEqual(conn);
    rightOf(store.writeConn("human"));
    expect(rightOf(store.readConn())).toBe("human");
    rightOf(store.writeConn(null));
    expect(rightOf(store.readConn())).toBeNull();
  });

  it("refuses values with no JSON form or too large", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [undefined, 10n, cyclic, () => 1, "x".repeat(MAX_JSON_LENGTH)]) {
      expect(tagOf(store.writeConn(bad))).toBe("StoreInvalidInput");
    }
    expect(rightOf(store.readConn())).toBeNull();
  });
});

describe("role extensions", () => {
  it("are proposed, then approved or rejected once, and listed by status", () => {
    const first = rightOf(store.proposeExtension({ text: "Prefer small PRs.", at: 10 }));
    const second = rightOf(store.proposeExtension({ text: "Ask before touching CI.", at: 11 }));
    expect(first).toEqual({
      id: first.id,
      text: "Prefer small PRs.",
      status: "proposed",
      proposedAt: 10,
      decidedAt: null,
      decidedBy: null,
    });
    const approved = rightOf(store.approveExtension(first.id, { by: "human", at: 20 }));
    expect(approved).toEqual({ ...first, status: "approved", decidedAt: 20, decidedBy: "human" });
    const rejected = rightOf(store.rejectExtension(second.id, { by: "alice", at: 21 }));
    expect(rejected.status).toBe("rejected");
    expect(tagOf(store.rejectExtension(first.id, { by: "human", at: 30 }))).toBe("StoreConstraint");
    expect(tagOf(store.approveExtension(999, { by: "human", at: 30 }))).toBe("StoreInvalidInput");
    expect(rightOf(store.listExtensions())).toEqual([approved, rejected]);
    expect(rightOf(store.listExtensions({ status: "approved" }))).toEqual([approved]);
    expect(rightOf(store.listExtensions({ status: "proposed" }))).toEqual([]);
  });
});

describe("key-value state", () => {
  it("gets undefined for a missing key, then what was set; deletes", () => {
    expect(rightOf(store.getKv("lastPushedDigest"))).toBeUndefined();
    rightOf(store.setKv("lastPushedDigest", { at: 5, hash: "abc" }));
    expect(rightOf(store.getKv("lastPushedDigest"))).toEqual({ at: 5, hash: "abc" });
    rightOf(store.setKv("lastPushedDigest", null));
    expect(rightOf(store.getKv("lastPushedDigest"))).toBeNull();
    rightOf(store.deleteKv("lastPushedDigest"));
    expect(rightOf(store.getKv("lastPushedDigest"))).toBeUndefined();
  });
});

describe("lifecycle", () => {
  it("reports integrity ok; after close the synchronous extras are StoreUnavailable too", async () => {
    expect(rightOf(store.checkIntegrity())).toBe("ok");
    await store.close();
    expect(tagOf(store.getKv("k"))).toBe("StoreUnavailable");
    expect(tagOf(store.checkIntegrity())).toBe("StoreUnavailable");
  });

  it("everything written is there after reopening the file", async () => {
    rightOf(await store.setKillSwitch(true));
    const entry = rightOf(await store.appendLog({ kind: "watch", text: "PR 9", at: 1, author: "first_mate" }));
    rightOf(store.setKv("k", [1, 2]));
    await store.close();
    const reopened = openStore({ path });
    expect(rightOf(await reopened.readKillSwitch())).toBe(true);
    expect(rightOf(await reopened.readLog({ limit: 10 }))).toEqual([entry]);
    expect(rightOf(reopened.getKv("k"))).toEqual([1, 2]);
  });
});
