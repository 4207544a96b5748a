/**
 * `npm run bench`: every target of docs/design.md (Targets) measured side by side in one run.
 * Prints a table and writes bench-results/bench-<timestamp>.json.
 *
 * Needs tmux and the built packages (`npm run build`; the root script does
 * it) for the memory figure, which measures the host as deployed.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { measureInterrupt } from "@first-mate/driver-mcp/measure";
import { measureCore } from "../../core/bench/coreBench.js";
import { measureDetection } from "./detectionBench.js";
import { measureHostInterrupt } from "./hostInterruptBench.js";
import { idleSeconds, measureIdleFleet } from "./idleFleetBench.js";
import { measureMemory } from "./memoryBench.js";
import { measurePushEconomy } from "./pushEconomyBench.js";
import { measureRespawn } from "./respawnBench.js";
import { measureStores } from "./storeBench.js";
import { measureTick } from "./tickBench.js";

interface Row {
  readonly measure: string;
  readonly value: string;
  readonly target: string;
  readonly met: boolean | null;
}

const rows: Row[] = [];
const results: Record<string, unknown> = {};
const fixed = (value: number, digits = 2) => value.toFixed(digits);
const say = (line: string) => process.stderr.write(`${line}\n`);

say("pure core (curate + digest + diverge) …");
for (const panes of [100, 1000]) {
  const core = measureCore({ panes });
  results[`core${panes}`] = core;
  rows.push({
    measure: `pure core at ${panes} panes, µs/pane`,
    value: fixed(core.pipelineUsPerPane, 3),
    target: "≤ 1 µs/pane",
    met: core.pipelineUsPerPane <= 1,
  });
}

for (const panes of [10, 100, 1000]) {
  say(`tick at ${panes} panes …`);
  const tick = await measureTick(panes, { runs: panes >= 1000 ? 9 : 15, perPaneRuns: 1 });
  results[`tick${panes}`] = tick;
  rows.push({
    measure: `tick at ${panes} panes (tick / bare list-panes / per-pane polling, ms)`,
    value: `${fixed(tick.tickMs, 1)} / ${fixed(tick.bareMs, 1)} / ${fixed(tick.perPaneMs, 0)}`,
    target: panes === 1000 ? "tick ≤ 1.3× bare, ≥ 50× faster than per-pane" : "—",
    met: panes === 1000 ? tick.tickOverBare <= 1.3 && tick.perPaneOverTick >= 50 : null,
  });
  rows.push({
    measure: `  bare spawned list-panes asking for the driver's fields at ${panes}, ms (tick / it)`,
    value: `${fixed(tick.bareSameFieldsMs, 1)} (${fixed(tick.tickOverBareSameFields)}×)`,
    target: panes === 1000 ? "tick ≤ 0.8× it" : "—",
    met: panes === 1000 ? tick.tickOverBareSameFields <= 0.8 : null,
  });
  rows.push({
    measure: `  tmux processes started per tick at ${panes} (steady state)`,
    value: fixed(tick.spawnsPerTick, 2),
    target: "0",
    met: tick.spawnsPerTick === 0,
  });
  rows.push({
    measure: `  ratios at ${panes}: tick/bare, per-pane/tick`,
    value: `${fixed(tick.tickOverBare)}× , ${fixed(tick.perPaneOverTick, 0)}×`,
    target: panes === 1000 ? "≤ 1.3× , ≥ 50×" : "—",
    met: panes === 1000 ? tick.tickOverBare <= 1.3 && tick.perPaneOverTick >= 50 : null,
  });
}

const seconds = idleSeconds();
say(`idle 100-pane fleet, ${seconds} s (FM_BENCH_IDLE_SECONDS; the target needs ≥ 300) …`);
const idle = await measureIdleFleet(100, seconds);
results.idleFleet = idle;
rows.push({
  measure: `idle ${idle.panes - 1} agent panes over ${fixed(idle.seconds, 0)} s: host CPU, % of one core (ms; s/hour)`,
  value: `${fixed(idle.hostCorePercent, 3)} % (${fixed(idle.hostCpuMs, 0)} ms; ${fixed(idle.hostCpuSecondsPerHour, 1)} s/h)`,
  target: "≤ 0.05 % over ≥ 300 s",
  met: idle.seconds >= 300 ? idle.hostCorePercent <= 0.05 : null,
});
rows.push({
  measure: "  idle fleet: host's tmux client / tmux server, % of one core",
  value: `${fixed(idle.hostClientsCorePercent, 3)} % / ${fixed(idle.serverCorePercent, 3)} %`,
  target: "—",
  met: null,
});
rows.push({
  measure: "  idle fleet: tmux processes started per tick; commands over the connection",
  value: `${fixed(idle.spawnsPerTick, 2)}; ${idle.connectionCommands}`,
  target: "0 per tick",
  met: idle.spawnsPerTick === 0,
});

say("agent detection through wrappers at 1000 panes …");
const detection = await measureDetection(1000);
results.detection1000 = detection;
rows.push({
  measure: "tick at 1000 panes with detection / without / bare list-panes, ms",
  value: `${fixed(detection.tickWithDetectionMs, 1)} / ${fixed(detection.tickWithoutDetectionMs, 1)} / ${fixed(detection.bareMs, 1)} (${detection.processesInTrees} processes in trees, ${detection.agentsDetected} wrapped agents found)`,
  target: "with detection ≤ 1.2× bare",
  met: detection.withDetectionOverBare <= 1.2,
});
rows.push({
  measure: "  detection: cost per tick, ms; with detection / bare",
  value: `${fixed(detection.detectionCostMs, 1)}; ${fixed(detection.withDetectionOverBare)}×`,
  target: "≤ 1.2×",
  met: detection.withDetectionOverBare <= 1.2,
});

say("interrupt latency …");
const interrupt = await measureInterrupt({ samples: 2000 });
results.interrupt = interrupt;
rows.push({
  measure: "interrupt on the channel alone (forwarding host), p50 / p99 ms",
  value: `${fixed(interrupt.interrupt.p50, 3)} / ${fixed(interrupt.interrupt.p99, 3)}`,
  target: "p99 ≤ 5 ms",
  met: interrupt.interrupt.p99 <= 5,
});
rows.push({
  measure: "  bare SDK round trip, p50 / p99 ms; ratio p99",
  value: `${fixed(interrupt.bareRoundTrip.p50, 3)} / ${fixed(interrupt.bareRoundTrip.p99, 3)}; ${fixed(interrupt.ratioP99)}×`,
  target: "interrupt ≤ 2× bare",
  met: interrupt.ratioP99 <= 2,
});

for (const sync of ["NORMAL", "FULL"] as const) {
  say(`interrupt latency through the whole host (SQLite ${sync}) …`);
  const host = await measureHostInterrupt(sync, 1000, 100);
  results[`hostInterrupt${sync}`] = host;
  rows.push({
    measure: `interrupt through the host, SQLite ${sync}: p50 / p99 ms (bare ping p50 / p99)`,
    value: `${fixed(host.interrupt.p50, 3)} / ${fixed(host.interrupt.p99, 3)} (${fixed(host.bareRoundTrip.p50, 3)} / ${fixed(host.bareRoundTrip.p99, 3)})`,
    target: "p99 ≤ 5 ms, ≤ 2× bare",
    met: host.interrupt.p99 <= 5 && host.ratioP99 <= 2,
  });
}

say("store latency: SQLite NORMAL/FULL and a local PostgreSQL; lease takeover …");
const stores = await measureStores();
results.stores = stores;
for (const engine of stores.engines) {
  const isPostgres = engine.engine.startsWith("PostgreSQL");
  rows.push({
    measure: `store ${engine.engine}: enqueue / append / renew p50 (p99) ms`,
    value: [engine.enqueue, engine.append, engine.renew]
      .map((latency) => `${fixed(latency.p50)} (${fixed(latency.p99, 1)})`)
      .join(" / "),
    target: isPostgres ? "enqueue p50 ≤ 2 ms" : "—",
    met: isPostgres ? engine.enqueue.p50 <= 2 : null,
  });
}
rows.push({
  measure: `PostgreSQL lease holder killed → standby holds it, ms (ttl ${stores.takeover.ttlMs}, tick ${stores.takeover.tickMs})`,
  value: `${stores.takeover.rounds.map((ms) => fixed(ms, 0)).join(", ")} (max ${fixed(stores.takeover.maxMs, 0)})`,
  target: `≤ ttl + one tick = ${stores.takeover.ttlMs + stores.takeover.tickMs} ms`,
  met: stores.takeover.maxMs <= stores.takeover.ttlMs + stores.takeover.tickMs,
});

say("respawn latency …");
const respawn = await measureRespawn(20);
results.respawn = respawn;
rows.push({
  measure: "first-mate death → new marked pane, p50 / max ms",
  value: `${fixed(respawn.p50Ms, 0)} / ${fixed(respawn.maxMs, 0)}`,
  target: "≤ 1000 ms",
  met: respawn.maxMs <= 1000,
});

say("push economy …");
const economy = measurePushEconomy({ panes: 100, ticks: 480, seed: 20_261_127, changeRate: 0.01 });
results.pushEconomy = economy;
rows.push({
  measure: "push economy: pushes vs divergent ticks (wakes ratio)",
  value: `${economy.pushes} vs ${economy.divergentTicks} (${fixed(economy.wakesVsEveryTick)})`,
  target: "≤ 0.5 of push-on-every-divergent-tick",
  met: economy.wakesVsEveryTick <= 0.5,
});
rows.push({
  measure: "  incomplete pushes / changes swallowed by first-change-only",
  value: `${economy.incompletePushes} / ${economy.firstChangeOnlySwallowed} of ${economy.materialChanges}`,
  target: "0 incomplete",
  met: economy.incompletePushes === 0,
});
rows.push({
  measure: "  idle fleet pushes; median / max push bytes at 100 panes",
  value: `${economy.idleFleetPushes}; ${economy.pushBytesMedian} / ${economy.pushBytesMax}`,
  target: "0 idle; median ≤ 1024 B",
  met: economy.idleFleetPushes === 0 && economy.pushBytesMedian <= 1024,
});

say("memory (1000 panes, 200 sessions) …");
const memory = await measureMemory(1000, 200);
results.memory = memory;
rows.push({
  measure: `host RSS with ${memory.panes} panes + ${memory.sessions} sessions, MB`,
  value: fixed(memory.rssMb, 1),
  target: "< 100 MB",
  met: memory.rssMb < 100,
});

const widths = [
  Math.max(...rows.map((row) => row.measure.length), 7),
  Math.max(...rows.map((row) => row.value.length), 5),
  Math.max(...rows.map((row) => row.target.length), 6),
];
const line = (cells: string[]) => cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join("  ");
process.stdout.write(`${line(["measure", "value", "target"])}  met\n`);
for (const row of rows) {
  process.stdout.write(
    `${line([row.measure, row.value, row.target])}  ${row.met === null ? "" : row.met ? "yes" : "NO"}\n`,
  );
}
const directory = join(process.cwd(), "bench-results");
mkdirSync(directory, { recursive: true });
const file = join(directory, `bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(
  file,
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, results, rows }, null, 2)}\n`,
);
process.stdout.write(`\nwritten: ${file}\n`);
