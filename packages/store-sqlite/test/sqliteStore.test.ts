/** Round trips for every store operation, on a real file. */
import type { Alert, Marker, OutboxEntry, PaneId, StartRecord } from "@first-mate/core";
import { MAX_JSON_LENGTH, type SqliteStore } from "@first-mate/store-sqlite";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanUp, openStore, rightOf, temporaryDatabasePath } from "./helpers.js";

const pane = (id: string): PaneId => id as PaneId;
const HASH = "0123456789abcdef".repeat(4);
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

describe("marker", () => {
  const marker: Marker = { paneId: pane("%7"), tokenHash: HASH, spawnedAt: 10, attempt: 1 };

  it("reads null before any marker, then what was set, then the replacement", async () => {
    expect(rightOf(await store.readMarker())).toBeNull();
    rightOf(await store.setMarker(marker));
    expect(rightOf(await store.readMarker())).toEqual(marker);
    const successor = { ...marker, paneId: pane("%9"), attempt: 2 };
    rightOf(await store.setMarker(successor));
    expect(rightOf(await store.readMarker())).toEqual(successor);
  });

  it("clearMarker leaves a successor's marker alone and clears its own", async () => {
    rightOf(await store.setMarker(marker));
    rightOf(await store.clearMarker(pane("%8")));
    expect(rightOf(await store.readMarker())).toEqual(marker);
    rightOf(await store.clearMarker(pane("%7")));
    expect(rightOf(await store.readMarker())).toBeNull();
  });
});

describe("restart ledger and supervisor flags", () => {
  const start = (attempt: number, startedAt: number, rest: Partial<StartRecord> = {}): StartRecord => ({
    attempt,
    startedAt,
    endedAt: null,
    paneId: null,
    outcome: "starting",
    ...rest,
  });

  it("recordStart inserts, then updates the same attempt", async () => {
    rightOf(await store.recordStart(start(1, 1000)));
    const ended = start(1, 1000, { endedAt: 5000, paneId: pane("%3"), outcome: "unstable" });
    rightOf(await store.recordStart(ended));
    expect(rightOf(await store.readLedger(0))).toEqual([ended]);
  });

  it("readLedger(since) returns rows started or ended since, and open rows, oldest attempt first", async () => {
    const oldClosed = start(1, 1000, { endedAt: 2000, outcome: "spawn_failed" });
    const oldOpen = start(2, 3000, { paneId: pane("%4"), outcome: "running" });
    const endedLate = start(3, 4000, { endedAt: 9000, outcome: "stable" });
    const recent = start(4, 8000, { endedAt: 8500, outcome: "unstable" });
    for (const record of [recent, oldClosed, endedLate, oldOpen]) rightOf(await store.recordStart(record));
    expect(rightOf(await store.readLedger(7000))).toEqual([oldOpen, endedLate, recent]);
    expect(rightOf(await store.readLedger(0))).toEqual([oldClosed, oldOpen, endedLate, recent]);
  });

  it("gave-up and reset round trip through hydrate", async () => {
    rightOf(await store.setSupervisorGaveUp(true, 500));
    let hydration = rightOf(await store.hydrate());
    expect([hydration.gaveUp, hydration.resetAt]).toEqual([true, null]);
    rightOf(await store.setSupervisorGaveUp(false, 700));
    hydration = rightOf(await store.hydrate());
    expect([hydration.gaveUp, hydration.resetAt]).toEqual([false, 700]);
    rightOf(await store.setSupervisorGaveUp(true, 900));
    hydration = rightOf(await store.hydrate());
    expect([hydration.gaveUp, hydration.resetAt]).toEqual([true, 700]);
  });

  it("kill switch round trips", async () => {
    expect(rightOf(await store.readKillSwitch())).toBe(false);
    rightOf(await store.setKillSwitch(true));
    expect(rightOf(await store.readKillSwitch())).toBe(true);
    rightOf(await store.setKillSwitch(false));
    expect(rightOf(await store.readKillSwitch())).toBe(false);
  });
});

describe("captain's log", () => {
  it("appendLog returns the entry with a fresh id; readLog is newest first, filtered and limited", async () => {
    const first = rightOf(
      await store.appendLog({ kind: "standing_order", text: "never merge main", at: 1, author: "human" }),
    );
    const second = rightOf(await store.appendLog({ kind: "watch", text: "PR 12", at: 2, author: "first_mate" }));
    const third = rightOf(await store.appendLog({ kind: "narrative", text: "quiet", at: 3, author: "kit" }));
    expect(first).toEqual({ id: first.id, kind: "standing_order", text: "never merge main", at: 1, author: "human" });
    expect(second.id).toBeGreaterThan(first.id);
    expect(rightOf(await store.readLog({ limit: 200 }))).toEqual([third, second, first]);
    expect(rightOf(await store.readLog({ limit: 2 }))).toEqual([third, second]);
    expect(rightOf(await store.readLog({ limit: 50, kind: "watch" }))).toEqual([second]);
  });

  it("keeps text with unicode and newlines exactly", async () => {
    const text = "line one\nline\ttwo — ✓ 漢字 🚢".padEnd(1990, "·");
    const entry = rightOf(await store.appendLog({ kind: "narrative", text, at: 1, author: "kit" }));
    expect(rightOf(await store.readLog({ limit: 1 }))[0]).toEqual(entry);
  });

  it("pruneLog keeps every standing order and the newest other entries", async () => {
    const orders = [];
    for (let n = 0; n < 3; n++) {
      orders.push(
        rightOf(await store.appendLog({ kind: "standing_order", text: `order ${n}`, at: n, author: "human" })),
      );
      for (let m = 0; m < 4; m++) {
        await store.appendLog({
          kind: m % 2 === 0 ? "watch" : "narrative",
          text: `note ${n}.${m}`,
          at: n,
          author: "kit",
        });
      }
    }
    const newestOthers = rightOf(await store.readLog({ limit: 200 }))
      .filter((entry) => entry.kind !== "standing_order")
      .slice(0, 5);
    expect(rightOf(store.pruneLog({ keepNewest: 5 }))).toBe(7);
    const left = rightOf(await store.readLog({ limit: 200 }));
    expect(left.filter((entry) => entry.kind === "standing_order")).toEqual([...orders].reverse());
    expect(left.filter((entry) => entry.kind !== "standing_order")).toEqual(newestOthers);
    expect(rightOf(store.pruneLog({ keepNewest: 0 }))).toBe(5);
    expect(rightOf(await store.readLog({ limit: 200 }))).toEqual([...orders].reverse());
  });
});

describe("alerts", () => {
  it("keeps the newest alert per pane, in pane order, with optional severity", async () => {
    const a10: Alert = { paneId: pane("%10"), kind: "info", message: "built", raisedAt: 1 };
    const a2: Alert = { paneId: pane("%2"), kind: "need_human", message: "which db?", severity: "high", raisedAt: 2 };
    const a10b: Alert = { paneId: pane("%10"), kind: "done", message: "merged", severity: "low", raisedAt: 3 };
    rightOf(await store.setAlert(a10));
    rightOf(await store.setAlert(a2));
    expect(rightOf(await store.readAlerts())).toEqual([a2, a10]);
    rightOf(await store.setAlert(a10b));
    expect(rightOf(await store.readAlerts())).toEqual([a2, a10b]);
    const read = rightOf(await store.readAlerts());
    expect(Object.keys(read[0]!)).toContain("severity");
    rightOf(await store.setAlert(a10));
    expect(Object.keys(rightOf(await store.readAlerts())[1]!)).not.toContain("severity");
    rightOf(await store.clearAlert(pane("%2")));
    expect(rightOf(await store.readAlerts())).toEqual([a10]);
  });
});

describe("interrupt outbox", () => {
  const entry = (seq: number, createdAt: number): OutboxEntry => ({
    seq,
    source: pane("%5"),
    kind: "need_human",
    message: `question ${seq}`,
    createdAt,
  });

  it("lists pending entries in sequence order; markDelivered removes them from the list, idempotently", async () => {
    for (const seq of [3, 1, 2]) rightOf(await store.enqueueOutbox(entry(seq, seq * 10)));
    expect(rightOf(await store.listOutbox())).toEqual([entry(1, 10), entry(2, 20), entry(3, 30)]);
    rightOf(await store.markDelivered(2));
    rightOf(await store.markDelivered(2));
    rightOf(await store.markDelivered(99));
    expect(rightOf(await store.listOutbox())).toEqual([entry(1, 10), entry(3, 30)]);
  });

  it("expireOutbox drops only pending entries created before the bound and counts them", async () => {
    for (const seq of [1, 2, 3, 4]) rightOf(await store.enqueueOutbox(entry(seq, seq * 10)));
    rightOf(await store.markDelivered(1));
    expect(rightOf(await store.expireOutbox(30))).toBe(1);
    expect(rightOf(await store.listOutbox())).toEqual([entry(3, 30), entry(4, 40)]);
    expect(rightOf(await store.expireOutbox(30))).toBe(0);
  });

  it("lastOutboxSeq never goes down, even when every entry expired", async () => {
    expect(rightOf(store.lastOutboxSeq())).toBe(0);
    rightOf(await store.enqueueOutbox(entry(7, 1)));
    rightOf(await store.enqueueOutbox(entry(4, 1)));
    expect(rightOf(await store.expireOutbox(1000))).toBe(2);
    expect(rightOf(store.lastOutboxSeq())).toBe(7);
    expect(rightOf(await store.hydrate()).lastOutboxSeq).toBe(7);
  });

  it("a sequence number still on file is refused as a constraint", async () => {
    rightOf(await store.enqueueOutbox(entry(1, 1)));
    rightOf(await store.markDelivered(1));
    expect(tagOf(await store.enqueueOutbox(entry(1, 2)))).toBe("StoreConstraint");
    expect(rightOf(await store.listOutbox())).toEqual([]);
  });

  it("pruneDeliveredOutbox deletes only entries delivered before the bound", async () => {
    rightOf(await store.enqueueOutbox(entry(1, 1)));
    rightOf(await store.enqueueOutbox(entry(2, 1)));
    rightOf(await store.enqueueOutbox(entry(3, 1)));
    clock = 1000;
    rightOf(await store.markDelivered(1));
    clock = 2000;
    rightOf(await store.markDelivered(2));
    expect(rightOf(store.pruneDeliveredOutbox(1500))).toBe(1);
    // Seq 1 is free again, seq 2 is still on file.
    rightOf(await store.enqueueOutbox(entry(1, 5)));
    expect(tagOf(await store.enqueueOutbox(entry(2, 5)))).toBe("StoreConstraint");
    expect(rightOf(await store.listOutbox())).toEqual([entry(1, 5), entry(3, 1)]);
  });
});

describe("supervisor lease", () => {
  it("is taken when free, refused while held, renewed by its owner, taken over at expiry, released by its owner", async () => {
    expect(rightOf(await store.readLease())).toEqual({ held: false, owner: null, expiresAt: 0 });
    expect(rightOf(await store.renewLease("alpha", 1000, 500))).toEqual({
      held: true,
      owner: "alpha",
      expiresAt: 1500,
    });
    expect(rightOf(await store.renewLease("beta", 1200, 500))).toEqual({
      held: false,
      owner: "alpha",
      expiresAt: 1500,
    });
    expect(rightOf(await store.renewLease("alpha", 1400, 500))).toEqual({
      held: true,
      owner: "alpha",
      expiresAt: 1900,
    });
    expect(rightOf(await store.renewLease("beta", 1900, 500))).toEqual({ held: true, owner: "beta", expiresAt: 2400 });
    rightOf(await store.releaseLease("alpha"));
    clock = 2000;
    expect(rightOf(await store.readLease())).toEqual({ held: true, owner: "beta", expiresAt: 2400 });
    clock = 2400;
    expect(rightOf(await store.readLease())).toEqual({ held: false, owner: "beta", expiresAt: 2400 });
    rightOf(await store.releaseLease("beta"));
    expect(rightOf(await store.readLease())).toEqual({ held: false, owner: null, expiresAt: 0 });
  });
});

describe("hydrate", () => {
  it("assembles marker, recent ledger plus the newest row, pending outbox, alerts and flags", async () => {
    const marker: Marker = { paneId: pane("%7"), tokenHash: HASH, spawnedAt: clock - 10, attempt: 3 };
    const ancient: StartRecord = { attempt: 1, startedAt: 0, endedAt: 10, paneId: null, outcome: "spawn_failed" };
    const recent: StartRecord = {
      attempt: 2,
      startedAt: clock - HOUR,
      endedAt: clock - HOUR + 5,
      paneId: pane("%6"),
      outcome: "unstable",
    };
    const current: StartRecord = {
      attempt: 3,
      startedAt: clock - 10,
      endedAt: null,
      paneId: pane("%7"),
      outcome: "running",
    };
    for (const record of [ancient, recent, current]) rightOf(await store.recordStart(record));
    rightOf(await store.setMarker(marker));
    const alert: Alert = { paneId: pane("%2"), kind: "need_human", message: "help", raisedAt: 5 };
    rightOf(await store.setAlert(alert));
    const pending: OutboxEntry = { seq: 2, source: pane("%2"), kind: "need_human", message: "help", createdAt: 5 };
    rightOf(await store.enqueueOutbox({ ...pending, seq: 1 }));
    rightOf(await store.enqueueOutbox(pending));
    rightOf(await store.markDelivered(1));
    rightOf(await store.setKillSwitch(true));
    expect(rightOf(await store.hydrate())).toEqual({
      marker,
      ledger: [recent, current],
      outbox: [pending],
      lastOutboxSeq: 2,
      alerts: [alert],
      killSwitch: true,
      gaveUp: false,
      resetAt: null,
      conn: null,
    });
  });

  it("keeps the newest ledger row however old, so attempt numbers keep counting", async () => {
    const old: StartRecord = { attempt: 4, startedAt: 0, endedAt: 10, paneId: pane("%1"), outcome: "stable" };
    rightOf(await store.recordStart({ ...old, attempt: 3 }));
    rightOf(await store.recordStart(old));
    expect(rightOf(await store.hydrate()).ledger).toEqual([old]);
  });

  it("an empty store hydrates to the empty state", async () => {
    expect(rightOf(await store.hydrate())).toEqual({
      marker: null,
      ledger: [],
      outbox: [],
      lastOutboxSeq: 0,
      alerts: [],
      killSwitch: false,
      gaveUp: false,
      resetAt: null,
      conn: null,
    });
  });
});

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
  it("reports integrity ok; close is idempotent and later calls are StoreUnavailable", async () => {
    expect(rightOf(store.checkIntegrity())).toBe("ok");
    await store.close();
    await store.close();
    expect(tagOf(await store.readMarker())).toBe("StoreUnavailable");
    expect(tagOf(await store.appendLog({ kind: "watch", text: "x", at: 1, author: "kit" }))).toBe("StoreUnavailable");
    expect(tagOf(store.getKv("k"))).toBe("StoreUnavailable");
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
