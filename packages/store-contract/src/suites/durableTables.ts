/**
 * The tables a restarted host reads back beside the outbox: the interrupt
 * dedupe marks, source wakes and folded repeats, and the deferred spawns.
 * Rows set, replaced and deleted round trip through `hydrate` (and another
 * handle); each table stays within its cap; the writes are fenced by the
 * lease epoch like every holder-only write. Alert and outbox writes are
 * fenced the same way: a host that lost the lease writes none of them.
 */
import {
  DEFERRED_SPAWN_CAP,
  type DeferredSpawn,
  dedupeKey,
  INTERRUPT_TABLE_CAPS,
  type InterruptTableChanges,
  OVERFLOW_REPEAT_KEY,
  type PaneId,
} from "@first-mate/core";
import { describe, expect, it } from "vitest";
import { type ContractContext, rightOf, tagOf } from "../support.js";

const pane = (n: number): PaneId => `%${n}` as PaneId;
const NO_CHANGES: InterruptTableChanges = { dedupeMarks: [], sourceWakes: [], repeats: [] };
const changes = (rows: Partial<InterruptTableChanges>): InterruptTableChanges => ({ ...NO_CHANGES, ...rows });

const spawn = (id: string, requestedAt: number): DeferredSpawn => ({
  id,
  launch: { name: `helper-${id}`, session: "fleet", argv: ["sleep", "60"], env: { A: "1" }, task: "write the docs" },
  requestedAt,
  releaseAt: requestedAt + 3_600_000,
});

export const durableTables = (context: () => ContractContext): void => {
  describe("interrupt tables", () => {
    const key = dedupeKey("%2", "need_human", "need approval\nnow ✓");

    it("rows set, replaced and deleted round trip through hydrate and another handle, NUL-separated keys intact", async () => {
      const { store } = context();
      const repeat = { source: "%2", kind: "need_human", message: "need approval\nnow ✓", count: 2 };
      const overflow = { source: "(several)", kind: "repeats", message: "more repeats", count: 7 };
      rightOf(
        await store.saveInterruptTables(
          {
            dedupeMarks: [
              { key, at: 1_000 },
              { key: dedupeKey("%3", "report", "done"), at: 900 },
            ],
            sourceWakes: [
              { source: pane(2), times: [500, 1_000] },
              { source: pane(3), times: [900] },
            ],
            repeats: [
              { key, repeat },
              { key: OVERFLOW_REPEAT_KEY, repeat: overflow },
            ],
          },
          0,
        ),
      );
      rightOf(
        await store.saveInterruptTables(
          changes({
            dedupeMarks: [{ key: dedupeKey("%3", "report", "done"), at: null }],
            sourceWakes: [{ source: pane(2), times: [1_000, 1_200] }],
            repeats: [{ key, repeat: { ...repeat, count: 3 } }],
          }),
          0,
        ),
      );
      const other = await context().reopen();
      const tables = rightOf(await other.hydrate()).interruptTables;
      expect(tables?.dedupeMarks).toEqual([{ key, at: 1_000 }]);
      expect(tables?.sourceWakes).toEqual([
        { source: pane(3), times: [900] },
        { source: pane(2), times: [1_000, 1_200] },
      ]);
      expect(new Map(tables?.repeats.map((row) => [row.key, row.repeat]))).toEqual(
        new Map([
          [key, { ...repeat, count: 3 }],
          [OVERFLOW_REPEAT_KEY, overflow],
        ]),
      );
      rightOf(
        await store.saveInterruptTables(
          changes({
            dedupeMarks: [{ key, at: null }],
            sourceWakes: [
              { source: pane(2), times: null },
              { source: pane(3), times: null },
            ],
            repeats: [
              { key, repeat: null },
              { key: OVERFLOW_REPEAT_KEY, repeat: null },
            ],
          }),
          0,
        ),
      );
      expect(rightOf(await store.hydrate()).interruptTables).toEqual({ dedupeMarks: [], sourceWakes: [], repeats: [] });
    });

    it("the dedupe and rate tables keep at most their caps: the oldest marks and least recent sources go", async () => {
      const { store } = context();
      const extra = 5;
      const total = INTERRUPT_TABLE_CAPS.dedupeKeys + extra;
      for (let from = 0; from < total; from += 500) {
        const batch = Array.from({ length: Math.min(500, total - from) }, (_, index) => from + index);
        rightOf(
          await store.saveInterruptTables(
            {
              dedupeMarks: batch.map((n) => ({ key: dedupeKey(`%${n}`, "report", "done"), at: 10_000 + n })),
              sourceWakes: batch.map((n) => ({ source: pane(n), times: [10_000 + n] })),
              repeats: [],
            },
            0,
          ),
        );
      }
      const tables = rightOf(await store.hydrate()).interruptTables!;
      expect(tables.dedupeMarks).toHaveLength(INTERRUPT_TABLE_CAPS.dedupeKeys);
      expect(tables.dedupeMarks[0]).toEqual({ key: dedupeKey(`%${extra}`, "report", "done"), at: 10_000 + extra });
      expect(tables.sourceWakes).toHaveLength(INTERRUPT_TABLE_CAPS.rateSources);
      expect(tables.sourceWakes.map((row) => row.source)).not.toContain(pane(extra - 1));
      expect(tables.sourceWakes.at(-1)).toEqual({ source: pane(total - 1), times: [10_000 + total - 1] });
    });

    it("more folded repeats than the cap and the overflow entry is StoreConstraint and writes nothing", async () => {
      const { store, subject, location } = context();
      const cap = INTERRUPT_TABLE_CAPS.foldedRepeats + 1;
      const repeatOf = (n: number) => ({
        key: dedupeKey(`%${n}`, "report", "done"),
        repeat: { source: `%${n}`, kind: "report", message: "done", count: 1 },
      });
      rightOf(
        await store.saveInterruptTables(changes({ repeats: Array.from({ length: cap }, (_, n) => repeatOf(n)) }), 0),
      );
      const before = await subject.snapshot(location);
      expect(tagOf(await store.saveInterruptTables(changes({ repeats: [repeatOf(cap)] }), 0))).toBe("StoreConstraint");
      expect(await subject.snapshot(location)).toBe(before);
      // Replacing one that is on file is no growth.
      rightOf(await store.saveInterruptTables(changes({ repeats: [repeatOf(0)] }), 0));
    });

    it("invalid rows are StoreInvalidInput and write nothing", async () => {
      const { store, subject, location } = context();
      const before = await subject.snapshot(location);
      const invalid: unknown[] = [
        changes({ dedupeMarks: [{ key: "", at: 1 }] }),
        changes({ dedupeMarks: [{ key, at: -1 }] }),
        changes({ sourceWakes: [{ source: "pane two" as PaneId, times: [1] }] }),
        changes({ repeats: [{ key, repeat: { source: "%2", kind: "report", message: "done", count: 0 } }] }),
        { dedupeMarks: [] },
        null,
      ];
      for (const input of invalid)
        expect(tagOf(await store.saveInterruptTables(input as InterruptTableChanges, 0))).toBe("StoreInvalidInput");
      expect(await subject.snapshot(location)).toBe(before);
    });
  });

  describe("corrupt rows of the restart tables", () => {
    it("a corrupt source wake, folded repeat or deferred spawn is StoreCorruptRow naming its table in hydrate", async () => {
      const { store, subject, location } = context();
      const seeded = async () => {
        rightOf(
          await store.saveInterruptTables(
            {
              dedupeMarks: [],
              sourceWakes: [{ source: pane(2), times: [1_000] }],
              repeats: [
                {
                  key: dedupeKey("%2", "report", "done"),
                  repeat: { source: "%2", kind: "report", message: "done", count: 1 },
                },
              ],
            },
            0,
          ),
        );
        rightOf(await store.saveDeferredSpawns([{ id: "d-1", spawn: spawn("d-1", 1_000) }], 0));
      };
      await seeded();
      for (const [corruption, table] of [
        ["interrupt_rate.times", "interrupt_rate"],
        ["interrupt_repeats.count", "interrupt_repeats"],
        ["deferred_spawns.spawn", "deferred_spawns"],
      ] as const) {
        await subject.corrupt(location, corruption);
        const hydrated = await store.hydrate();
        expect(hydrated._tag === "Left" && hydrated.left).toMatchObject({ _tag: "StoreCorruptRow", table });
        // Put the row right again (the store's own write replaces it) before the next one.
        await seeded();
      }
    });
  });

  describe("deferred spawns", () => {
    it("stored, replaced and deleted by id; hydrate lists them oldest first through another handle", async () => {
      const { store } = context();
      rightOf(
        await store.saveDeferredSpawns(
          [
            { id: "b", spawn: spawn("b", 2_000) },
            { id: "a", spawn: spawn("a", 1_000) },
            { id: "c", spawn: spawn("c", 3_000) },
          ],
          0,
        ),
      );
      rightOf(await store.saveDeferredSpawns([{ id: "c", spawn: null }], 0));
      const other = await context().reopen();
      expect(rightOf(await other.hydrate()).deferred).toEqual([spawn("a", 1_000), spawn("b", 2_000)]);
    });

    it("more than the cap is StoreConstraint and writes nothing; a spawn under another id is StoreInvalidInput", async () => {
      const { store, subject, location } = context();
      rightOf(
        await store.saveDeferredSpawns(
          Array.from({ length: DEFERRED_SPAWN_CAP }, (_, n) => ({ id: `s${n}`, spawn: spawn(`s${n}`, n) })),
          0,
        ),
      );
      const before = await subject.snapshot(location);
      expect(tagOf(await store.saveDeferredSpawns([{ id: "one-more", spawn: spawn("one-more", 1) }], 0))).toBe(
        "StoreConstraint",
      );
      expect(tagOf(await store.saveDeferredSpawns([{ id: "x", spawn: spawn("y", 1) }], 0))).toBe("StoreInvalidInput");
      expect(await subject.snapshot(location)).toBe(before);
    });
  });

  describe("lease fencing of alerts and the outbox", () => {
    it("a host that lost the lease cannot enqueue, raise, clear, deliver or expire: StoreStaleEpoch, nothing written", async () => {
      const { store, subject, location } = context();
      const alert = { paneId: pane(2), kind: "need_human" as const, message: "approve?", raisedAt: 1_000 };
      const entry = { seq: 1, source: pane(2), kind: "need_human" as const, message: "approve?", createdAt: 1_000 };
      const alpha = rightOf(await store.renewLease("alpha", 1_000, 500));
      rightOf(await store.setAlert(alert, alpha.epoch));
      rightOf(await store.enqueueOutbox(entry, alpha.epoch));
      const beta = rightOf(await store.renewLease("beta", 1_600, 500));
      const before = await subject.snapshot(location);
      const stale = [
        await store.enqueueOutbox({ ...entry, seq: 2, message: "again" }, alpha.epoch),
        await store.setAlert({ ...alert, paneId: pane(3) }, alpha.epoch),
        await store.clearAlert(alert.paneId, alpha.epoch),
        await store.markDelivered(entry.seq, alpha.epoch),
        await store.expireOutbox(10_000, alpha.epoch),
      ];
      for (const result of stale) {
        expect(result).toEqual({
          _tag: "Left",
          left: { _tag: "StoreStaleEpoch", epoch: alpha.epoch, current: beta.epoch, message: expect.any(String) },
        });
      }
      expect(await subject.snapshot(location)).toBe(before);
      // The new holder's writes go through.
      rightOf(await store.enqueueOutbox({ ...entry, seq: 2, message: "again" }, beta.epoch));
      rightOf(await store.markDelivered(entry.seq, beta.epoch));
      rightOf(await store.clearAlert(alert.paneId, beta.epoch));
      const hydrated = rightOf(await store.hydrate());
      expect(hydrated.outbox.map((pending) => pending.seq)).toEqual([2]);
      expect(hydrated.alerts).toEqual([]);
    });
  });

  describe("lease fencing of the restart tables", () => {
    it("interrupt table and deferred spawn writes under a superseded epoch are StoreStaleEpoch and write nothing", async () => {
      const { store, subject, location } = context();
      const alpha = rightOf(await store.renewLease("alpha", 1_000, 500));
      const beta = rightOf(await store.renewLease("beta", 1_600, 500));
      const before = await subject.snapshot(location);
      const stale = [
        await store.saveInterruptTables(
          changes({ dedupeMarks: [{ key: dedupeKey("%2", "report", "done"), at: 1_700 }] }),
          alpha.epoch,
        ),
        await store.saveDeferredSpawns([{ id: "a", spawn: spawn("a", 1_700) }], alpha.epoch),
      ];
      for (const result of stale) {
        expect(result).toEqual({
          _tag: "Left",
          left: { _tag: "StoreStaleEpoch", epoch: alpha.epoch, current: beta.epoch, message: expect.any(String) },
        });
      }
      expect(await subject.snapshot(location)).toBe(before);
      rightOf(await store.saveDeferredSpawns([{ id: "a", spawn: spawn("a", 1_700) }], beta.epoch));
    });
  });
};
