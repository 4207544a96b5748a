/**
 * Interrupt latency (docs/design.md, Targets): notify(need_human) → channel notification at
 * the first mate, beside a bare SDK round trip on the same unix-socket
 * transport. Run: npm run bench -w packages/driver-mcp [-- samples]
 */
import { type LatencyStats, measureInterrupt } from "../src/measure/index.js";

const samples = Number(process.argv[2] ?? 2_000);
const result = await measureInterrupt({ samples });

const ms = (value: number) => `${value.toFixed(3)} ms`;
const row = (name: string, stats: LatencyStats) => ({
  path: name,
  samples: stats.samples,
  p50: ms(stats.p50),
  p99: ms(stats.p99),
  mean: ms(stats.mean),
  max: ms(stats.max),
});

console.log(`interrupt latency over a unix socket (${samples} samples each, interleaved)`);
console.table([
  row("notify(need_human) → channel push", result.interrupt),
  row("bare ping round trip", result.bareRoundTrip),
  row("trivial tool call round trip", result.toolRoundTrip),
]);
const p99Target = result.interrupt.p99 <= 5;
const ratioTarget = result.ratioP99 <= 2;
console.log(`interrupt ÷ bare ping: p50 ×${result.ratioP50.toFixed(2)}, p99 ×${result.ratioP99.toFixed(2)}`);
console.log(
  `interrupt ÷ tool call: p50 ×${(result.interrupt.p50 / result.toolRoundTrip.p50).toFixed(2)}, p99 ×${(result.interrupt.p99 / result.toolRoundTrip.p99).toFixed(2)}`,
);
console.log(`target p99 ≤ 5 ms: ${p99Target ? "met" : "MISSED"} (${ms(result.interrupt.p99)})`);
console.log(
  `target within 2× of bare round trip (p99): ${ratioTarget ? "met" : "MISSED"} (×${result.ratioP99.toFixed(2)})`,
);
