/**
 * Store latency side by side: outbox enqueue, captain's log append and lease
 * renewal on SQLite (synchronous NORMAL and FULL) and on a local PostgreSQL
 * (a throwaway cluster on a unix socket, started and stopped here); and the
 * takeover time when the PostgreSQL lease holder is killed with SIGKILL.
 *
 * The takeover runs two processes that renew the lease every `tickMs` with
 * `ttlMs`, as the runtime does: the standby takes over at its first tick
 * after the lease expired, so the target is ttl + one tick after the kill.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { PaneId, StoreError, StorePort } from "@first-mate/core";
import { openPostgresStore } from "@first-mate/store-postgres";
import { startThrowawayPostgres, type ThrowawayPostgres } from "@first-mate/store-postgres/testing";
import { openSqliteStore } from "@first-mate/store-sqlite";
import * as E from "fp-ts/lib/Either.js";

const here = dirname(fileURLToPath(import.meta.url));

const must = <T>(result: E.Either<StoreError, T>): T => {
  if (E.isLeft(result)) throw new Error(`${result.left._tag}: ${result.left.message}`);
  return result.right;
};

const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

export interface Latency {
  readonly p50: number;
  readonly p99: number;
}

/** Milliseconds per call, after a short warm-up. */
const latency = async (count: number, operation: (n: number) => Promise<E.Either<StoreError, unknown>>) => {
  for (let n = 0; n < 20; n++) must(await operation(-n - 1));
  const samples: number[] = [];
  for (let n = 1; n <= count; n++) {
    const started = process.hrtime.bigint();
    must(await operation(n));
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
};

export interface EngineLatency {
  readonly engine: string;
  readonly enqueue: Latency;
  readonly append: Latency;
  readonly renew: Latency;
}

const measureEngine = async (engine: string, store: StorePort, count: number): Promise<EngineLatency> => {
  let seq = 0;
  // Outbox writes are the lease holder's: take the lease first and write under its epoch.
  const held = await store.renewLease("bench", Date.now(), 15_000);
  const epoch = E.isRight(held) ? held.right.epoch : 0;
  const enqueue = await latency(count, async () => {
    seq += 1;
    return store.enqueueOutbox({ seq, source: "%1" as PaneId, kind: "report", message: "done", createdAt: seq }, epoch);
  });
  const append = await latency(count, () =>
    store.appendLog({ kind: "narrative", text: "a quiet tick", at: Date.now(), author: "kit" }),
  );
  const renew = await latency(count, () => store.renewLease("bench", Date.now(), 15_000));
  await store.close();
  return { engine, enqueue, append, renew };
};

export interface Takeover {
  readonly ttlMs: number;
  readonly tickMs: number;
  readonly rounds: readonly number[];
  readonly maxMs: number;
}

interface LeaseLoop {
  readonly child: ChildProcess;
  /** Resolves with the wall-clock time of this process's first `held` after `since`. */
  heldAfter(since: number): Promise<number>;
  readonly holding: () => boolean;
}

const startLeaseLoop = (url: string, schema: string, owner: string, tickMs: number, ttlMs: number): LeaseLoop => {
  const child = spawn(
    process.execPath,
    [
      "--conditions=@first-mate/source",
      "--import",
      "tsx",
      join(here, "leaseLoop.ts"),
      url,
      schema,
      owner,
      String(tickMs),
      String(ttlMs),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let holding = false;
  const helds: number[] = [];
  const waiters: Array<{ since: number; resolve: (at: number) => void }> = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const [state, at] = line.split(" ");
    holding = state === "held";
    if (holding) {
      helds.push(Number(at));
      for (const waiter of waiters.splice(0)) {
        if (Number(at) >= waiter.since) waiter.resolve(Number(at));
        else waiters.push(waiter);
      }
    }
  });
  return {
    child,
    holding: () => holding,
    heldAfter: (since) =>
      new Promise((resolve) => {
        const seen = helds.find((at) => at >= since);
        if (seen !== undefined) resolve(seen);
        else waiters.push({ since, resolve });
      }),
  };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const measureTakeover = async (
  server: ThrowawayPostgres,
  rounds: number,
  tickMs: number,
  ttlMs: number,
): Promise<Takeover> => {
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const schema = `takeover_${round}`;
    const a = startLeaseLoop(server.url, schema, `a${round}`, tickMs, ttlMs);
    const b = startLeaseLoop(server.url, schema, `b${round}`, tickMs, ttlMs);
    try {
      const deadline = Date.now() + 30_000;
      while (!a.holding() && !b.holding()) {
        if (Date.now() > deadline) throw new Error("no lease holder within 30 s");
        await sleep(20);
      }
      // Let a few renewals pass, then kill the holder at a random point of its tick.
      await sleep(2 * tickMs + Math.random() * tickMs);
      const [holder, standby] = a.holding() ? [a, b] : [b, a];
      const killedAt = Date.now();
      holder.child.kill("SIGKILL");
      const tookOverAt = await standby.heldAfter(killedAt);
      times.push(tookOverAt - killedAt);
    } finally {
      a.child.kill("SIGKILL");
      b.child.kill("SIGKILL");
    }
  }
  return { ttlMs, tickMs, rounds: times, maxMs: Math.max(...times) };
};

export interface StoreBench {
  readonly engines: readonly EngineLatency[];
  readonly takeover: Takeover;
}

/** Runs every store measurement; starts and stops its own PostgreSQL cluster and SQLite files. */
export const measureStores = async (
  options: { count?: number; takeoverRounds?: number; tickMs?: number; ttlMs?: number } = {},
): Promise<StoreBench> => {
  const count = options.count ?? 500;
  const directory = mkdtempSync(join(tmpdir(), "fm-store-bench-"));
  const server = await startThrowawayPostgres();
  try {
    const engines: EngineLatency[] = [];
    for (const synchronous of ["NORMAL", "FULL"] as const) {
      const store = must(openSqliteStore({ path: join(directory, `${synchronous}.db`), synchronous }));
      engines.push(await measureEngine(`SQLite ${synchronous}`, store, count));
    }
    for (const synchronousCommit of ["on", "off"] as const) {
      const postgres = must(
        await openPostgresStore({ url: server.url, schema: `bench_${synchronousCommit}`, synchronousCommit }),
      );
      engines.push(await measureEngine(`PostgreSQL local, synchronous_commit=${synchronousCommit}`, postgres, count));
    }
    const takeover = await measureTakeover(
      server,
      options.takeoverRounds ?? 5,
      options.tickMs ?? 500,
      options.ttlMs ?? 3000,
    );
    return { engines, takeover };
  } finally {
    await server.stop();
    rmSync(directory, { recursive: true, force: true });
  }
};
