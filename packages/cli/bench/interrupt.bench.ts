/**
 * The interrupt measures of `npm run bench` alone: the channel by itself (a forwarding host), then the whole host
 * with SQLite `NORMAL` and `FULL`, each beside a bare SDK round trip, with the same samples as the suite. Prints the
 * results as one JSON line, with the load average before and after: run it several times, and A/B back to back.
 * Run: node --conditions=@first-mate/source --import tsx packages/cli/bench/interrupt.bench.ts [samples]
 */
import { cpus, loadavg } from "node:os";
import { measureInterrupt } from "@first-mate/driver-mcp/measure";
import { measureHostInterrupt } from "./hostInterruptBench.js";

const samples = Number(process.argv[2] ?? 1_000);
const before = loadavg();
const channel = await measureInterrupt({ samples: samples * 2 });
const hostNormal = await measureHostInterrupt("NORMAL", samples, 100);
const hostFull = await measureHostInterrupt("FULL", samples, 100);
process.stdout.write(
  `${JSON.stringify({ channel, hostNormal, hostFull, loadAverage: { before, after: loadavg() }, cores: cpus().length })}\n`,
);
