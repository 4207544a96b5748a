/**
 * Deferred checkpoints: with `checkpoints: "deferred"` (the host's setting) no
 * write runs a WAL checkpoint itself. Before, SQLite's automatic checkpoint
 * ran inside whichever commit filled the log past 1000 pages, so about one
 * interrupt in a hundred waited for two fsyncs between its outbox write and
 * its push. A checkpoint is the only thing that writes the database file
 * itself in WAL mode, so an unchanged file means none ran.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import { cleanUp, openStore, temporaryDatabasePath } from "./helpers.js";

afterEach(cleanUp);

const digestOf = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");

/** About 1500 pages of log: well past SQLite's automatic checkpoint at 1000. */
const WRITES = 1_500;
const VALUE = "x".repeat(3_000);

/** Write them all in one synchronous run, so no timer can fire in between. */
const writeMany = (store: ReturnType<typeof openStore>): void => {
  for (let index = 0; index < WRITES; index++) {
    const written = store.setKv(`key-${index}`, VALUE);
    if (E.isLeft(written)) throw new Error(written.left.message);
  }
};

const waitFor = async (condition: () => boolean, timeoutMs: number): Promise<boolean> => {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return condition();
};

describe("deferred checkpoints", () => {
  it("interruptWritePaysNoCheckpoint: no write checkpoints itself; a checkpoint follows the writes on a timer", async () => {
    const path = temporaryDatabasePath();
    const store = openStore({ path, synchronous: "NORMAL", checkpoints: "deferred" });
    const before = digestOf(path);
    writeMany(store);
    expect(digestOf(path)).toBe(before);
    // The deferred checkpoint comes about a second after the 100th write; generous for a loaded machine.
    expect(await waitFor(() => digestOf(path) !== before, 50_000)).toBe(true);
    expect(store.getKv(`key-${WRITES - 1}`)).toEqual(E.right(VALUE));
  }, 60_000);

  it("inline (the default) checkpoints inside the write that fills the log", () => {
    const path = temporaryDatabasePath();
    const store = openStore({ path, synchronous: "NORMAL" });
    const before = digestOf(path);
    writeMany(store);
    expect(digestOf(path)).not.toBe(before);
  });
});
