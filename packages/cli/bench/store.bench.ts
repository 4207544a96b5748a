/**
 * The store rows of `npm run bench` on their own: outbox enqueue, log
 * append and lease renewal on SQLite (NORMAL, FULL) and a local PostgreSQL
 * (synchronous_commit on, off), and the takeover time after the PostgreSQL
 * lease holder is killed. Prints a table and the JSON.
 *
 * Run: node --conditions=@first-mate/source --import tsx packages/cli/bench/store.bench.ts
 */
import { measureStores } from "./storeBench.js";

const stores = await measureStores();
const ms = (value: number) => value.toFixed(2);
for (const engine of stores.engines) {
  const cells = [engine.enqueue, engine.append, engine.renew].map(
    (latency) => `${ms(latency.p50)} (${ms(latency.p99)})`,
  );
  process.stdout.write(
    `${engine.engine.padEnd(42)} enqueue ${cells[0]}  append ${cells[1]}  renew ${cells[2]}  ms p50 (p99)\n`,
  );
}
const { takeover } = stores;
process.stdout.write(
  `takeover after SIGKILL of the PostgreSQL lease holder (ttl ${takeover.ttlMs}, tick ${takeover.tickMs}): ${takeover.rounds.map((value) => value.toFixed(0)).join(", ")} ms; target ≤ ${takeover.ttlMs + takeover.tickMs} ms\n`,
);
process.stdout.write(`${JSON.stringify(stores)}\n`);
