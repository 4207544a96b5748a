/**
 * Bench fixture: one would-be lease holder on PostgreSQL. Renews the lease
 * every tick, as the runtime does, and prints `held <ms>` or `free <ms>`
 * (wall clock) after each renewal.
 *
 * Usage: leaseLoop.ts <url> <schema> <owner> <tickMs> <ttlMs>
 */
import { openPostgresStore } from "@first-mate/store-postgres";
import * as E from "fp-ts/lib/Either.js";

const [url, schema, owner, tickText, ttlText] = process.argv.slice(2);
const tickMs = Number(tickText);
const ttlMs = Number(ttlText);
const opened = await openPostgresStore({ url: url!, schema: schema! });
if (E.isLeft(opened)) {
  process.stderr.write(`${opened.left._tag}: ${opened.left.message}\n`);
  process.exit(2);
}
const store = opened.right;
for (;;) {
  const renewed = await store.renewLease(owner!, Date.now(), ttlMs);
  process.stdout.write(`${E.isRight(renewed) && renewed.right.held ? "held" : "free"} ${Date.now()}\n`);
  await new Promise((resolve) => setTimeout(resolve, tickMs));
}
