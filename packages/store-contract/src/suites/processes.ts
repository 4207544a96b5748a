/**
 * What only several processes can show: two processes racing for the
 * lease, two processes (and two handles) writing at once with the outbox
 * still in sequence order, and every acknowledged write surviving a
 * `SIGKILL` of the writer at a random point.
 */
import type { LeaseState, PaneId, StoreError } from "@first-mate/core";
import type * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { type ContractContext, type Fixture, rightOf, startFixture } from "../support.js";

const ask = async (contender: Fixture, command: string): Promise<LeaseState> => {
  contender.send(command);
  const reply = JSON.parse(await contender.nextLine()) as { ok?: LeaseState; error?: unknown };
  if (reply.ok === undefined) throw new Error(`contender failed: ${JSON.stringify(reply.error)}`);
  return reply.ok;
};

const PER_WRITER = 150;
const KILL_ROUNDS = 5;

export const processes = (context: () => ContractContext): void => {
  const startContenders = async (): Promise<[Fixture, Fixture]> => {
    const contenders: [Fixture, Fixture] = [
      startFixture(context(), "leaseContender", ["alpha"]),
      startFixture(context(), "leaseContender", ["beta"]),
    ];
    for (const contender of contenders) expect(await contender.nextLine()).toBe("ready");
    return contenders;
  };

  describe("supervisor lease across processes", () => {
    it("exactly one of two racing processes holds it; the other takes over only after expiry", async () => {
      for (let round = 0; round < 3; round++) {
        if (round > 0) {
          const ctx = context();
          const fresh = await ctx.subject.open({ now: () => ctx.clock });
          ctx.store = fresh.store;
          ctx.location = fresh.location;
          ctx.cleanups.push(async () => {
            await fresh.store.close();
            await ctx.subject.dispose?.(fresh.location);
          });
        }
        const [alpha, beta] = await startContenders();
        const [first, second] = await Promise.all([ask(alpha, "renew 1000 500"), ask(beta, "renew 1000 500")]);
        expect([first.held, second.held].filter(Boolean)).toHaveLength(1);
        const [winner, loser, winnerName] = first.held ? [alpha, beta, "alpha"] : [beta, alpha, "beta"];
        const loserName = winnerName === "alpha" ? "beta" : "alpha";
        expect(first.held ? second : first).toEqual({ held: false, owner: winnerName, expiresAt: 1500, epoch: 1 });

        expect(await ask(loser, "renew 1499 500")).toEqual({
          held: false,
          owner: winnerName,
          expiresAt: 1500,
          epoch: 1,
        });
        // Taking over an expired lease raises the epoch: the old holder's fenced writes are refused from now on.
        expect(await ask(loser, "renew 1500 500")).toEqual({
          held: true,
          owner: loserName,
          expiresAt: 2000,
          epoch: 2,
        });
        expect(await ask(winner, "renew 1600 500")).toEqual({
          held: false,
          owner: loserName,
          expiresAt: 2000,
          epoch: 2,
        });
        winner.send("exit");
        loser.send("exit");
        expect(await winner.exited).toBe(0);
        expect(await loser.exited).toBe(0);
      }
    }, 90_000);

    it("with the real clock and a short ttl, the other process takes over once it has expired", async () => {
      const [alpha, beta] = await startContenders();
      // Long enough that the second ask comes before the expiry on a loaded machine (at 200 ms it could come after).
      const ttlMs = 3_000;
      const taken = await ask(alpha, `renew clock ${ttlMs}`);
      expect(taken.held).toBe(true);
      expect((await ask(beta, `renew clock ${ttlMs}`)).held).toBe(false);
      while (Date.now() <= taken.expiresAt) await new Promise((resolve) => setTimeout(resolve, 20));
      const takeover = await ask(beta, `renew clock ${ttlMs}`);
      expect(takeover).toMatchObject({ held: true, owner: "beta" });
      expect(await ask(alpha, "read")).toMatchObject({ owner: "beta" });
    }, 60_000);

    it("a released lease is free for the other process at once", async () => {
      const [alpha, beta] = await startContenders();
      expect((await ask(alpha, "renew 1000 60000")).held).toBe(true);
      alpha.send("release");
      await alpha.nextLine();
      expect(await ask(beta, "renew 1001 500")).toEqual({ held: true, owner: "beta", expiresAt: 1501, epoch: 2 });
    }, 60_000);
  });

  describe("concurrent writers", () => {
    it("two processes appending and enqueueing at once: every write lands exactly once, the outbox in sequence order", async () => {
      const ctx = context();
      const writers = [
        startFixture(ctx, "durableWriter", ["1", String(PER_WRITER)]),
        startFixture(ctx, "durableWriter", ["100001", String(PER_WRITER)]),
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

      expect(new Set(acknowledgedIds).size).toBe(2 * PER_WRITER);
      const log = rightOf(await ctx.store.readLog({ limit: 200 }));
      const older = rightOf(await ctx.store.pruneLog({ keepNewest: 2 * PER_WRITER }));
      expect(older).toBe(0);
      expect(log).toHaveLength(200);
      // Ids are unique and newest first.
      expect(log.map((logged) => logged.id)).toEqual([...log.map((logged) => logged.id)].sort((a, b) => b - a));
      const seqs = rightOf(await ctx.store.listOutbox()).map((pending) => pending.seq);
      const expected = [
        ...Array.from({ length: PER_WRITER }, (_, n) => 1 + n),
        ...Array.from({ length: PER_WRITER }, (_, n) => 100001 + n),
      ];
      expect(seqs).toEqual(expected);
      expect(rightOf(await ctx.store.lastOutboxSeq())).toBe(100000 + PER_WRITER);
      expect(rightOf(await ctx.store.pruneLog({ keepNewest: 0 }))).toBe(2 * PER_WRITER);
    }, 60_000);

    it("two handles in one process interleaving writes lose nothing; the outbox lists in sequence order", async () => {
      const ctx = context();
      const one = ctx.store;
      const two = await ctx.reopen();
      const writes: Array<Promise<E.Either<StoreError, unknown>>> = [];
      for (let n = 1; n <= 100; n++) {
        const store = n % 2 === 0 ? one : two;
        writes.push(store.appendLog({ kind: "watch", text: `w${n}`, at: n, author: "kit" }));
        // Sequence numbers arrive out of order: the list is still in sequence order.
        const seq = n % 2 === 0 ? 200 - n : n;
        writes.push(
          store.enqueueOutbox({ seq, source: "%3" as PaneId, kind: "report", message: `r${n}`, createdAt: n }, 0),
        );
      }
      for (const result of await Promise.all(writes)) rightOf(result);
      expect(rightOf(await one.readLog({ limit: 200 }))).toHaveLength(100);
      const listed = rightOf(await two.listOutbox()).map((pending) => pending.seq);
      expect([...listed].sort((a, b) => a - b)).toEqual(listed);
      expect(new Set(listed).size).toBe(listed.length);
    });
  });

  describe("durability under SIGKILL", () => {
    it("every acknowledged append and enqueue is there after the writer is killed at a random point", async () => {
      const ctx = context();
      for (let round = 0; round < KILL_ROUNDS; round++) {
        if (round > 0) {
          const fresh = await ctx.subject.open({ now: () => ctx.clock });
          ctx.store = fresh.store;
          ctx.location = fresh.location;
          ctx.cleanups.push(async () => {
            await fresh.store.close();
            await ctx.subject.dispose?.(fresh.location);
          });
        }
        const killAfter = 10 + Math.floor(Math.random() * 190);
        const writer = startFixture(ctx, "durableWriter", ["1"]);
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

        if (ctx.subject.checkIntegrity) {
          expect(await ctx.subject.checkIntegrity(ctx.location), `round ${round}, killed after ${killAfter}`).toBe(
            "ok",
          );
        }
        const store = await ctx.reopen();
        const log = rightOf(await store.readLog({ limit: 200 }));
        const logText = new Map(log.map((logged) => [logged.id, logged.text]));
        for (const [id, n] of acknowledgedLog) expect(logText.get(id), `log ${id}`).toBe(`entry ${n}`);
        const seqs = new Set(rightOf(await store.listOutbox()).map((pending) => pending.seq));
        for (const seq of acknowledgedSeqs) expect(seqs.has(seq), `outbox ${seq}`).toBe(true);
        expect(seqs.size).toBeGreaterThanOrEqual(acknowledgedSeqs.length);
      }
    }, 120_000);
  });
};
