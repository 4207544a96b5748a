/**
 * Runner for the core bench: `npm run bench -w packages/core`.
 * Prints a table; the measuring lives in coreBench.ts.
 */
import { measureCore } from "./coreBench.js";

const TARGET_US_PER_PANE = 1;
const rows = [100, 1000, 5000].map((panes) => measureCore({ panes, iterations: panes >= 5000 ? 100 : 300 }));

const fixed = (value: number, digits = 3) => value.toFixed(digits);
console.log("first-mate core bench (median of measured iterations after warm-up)\n");
console.log("panes | curate+digest+diverge µs | µs/pane | step quiet µs | µs/pane | step push µs | µs/pane");
console.log("------|--------------------------|---------|---------------|---------|--------------|--------");
for (const row of rows) {
  console.log(
    [
      String(row.panes).padStart(5),
      fixed(row.pipelineUs, 1).padStart(24),
      fixed(row.pipelineUsPerPane).padStart(7),
      fixed(row.stepQuietUs, 1).padStart(13),
      fixed(row.stepQuietUsPerPane).padStart(7),
      fixed(row.stepPushUs, 1).padStart(12),
      fixed(row.stepPushUsPerPane).padStart(6),
    ].join(" | "),
  );
}
const at1000 = rows.find((row) => row.panes === 1000)!;
const verdict = at1000.pipelineUsPerPane <= TARGET_US_PER_PANE ? "meets" : "MISSES";
console.log(
  `\nat 1000 panes: curate + digest + diverge ${fixed(at1000.pipelineUsPerPane)} µs/pane — ${verdict} the ≤ ${TARGET_US_PER_PANE} µs/pane target (docs/design.md, Targets)`,
);
