/** Two connections writing at the same time lose no writes. */
import type { PaneId, StoreError } from "@first-mate/core";
import type * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import { cleanUp, openStore, rawConnection, rightOf, startFixture, temporaryDatabasePath } from "./helpers.js";

afterEach(cleanUp);

const PER_WRITER = 150;

describe("concurrent writers", () => {
  it("two processes appending and enqueueing at once: every write lands exactly once", async () => {
    const path = temporaryDatabasePath();
    const writers = [
      startFixture("durableWriter", [path, "1", String(PER_WRITER)]),
      startFixture("durableWriter", [path, "100001", String(PER_WRITER)]),
    ];
    const acknowledgedIds: number[] = [];
    for (const writer of writers) {
      writer.onLine((line) => {
        const [kind, id] = line.split(" ");
        if (kind === "log") acknowledgedIds.push(Number(id));
      });
    }
    const codes = await Promise.all(writers.map((writer) => writer.exited));
    expect(codes, writers.map((writer) => writer.stderr()).join("\n")).toEqual([0, 0]);

    const raw = rawConnection(path);
    expect(raw.prepare("SELECT count(*) AS n FROM captains_log").get()).toEqual({ n: 2 * PER_WRITER });
    expect(raw.prepare("SELECT count(*) AS n FROM outbox").get()).toEqual({ n: 2 * PER_WRITER });
    expect(new Set(acknowledgedIds).size).toBe(2 * PER_WRITER);
    const store = openStore({ path });
    const seqs = rightOf(await store.listOutbox()).map((entry) => entry.seq);
    const expected = [
      ...Array.from({ length: PER_WRITER }, (_, n) => 1 + n),
      ...Array.from({ length: PER_WRITER }, (_, n) => 100001 + n),
    ];
    expect(seqs).toEqual(expected);
    expect(rightOf(store.lastOutboxSeq())).toBe(100000 + PER_WRITER);
  }, 60_000);

  it("two handles in one process interleaving writes lose nothing", async () => {
    const path = temporaryDatabasePath();
    const one = openStore({ path });
    const two = openStore({ path });
    const writes: Array<Promise<E.Either<StoreError, unknown>>> = [];
    for (let n = 1; n <= 100; n++) {
      const store = n % 2 === 0 ? one : two;
      writes.push(store.appendLog({ kind: "watch", text: `w${n}`, at: n, author: "kit" }));
      writes.push(
        store.enqueueOutbox({ seq: n, source: "%3" as PaneId, kind: "report", message: `r${n}`, createdAt: n }),
      );
    }
    for (const result of await Promise.all(writes)) rightOf(result);
    expect(rightOf(await one.readLog({ limit: 200 }))).toHaveLength(100);
    expect(rightOf(await two.listOutbox()).map((entry) => entry.seq)).toEqual(
      Array.from({ length: 100 }, (_, n) => n + 1),
    );
  });
});
