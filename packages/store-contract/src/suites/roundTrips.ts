/** Round trips for every method of the store port and the authority store port. */
import type { Alert, Conn, Marker, OutboxEntry, PaneId, StartRecord } from "@first-mate/core";
import { isAuthorityStore } from "@first-mate/core";
import { describe, expect, it } from "vitest";
import { type ContractContext, rightOf, tagOf } from "../support.js";

const pane = (id: string): PaneId => id as PaneId;
const HASH = "0123456789abcdef".repeat(4);
export const HOUR = 60 * 60 * 1000;

const HELD: Conn = {
  holder: "first_mate",
  since: 1_000,
  expiresAt: 61_000,
  scope: { actions: ["spawn_worker", "terminate"], targets: ["helper-*"] },
  escalation: "wake the human for anything touching main",
  firstMateAttempt: 3,
};

export const roundTrips = (context: () => ContractContext): void => {
  describe("marker", () => {
    const marker: Marker = { paneId: pane("%7"), tokenHash: HASH, spawnedAt: 10, attempt: 1 };

    it("reads null before any marker, then what was set, then the replacement", async () => {
      const { store } = context();
      expect(rightOf(await store.readMarker())).toBeNull();
      rightOf(await store.setMarker(marker, 0));
      expect(rightOf(await store.readMarker())).toEqual(marker);
      const successor = { ...marker, paneId: pane("%9"), attempt: 2 };
      rightOf(await store.setMarker(successor, 0));
      expect(rightOf(await store.readMarker())).toEqual(successor);
    });

    it("clearMarker leaves a successor's marker alone and clears its own", async () => {
      const { store } = context();
      rightOf(await store.setMarker(marker, 0));
      rightOf(await store.clearMarker(pane("%8"), 0));
      expect(rightOf(await store.readMarker())).toEqual(marker);
      rightOf(await store.clearMarker(pane("%7"), 0));
      expect(rightOf(await store.readMarker())).toBeNull();
    });

    it("keeps the marked pane's identity (pane pid, tmux server pid and start time); a marker without it reads back without it", async () => {
      const { store } = context();
      const pinned: Marker = {
        ...marker,
        panePid: 4_194_303,
        tmuxServer: { pid: 2_000_001, startedAt: 1_796_255_975_000 },
      };
      rightOf(await store.setMarker(pinned, 0));
      expect(rightOf(await store.readMarker())).toEqual(pinned);
      expect(rightOf(await store.hydrate()).marker).toEqual(pinned);
      rightOf(await store.setMarker(marker, 0));
      const bare = rightOf(await store.readMarker());
      expect(bare).toEqual(marker);
      expect(Object.keys(bare!)).not.toContain("panePid");
      expect(Object.keys(bare!)).not.toContain("tmuxServer");
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
      const { store } = context();
      rightOf(await store.recordStart(start(1, 1000), 0));
      const ended = start(1, 1000, { endedAt: 5000, paneId: pane("%3"), outcome: "unstable" });
      rightOf(await store.recordStart(ended, 0));
      expect(rightOf(await store.readLedger(0))).toEqual([ended]);
    });

    it("readLedger(since) returns rows started or ended since, and open rows, oldest attempt first", async () => {
      const { store } = context();
      const oldClosed = start(1, 1000, { endedAt: 2000, outcome: "spawn_failed" });
      const oldOpen = start(2, 3000, { paneId: pane("%4"), outcome: "running" });
      const endedLate = start(3, 4000, { endedAt: 9000, outcome: "stable" });
      const recent = start(4, 8000, { endedAt: 8500, outcome: "unstable" });
      for (const record of [recent, oldClosed, endedLate, oldOpen]) rightOf(await store.recordStart(record, 0));
      expect(rightOf(await store.readLedger(7000))).toEqual([oldOpen, endedLate, recent]);
      expect(rightOf(await store.readLedger(0))).toEqual([oldClosed, oldOpen, endedLate, recent]);
    });

    it("gave-up and reset round trip through hydrate and readSupervisorFlags", async () => {
      const { store } = context();
      rightOf(await store.setSupervisorGaveUp(true, 500, 0));
      let hydration = rightOf(await store.hydrate());
      expect([hydration.gaveUp, hydration.resetAt]).toEqual([true, null]);
      rightOf(await store.setSupervisorGaveUp(false, 700, null));
      hydration = rightOf(await store.hydrate());
      expect([hydration.gaveUp, hydration.resetAt]).toEqual([false, 700]);
      rightOf(await store.setSupervisorGaveUp(true, 900, 0));
      hydration = rightOf(await store.hydrate());
      expect([hydration.gaveUp, hydration.resetAt]).toEqual([true, 700]);
      expect(rightOf(await store.readSupervisorFlags())).toEqual({ killSwitch: false, gaveUp: true, resetAt: 700 });
    });

    it("kill switch round trips", async () => {
      const { store } = context();
      expect(rightOf(await store.readKillSwitch())).toBe(false);
      rightOf(await store.setKillSwitch(true));
      expect(rightOf(await store.readKillSwitch())).toBe(true);
      expect(rightOf(await store.readSupervisorFlags()).killSwitch).toBe(true);
      rightOf(await store.setKillSwitch(false));
      expect(rightOf(await store.readKillSwitch())).toBe(false);
    });
  });

  describe("captain's log", () => {
    it("appendLog returns the entry with a fresh id; readLog is newest first, filtered and limited", async () => {
      const { store } = context();
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
      const { store } = context();
      const text = "line one\nline\ttwo — ✓ 漢字 🚢".padEnd(1990, "·");
      const entry = rightOf(await store.appendLog({ kind: "narrative", text, at: 1, author: "kit" }));
      expect(rightOf(await store.readLog({ limit: 1 }))[0]).toEqual(entry);
    });
  });

  describe("alerts", () => {
    it("keeps the newest alert per pane, in pane order, with optional severity", async () => {
      const { store } = context();
      const a10: Alert = { paneId: pane("%10"), kind: "info", message: "built", raisedAt: 1 };
      const a2: Alert = { paneId: pane("%2"), kind: "need_human", message: "which db?", severity: "high", raisedAt: 2 };
      const a10b: Alert = { paneId: pane("%10"), kind: "done", message: "merged", severity: "low", raisedAt: 3 };
      rightOf(await store.setAlert(a10, 0));
      rightOf(await store.setAlert(a2, 0));
      expect(rightOf(await store.readAlerts())).toEqual([a2, a10]);
      rightOf(await store.setAlert(a10b, 0));
      expect(rightOf(await store.readAlerts())).toEqual([a2, a10b]);
      const read = rightOf(await store.readAlerts());
      expect(Object.keys(read[0]!)).toContain("severity");
      rightOf(await store.setAlert(a10, 0));
      expect(Object.keys(rightOf(await store.readAlerts())[1]!)).not.toContain("severity");
      rightOf(await store.clearAlert(pane("%2"), 0));
      expect(rightOf(await store.readAlerts())).toEqual([a10]);
    });

    it("keeps the identity of the pane an alert was raised on", async () => {
      const { store } = context();
      const alert: Alert = {
        paneId: pane("%3"),
        kind: "need_human",
        message: "which db?",
        raisedAt: 5,
        panePid: 31_337,
        tmuxServer: { pid: 4242, startedAt: 1_700_000_001_000 },
      };
      rightOf(await store.setAlert(alert, 0));
      expect(rightOf(await store.readAlerts())).toEqual([alert]);
      expect(rightOf(await store.hydrate()).alerts).toEqual([alert]);
      rightOf(await store.setAlert({ ...alert, panePid: null, tmuxServer: null }, 0));
      expect(Object.keys(rightOf(await store.readAlerts())[0]!)).not.toContain("tmuxServer");
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
      const { store } = context();
      for (const seq of [3, 1, 2]) rightOf(await store.enqueueOutbox(entry(seq, seq * 10), 0));
      expect(rightOf(await store.listOutbox())).toEqual([entry(1, 10), entry(2, 20), entry(3, 30)]);
      rightOf(await store.markDelivered(2, 0));
      rightOf(await store.markDelivered(2, 0));
      rightOf(await store.markDelivered(99, 0));
      expect(rightOf(await store.listOutbox())).toEqual([entry(1, 10), entry(3, 30)]);
    });

    it("expireOutbox drops only pending entries created before the bound and counts them", async () => {
      const { store } = context();
      for (const seq of [1, 2, 3, 4]) rightOf(await store.enqueueOutbox(entry(seq, seq * 10), 0));
      rightOf(await store.markDelivered(1, 0));
      expect(rightOf(await store.expireOutbox(30, 0))).toBe(1);
      expect(rightOf(await store.listOutbox())).toEqual([entry(3, 30), entry(4, 40)]);
      expect(rightOf(await store.expireOutbox(30, 0))).toBe(0);
    });

    it("a sequence number still on file is refused as a constraint", async () => {
      const { store } = context();
      rightOf(await store.enqueueOutbox(entry(1, 1), 0));
      rightOf(await store.markDelivered(1, 0));
      expect(tagOf(await store.enqueueOutbox(entry(1, 2), 0))).toBe("StoreConstraint");
      expect(rightOf(await store.listOutbox())).toEqual([]);
    });
  });

  describe("supervisor lease", () => {
    it("is taken when free, refused while held, renewed by its owner, taken over at expiry, released by its owner", async () => {
      const ctx = context();
      const { store } = ctx;
      expect(rightOf(await store.readLease())).toEqual({ held: false, owner: null, expiresAt: 0, epoch: 0 });
      expect(rightOf(await store.renewLease("alpha", 1000, 500))).toEqual({
        held: true,
        owner: "alpha",
        expiresAt: 1500,
        epoch: 1,
      });
      expect(rightOf(await store.renewLease("beta", 1200, 500))).toEqual({
        held: false,
        owner: "alpha",
        expiresAt: 1500,
        epoch: 1,
      });
      expect(rightOf(await store.renewLease("alpha", 1400, 500))).toEqual({
        held: true,
        owner: "alpha",
        expiresAt: 1900,
        epoch: 1,
      });
      expect(rightOf(await store.renewLease("beta", 1900, 500))).toEqual({
        held: true,
        owner: "beta",
        expiresAt: 2400,
        epoch: 2,
      });
      rightOf(await store.releaseLease("alpha"));
      ctx.clock = 2000;
      expect(rightOf(await store.readLease())).toEqual({ held: true, owner: "beta", expiresAt: 2400, epoch: 2 });
      ctx.clock = 2400;
      expect(rightOf(await store.readLease())).toEqual({ held: false, owner: "beta", expiresAt: 2400, epoch: 2 });
      rightOf(await store.releaseLease("beta"));
      expect(rightOf(await store.readLease())).toEqual({ held: false, owner: null, expiresAt: 0, epoch: 2 });
      // Taken again after a release: a new epoch, even by the same owner.
      expect(rightOf(await store.renewLease("beta", 2500, 500)).epoch).toBe(3);
    });

    it("its holder renewing after expiry, with nobody taking it meanwhile, keeps the epoch", async () => {
      const { store } = context();
      expect(rightOf(await store.renewLease("alpha", 1000, 500)).epoch).toBe(1);
      expect(rightOf(await store.renewLease("alpha", 5000, 500))).toMatchObject({ held: true, epoch: 1 });
    });
  });

  describe("lease fencing", () => {
    const marker: Marker = { paneId: pane("%7"), tokenHash: HASH, spawnedAt: 1000, attempt: 1 };
    const record: StartRecord = { attempt: 1, startedAt: 1000, endedAt: null, paneId: null, outcome: "starting" };

    it("a holder-only write under a superseded epoch is StoreStaleEpoch and writes nothing", async () => {
      const { store } = context();
      const alpha = rightOf(await store.renewLease("alpha", 1000, 500));
      rightOf(await store.setMarker(marker, alpha.epoch));
      const beta = rightOf(await store.renewLease("beta", 1500, 500));
      expect(beta.epoch).toBe(alpha.epoch + 1);

      const stale = [
        await store.setMarker({ ...marker, paneId: pane("%9"), attempt: 2 }, alpha.epoch),
        await store.clearMarker(marker.paneId, alpha.epoch),
        await store.recordStart(record, alpha.epoch),
        await store.setSupervisorGaveUp(true, 1600, alpha.epoch),
      ];
      for (const result of stale) {
        expect(result).toEqual({
          _tag: "Left",
          left: { _tag: "StoreStaleEpoch", epoch: alpha.epoch, current: beta.epoch, message: expect.any(String) },
        });
      }
      const hydrated = rightOf(await store.hydrate());
      expect(hydrated.marker).toEqual(marker);
      expect(hydrated.ledger).toEqual([]);
      expect(hydrated.gaveUp).toBe(false);

      // The new holder's writes go through.
      rightOf(await store.recordStart(record, beta.epoch));
      rightOf(await store.clearMarker(marker.paneId, beta.epoch));
      rightOf(await store.setSupervisorGaveUp(true, 1700, beta.epoch));
      expect(rightOf(await store.hydrate())).toMatchObject({ marker: null, ledger: [record], gaveUp: true });
    });

    it("the human's reset needs no epoch; a give-up without one is StoreInvalidInput", async () => {
      const { store } = context();
      rightOf(await store.renewLease("alpha", 1000, 500));
      rightOf(await store.setSupervisorGaveUp(false, 1200, null));
      expect(rightOf(await store.readSupervisorFlags())).toEqual({ killSwitch: false, gaveUp: false, resetAt: 1200 });
      expect(tagOf(await store.setSupervisorGaveUp(true, 1300, null))).toBe("StoreInvalidInput");
    });

    it("a negative or fractional epoch is StoreInvalidInput", async () => {
      const { store } = context();
      for (const epoch of [-1, 0.5, Number.NaN])
        expect(tagOf(await store.setMarker(marker, epoch))).toBe("StoreInvalidInput");
    });
  });

  describe("hydrate", () => {
    it("assembles marker, recent ledger plus the newest row, pending outbox, alerts and flags", async () => {
      const { store, clock } = context();
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
      for (const record of [ancient, recent, current]) rightOf(await store.recordStart(record, 0));
      rightOf(await store.setMarker(marker, 0));
      const alert: Alert = { paneId: pane("%2"), kind: "need_human", message: "help", raisedAt: 5 };
      rightOf(await store.setAlert(alert, 0));
      const pending: OutboxEntry = { seq: 2, source: pane("%2"), kind: "need_human", message: "help", createdAt: 5 };
      rightOf(await store.enqueueOutbox({ ...pending, seq: 1 }, 0));
      rightOf(await store.enqueueOutbox(pending, 0));
      rightOf(await store.markDelivered(1, 0));
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
        interruptTables: { dedupeMarks: [], sourceWakes: [], repeats: [] },
        deferred: [],
      });
    });

    it("keeps the newest ledger row however old, so attempt numbers keep counting", async () => {
      const { store } = context();
      const old: StartRecord = { attempt: 4, startedAt: 0, endedAt: 10, paneId: pane("%1"), outcome: "stable" };
      rightOf(await store.recordStart({ ...old, attempt: 3 }, 0));
      rightOf(await store.recordStart(old, 0));
      expect(rightOf(await store.hydrate()).ledger).toEqual([old]);
    });

    it("an empty store hydrates to the empty state", async () => {
      const { store } = context();
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
        interruptTables: { dedupeMarks: [], sourceWakes: [], repeats: [] },
        deferred: [],
      });
    });
  });

  describe("the authority store port", () => {
    it("is implemented", () => {
      expect(isAuthorityStore(context().store)).toBe(true);
    });

    it("saves the conn and hydrates it through another handle", async () => {
      const ctx = context();
      expect(rightOf(await ctx.store.hydrate()).conn).toBeNull();
      rightOf(await ctx.store.saveConn(HELD));
      const second = await ctx.reopen();
      expect(rightOf(await second.hydrate()).conn).toEqual(HELD);
      rightOf(await second.saveConn({ holder: "human", since: 2_000 }));
      expect(rightOf(await ctx.store.hydrate()).conn).toEqual({ holder: "human", since: 2_000 });
    });

    it("refuses to save something that is not a conn", async () => {
      const { store } = context();
      const saved = await store.saveConn({ holder: "first_mate", since: 1 } as unknown as Conn);
      expect(tagOf(saved)).toBe("StoreInvalidInput");
      expect(rightOf(await store.hydrate()).conn).toBeNull();
    });

    it("records proposals, lists them by status and decides each once", async () => {
      const { store } = context();
      const first = rightOf(
        await store.addProposal({
          action: { kind: "spawn_worker", target: { name: "helper" }, args: { task: "write the docs" } },
          reason: "the human holds the conn",
          at: 5,
        }),
      );
      const second = rightOf(
        await store.addProposal({
          action: { kind: "terminate", target: { paneId: "%4" as PaneId }, args: {} },
          reason: "out of scope",
          at: 6,
        }),
      );
      expect(first).toMatchObject({ id: 1, status: "pending", decidedAt: null, decidedBy: null });
      expect(rightOf(await store.listProposals({ status: "pending" })).map((p) => p.id)).toEqual([first.id, second.id]);
      const decided = rightOf(await store.decideProposal(first.id, "rejected", { by: "alice", at: 9 }));
      expect(decided).toMatchObject({ status: "rejected", decidedAt: 9, decidedBy: "alice" });
      expect(tagOf(await store.decideProposal(first.id, "approved", { by: "alice", at: 10 }))).toBe("StoreConstraint");
      expect(tagOf(await store.decideProposal(99, "approved", { by: "alice", at: 10 }))).toBe("StoreInvalidInput");
      expect(rightOf(await store.listProposals({ status: "pending" })).map((p) => p.id)).toEqual([second.id]);
      expect(rightOf(await store.listProposals()).length).toBe(2);
    });

    it("role extensions: proposed, then decided only once, listed by status", async () => {
      const { store } = context();
      const proposed = rightOf(await store.proposeRoleExtension({ text: "Review every PR before merge", at: 7 }));
      expect(proposed).toEqual({
        id: proposed.id,
        text: "Review every PR before merge",
        status: "proposed",
        proposedAt: 7,
        decidedAt: null,
        decidedBy: null,
      });
      const other = rightOf(await store.proposeRoleExtension({ text: "Ask before touching CI.", at: 8 }));
      expect(rightOf(await store.listRoleExtensions({ status: "approved" }))).toEqual([]);
      const approved = rightOf(await store.decideRoleExtension(proposed.id, "approved", { by: "human", at: 8 }));
      expect(approved).toEqual({ ...proposed, status: "approved", decidedAt: 8, decidedBy: "human" });
      expect(rightOf(await store.listRoleExtensions({ status: "approved" })).map((x) => x.text)).toEqual([
        "Review every PR before merge",
      ]);
      expect(tagOf(await store.decideRoleExtension(proposed.id, "rejected", { by: "human", at: 9 }))).toBe(
        "StoreConstraint",
      );
      expect(tagOf(await store.decideRoleExtension(999, "approved", { by: "human", at: 9 }))).toBe("StoreInvalidInput");
      expect(rightOf(await store.listRoleExtensions()).map((x) => x.id)).toEqual([proposed.id, other.id]);
      expect(rightOf(await store.listRoleExtensions({ status: "proposed" }))).toEqual([other]);
    });
  });

  describe("lifecycle", () => {
    it("close is idempotent and later calls are StoreUnavailable", async () => {
      const { store } = context();
      await store.close();
      await store.close();
      expect(tagOf(await store.readMarker())).toBe("StoreUnavailable");
      expect(tagOf(await store.appendLog({ kind: "watch", text: "x", at: 1, author: "kit" }))).toBe("StoreUnavailable");
      expect(tagOf(await store.renewLease("alpha", 1, 1))).toBe("StoreUnavailable");
    });

    it("everything written is there through a new handle after the first is closed", async () => {
      const ctx = context();
      rightOf(await ctx.store.setKillSwitch(true));
      const entry = rightOf(await ctx.store.appendLog({ kind: "watch", text: "PR 9", at: 1, author: "first_mate" }));
      await ctx.store.close();
      const reopened = await ctx.reopen();
      expect(rightOf(await reopened.readKillSwitch())).toBe(true);
      expect(rightOf(await reopened.readLog({ limit: 10 }))).toEqual([entry]);
    });
  });
};
