/**
 * The outbox enqueue is one statement that checks the lease epoch itself.
 * A renewal that changes hands holds the lease row locked until it commits;
 * an enqueue that arrives meanwhile must wait for it and then see the new
 * epoch (refused as stale), not write under the epoch its snapshot showed.
 */
import type { PaneId } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { dropSchema, freshLocation, openStoreAt, type PostgresLocation } from "./helpers.js";

const locations: PostgresLocation[] = [];
afterEach(async () => {
  for (const location of locations.splice(0)) await dropSchema(location);
});

describe("PostgreSQL enqueueOutbox and a lease changing hands", () => {
  it("an enqueue racing a takeover waits for it and is refused with the new epoch, writing nothing", async () => {
    const location = await freshLocation();
    locations.push(location);
    const store = await openStoreAt(location);
    const raw = new pg.Client({ connectionString: location.url });
    await raw.connect();
    try {
      const alpha = await store.renewLease("alpha", 1_000, 500);
      if (E.isLeft(alpha)) throw new Error(alpha.left.message);
      const lease = `"${location.schema}".supervisor_lease`;
      // Another host's takeover, caught between locking the lease row and committing its new epoch.
      await raw.query("BEGIN");
      await raw.query(`SELECT epoch FROM ${lease} WHERE id = 1 FOR UPDATE`);
      const enqueued = store.enqueueOutbox(
        { seq: 1, source: "%2" as PaneId, kind: "report", message: "done", createdAt: 1_000 },
        alpha.right.epoch,
      );
      let settled = false;
      void enqueued.then(() => {
        settled = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
      await raw.query(`UPDATE ${lease} SET owner = 'beta', expires_at = 5000, epoch = epoch + 1 WHERE id = 1`);
      await raw.query("COMMIT");
      const result = await enqueued;
      expect(result).toEqual(
        E.left({
          _tag: "StoreStaleEpoch",
          epoch: alpha.right.epoch,
          current: alpha.right.epoch + 1,
          message: expect.any(String),
        }),
      );
      expect(await store.listOutbox()).toEqual(E.right([]));
      expect(await store.lastOutboxSeq()).toEqual(E.right(0));
    } finally {
      await raw.end();
      await store.close();
    }
  });
});
