/**
 * The idle-fleet measure of `npm run bench` alone: a host as deployed watching 100 agent panes that do nothing,
 * over `FM_BENCH_IDLE_SECONDS` (the target asks for ≥ 300). Needs the built packages (`npm run build`).
 * Prints the result as one JSON line.
 */
import { cpus, loadavg } from "node:os";
import { idleSeconds, measureIdleFleet } from "./idleFleetBench.js";

const before = loadavg();
const idle = await measureIdleFleet(100, idleSeconds());
process.stdout.write(
  `${JSON.stringify({ ...idle, loadAverage: { before, after: loadavg() }, cores: cpus().length })}\n`,
);
