/**
 * Retention and the store-side invariants: every store table is bounded
 * (retention bounds the log and the delivered outbox; alerts, marker and
 * lease are bounded by their keys), the outbox high-water mark never goes
 * down, and a write the store refused changes nothing (so nothing that
 * depended on it can follow).
 */
import type { OutboxEntry, PaneId } from "@first-mate/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ContractContext, rightOf, tagOf } from "../support.js";

const pane = (id: string): PaneId => id as PaneId;

const entry = (seq: number, createdAt: number): OutboxEntry => ({
  seq,
  source: pane("%5"),
  kind: "need_human",
  message: `question ${seq}`,
  createdAt,
});

export const retention = (context: () => ContractContext): void => {
  describe("retention", () => {
    it("pruneLog keeps every standing order and the newest other entries", async () => {
      const { store } = context();
      const orders = [];
      for (let n = 0; n < 3; n++) {
        orders.push(
          rightOf(await store.appendLog({ kind: "standing_order", text: `order ${n}`, at: n, author: "human" })),
        );
        for (let m = 0; m < 4; m++) {
          rightOf(
            await store.appendLog({
              kind: m % 2 === 0 ? "watch" : "narrative",
              text: `note ${n}.${m}`,
              at: n,
              author: "kit",
            }),
          );
        }
      }
      const newestOthers = rightOf(await store.readLog({ limit: 200 }))
        .filter((logged) => logged.kind !== "standing_order")
        .slice(0, 5);
      expect(rightOf(await store.pruneLog({ keepNewest: 5 }))).toBe(7);
      const left = rightOf(await store.readLog({ limit: 200 }));
      expect(left.filter((logged) => logged.kind === "standing_order")).toEqual([...orders].reverse());
      expect(left.filter((logged) => logged.kind !== "standing_order")).toEqual(newestOthers);
      expect(rightOf(await store.pruneLog({ keepNewest: 0 }))).toBe(5);
      expect(rightOf(await store.readLog({ limit: 200 }))).toEqual([...orders].reverse());
    });

    it("pruneDeliveredOutbox deletes only entries delivered before the bound", async () => {
      const ctx = context();
      const { store } = ctx;
      rightOf(await store.enqueueOutbox(entry(1, 1), 0));
      rightOf(await store.enqueueOutbox(entry(2, 1), 0));
      rightOf(await store.enqueueOutbox(entry(3, 1), 0));
      ctx.clock = 1000;
      rightOf(await store.markDelivered(1, 0));
      ctx.clock = 2000;
      rightOf(await store.markDelivered(2, 0));
      expect(rightOf(await store.pruneDeliveredOutbox(1500))).toBe(1);
      // Seq 1 is free again, seq 2 is still on file.
      rightOf(await store.enqueueOutbox(entry(1, 5), 0));
      expect(tagOf(await store.enqueueOutbox(entry(2, 5), 0))).toBe("StoreConstraint");
      expect(rightOf(await store.listOutbox())).toEqual([entry(1, 5), entry(3, 1)]);
    });

    it("lastOutboxSeq never goes down, even when every entry expired or was pruned", async () => {
      const ctx = context();
      const { store } = ctx;
      expect(rightOf(await store.lastOutboxSeq())).toBe(0);
      rightOf(await store.enqueueOutbox(entry(7, 1), 0));
      rightOf(await store.enqueueOutbox(entry(4, 1), 0));
      expect(rightOf(await store.expireOutbox(1000, 0))).toBe(2);
      expect(rightOf(await store.lastOutboxSeq())).toBe(7);
      expect(rightOf(await store.hydrate()).lastOutboxSeq).toBe(7);
      rightOf(await store.enqueueOutbox(entry(8, 2000), 0));
      rightOf(await store.markDelivered(8, 0));
      ctx.clock += 10;
      expect(rightOf(await store.pruneDeliveredOutbox(ctx.clock + 1))).toBe(1);
      expect(rightOf(await store.hydrate()).lastOutboxSeq).toBe(8);
    });
  });

  describe("invariant: every store table is bounded", () => {
    it("after any run of writes, retention leaves at most keepNewest log entries beside the standing orders, no delivered outbox rows, one alert per pane", async () => {
      const ctx = context();
      const { store } = ctx;
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              kind: fc.constantFrom("standing_order" as const, "watch" as const, "narrative" as const),
              paneNumber: fc.integer({ min: 0, max: 5 }),
              deliver: fc.boolean(),
            }),
            { maxLength: 30 },
          ),
          fc.integer({ min: 0, max: 10 }),
          async (writes, keepNewest) => {
            let seq = rightOf(await store.lastOutboxSeq());
            for (const write of writes) {
              rightOf(await store.appendLog({ kind: write.kind, text: "note", at: 1, author: "kit" }));
              rightOf(
                await store.setAlert(
                  { paneId: pane(`%${write.paneNumber}`), kind: "info", message: "m", raisedAt: 1 },
                  0,
                ),
              );
              seq += 1;
              rightOf(await store.enqueueOutbox(entry(seq, 1), 0));
              if (write.deliver) rightOf(await store.markDelivered(seq, 0));
            }
            rightOf(await store.pruneLog({ keepNewest }));
            ctx.clock += 1;
            rightOf(await store.pruneDeliveredOutbox(ctx.clock + 1));
            const log = rightOf(await store.readLog({ limit: 200 }));
            expect(log.filter((logged) => logged.kind !== "standing_order").length).toBeLessThanOrEqual(keepNewest);
            const alerts = rightOf(await store.readAlerts());
            expect(new Set(alerts.map((alert) => alert.paneId)).size).toBe(alerts.length);
            expect(alerts.length).toBeLessThanOrEqual(6);
            // Every row left in the outbox is pending: delivered ones were pruned.
            const pending = rightOf(await store.listOutbox());
            const hydrated = rightOf(await store.hydrate());
            expect(hydrated.outbox).toEqual(pending);
            const undelivered = writes.filter((write) => !write.deliver).length;
            expect(pending.length).toBeGreaterThanOrEqual(undelivered);
          },
        ),
        { numRuns: 15 },
      );
    });
  });

  describe("invariant: a write the store refused changes nothing", () => {
    it("a duplicate outbox sequence number leaves the outbox and its high-water mark as they were", async () => {
      const { store, subject, location } = context();
      rightOf(await store.enqueueOutbox(entry(5, 1), 0));
      const before = await subject.snapshot(location);
      expect(tagOf(await store.enqueueOutbox({ ...entry(5, 2), message: "a second five" }, 0))).toBe("StoreConstraint");
      expect(await subject.snapshot(location)).toBe(before);
    });

    it("a proposal decided twice keeps its first decision", async () => {
      const { store, subject, location } = context();
      const proposal = rightOf(
        await store.addProposal({ action: { kind: "terminate", target: {}, args: {} }, reason: "r", at: 1 }),
      );
      rightOf(await store.decideProposal(proposal.id, "approved", { by: "alice", at: 2 }));
      const before = await subject.snapshot(location);
      expect(tagOf(await store.decideProposal(proposal.id, "rejected", { by: "bob", at: 3 }))).toBe("StoreConstraint");
      expect(await subject.snapshot(location)).toBe(before);
    });

    it("a renewal by a host without the lease changes nothing", async () => {
      const { store, subject, location } = context();
      rightOf(await store.renewLease("alpha", 1000, 500));
      const before = await subject.snapshot(location);
      expect(rightOf(await store.renewLease("beta", 1200, 500))).toEqual({
        held: false,
        owner: "alpha",
        expiresAt: 1500,
        epoch: 1,
      });
      rightOf(await store.releaseLease("beta"));
      expect(await subject.snapshot(location)).toBe(before);
    });
  });
};
