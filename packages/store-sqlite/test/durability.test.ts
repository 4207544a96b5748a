/**
 * Acknowledged writes survive `kill -9`: a child process appends and
 * enqueues in a loop, printing each write after its promise resolved; the
 * test kills it at a random point, reopens the file, checks integrity and
 * finds every acknowledged write.
 */
import { afterEach, describe, expect, it } from "vitest";
import { cleanUp, openStore, rawConnection, rightOf, startFixture, temporaryDatabasePath } from "./helpers.js";

afterEach(cleanUp);

const ROUNDS = 5;

describe("durability under SIGKILL", () => {
  it("every acknowledged append and enqueue is on file after a kill at a random point", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const path = temporaryDatabasePath();
      const killAfter = 10 + Math.floor(Math.random() * 190);
      const writer = startFixture("durableWriter", [path, "1"]);
      const acknowledgedLog = new Map<number, number>();
      const acknowledgedSeqs: number[] = [];
      await new Promise<void>((resolve, reject) => {
        writer.onLine((line) => {
          const [kind, first, second] = line.split(" ");
          if (kind === "log") acknowledgedLog.set(Number(first), Number(second));
          else if (kind === "outbox") acknowledgedSeqs.push(Number(first));
          if (acknowledgedLog.size + acknowledgedSeqs.length >= killAfter) {
            writer.child.kill("SIGKILL");
            resolve();
          }
        });
        void writer.exited.then((code) => reject(new Error(`writer exited (${code}) early: ${writer.stderr()}`)));
      });
      expect(await writer.exited).toBe("SIGKILL");

      const raw = rawConnection(path);
      expect(raw.pragma("integrity_check", { simple: true }), `round ${round}, killed after ${killAfter}`).toBe("ok");
      const logRows = raw.prepare("SELECT id, text FROM captains_log").all() as Array<{ id: number; text: string }>;
      const logText = new Map(logRows.map((row) => [row.id, row.text]));
      for (const [id, n] of acknowledgedLog) expect(logText.get(id), `log ${id}`).toBe(`entry ${n}`);
      const seqs = new Set(
        (raw.prepare("SELECT seq FROM outbox").all() as Array<{ seq: number }>).map((row) => row.seq),
      );
      for (const seq of acknowledgedSeqs) expect(seqs.has(seq), `outbox ${seq}`).toBe(true);

      // The store itself reads the survivors back as valid values.
      const store = openStore({ path });
      expect(rightOf(store.checkIntegrity())).toBe("ok");
      const pending = rightOf(await store.listOutbox());
      expect(pending.length).toBeGreaterThanOrEqual(acknowledgedSeqs.length);
      expect(rightOf(await store.readLog({ limit: 200 })).length).toBe(Math.min(200, logRows.length));
      await store.close();
    }
  }, 120_000);
});
