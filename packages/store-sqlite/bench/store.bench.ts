/**
 * Store benchmark: write throughput under `synchronous=FULL` and `NORMAL`,
 * the outbox round trip, and the read cost on the tick path.
 *
 * Run: npm run bench -w packages/store-sqlite
 * Environment: BENCH_DIR (where the database files go; default the system
 * temp dir; fsync cost depends on its filesystem), BENCH_WRITES (default 2000),
 * BENCH_READS (default 5000).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PaneId } from "@first-mate/core";
import { openSqliteStore, type SqliteStore, type SynchronousMode } from "@first-mate/store-sqlite";
import * as E from "fp-ts/lib/Either.js";

const WRITES = Number(process.env.BENCH_WRITES ?? 2000);
const READS = Number(process.env.BENCH_READS ?? 5000);
const root = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), "fm-store-bench-"));

const must = <T>(result: E.Either<{ _tag: string; message: string }, T>): T => {
  if (E.isLeft(result)) throw new Error(`${result.left._tag}: ${result.left.message}`);
  return result.right;
};

const open = (name: string, synchronous: SynchronousMode): SqliteStore =>
  must(openSqliteStore({ path: join(root, `${name}.db`), synchronous }));

const pane = (n: number): PaneId => `%${n}` as PaneId;

interface Row {
  readonly measure: string;
  readonly value: string;
  readonly unit: string;
}
const rows: Row[] = [];

const perSecond = async (count: number, operation: (n: number) => Promise<unknown>): Promise<number> => {
  const started = process.hrtime.bigint();
  for (let n = 1; n <= count; n++) await operation(n);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return count / seconds;
};

const latencies = async (count: number, operation: () => Promise<unknown>): Promise<number[]> => {
  for (let n = 0; n < 200; n++) await operation();
  const samples: number[] = [];
  for (let n = 0; n < count; n++) {
    const started = process.hrtime.bigint();
    await operation();
    samples.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return samples.sort((a, b) => a - b);
};

const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

const writeThroughput = async (synchronous: SynchronousMode): Promise<void> => {
  const store = open(`writes-${synchronous}`, synchronous);
  const appends = await perSecond(WRITES, async (n) =>
    must(await store.appendLog({ kind: "narrative", text: `entry ${n}`, at: n, author: "kit" })),
  );
  rows.push({ measure: `appendLog, synchronous=${synchronous}`, value: appends.toFixed(0), unit: "writes/s" });
  const roundTrips = await perSecond(WRITES, async (n) => {
    must(
      await store.enqueueOutbox({ seq: n, source: pane(n % 50), kind: "report", message: `r${n}`, createdAt: n }, 0),
    );
    must(await store.markDelivered(n, 0));
  });
  rows.push({
    measure: `enqueueOutbox + markDelivered, synchronous=${synchronous}`,
    value: roundTrips.toFixed(0),
    unit: "pairs/s",
  });
  await store.close();
};

const tickReads = async (): Promise<void> => {
  const store = open("reads", "FULL");
  const now = Date.now();
  for (let attempt = 1; attempt <= 20; attempt++) {
    must(
      await store.recordStart(
        {
          attempt,
          startedAt: now - (20 - attempt) * 60_000,
          endedAt: attempt === 20 ? null : now - (20 - attempt) * 60_000 + 5000,
          paneId: pane(attempt),
          outcome: attempt === 20 ? "running" : "unstable",
        },
        0,
      ),
    );
  }
  must(await store.setMarker({ paneId: pane(20), tokenHash: "ab".repeat(32), spawnedAt: now, attempt: 20 }, 0));
  for (let n = 1; n <= 50; n++) {
    must(
      await store.setAlert(
        {
          paneId: pane(n),
          kind: n % 5 === 0 ? "need_human" : "info",
          message: `alert ${n}`,
          raisedAt: now,
        },
        0,
      ),
    );
  }
  for (let seq = 1; seq <= 20; seq++) {
    must(
      await store.enqueueOutbox({ seq, source: pane(seq), kind: "need_human", message: `q${seq}`, createdAt: now }, 0),
    );
  }
  const cases: Array<[string, () => Promise<unknown>]> = [
    ["hydrate (20 ledger rows, 50 alerts, 20 pending)", async () => must(await store.hydrate())],
    ["readAlerts (50 alerts)", async () => must(await store.readAlerts())],
    ["listOutbox (20 pending)", async () => must(await store.listOutbox())],
    ["readKillSwitch", async () => must(await store.readKillSwitch())],
    ["renewLease (own lease; a FULL write)", async () => must(await store.renewLease("bench", Date.now(), 15_000))],
  ];
  for (const [name, operation] of cases) {
    const samples = await latencies(READS, operation);
    rows.push({
      measure: name,
      value: `${quantile(samples, 0.5).toFixed(1)} / ${quantile(samples, 0.99).toFixed(1)}`,
      unit: "µs median / p99",
    });
  }
  await store.close();
};

try {
  await writeThroughput("FULL");
  await writeThroughput("NORMAL");
  await tickReads();
  const width = Math.max(...rows.map((row) => row.measure.length));
  const valueWidth = Math.max(...rows.map((row) => row.value.length));
  console.log(`store-sqlite bench — ${WRITES} writes, ${READS} reads per case, files in ${root}`);
  console.log(`${"measure".padEnd(width)}  ${"value".padStart(valueWidth)}  unit`);
  for (const row of rows) console.log(`${row.measure.padEnd(width)}  ${row.value.padStart(valueWidth)}  ${row.unit}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
