/**
 * First-mate death → new marked pane (docs/design.md, Targets: at most 1 s), on the real
 * stack: real tmux (isolated server), real SQLite file, real channel
 * server. The first mate is a plain long-running command so the measure is
 * the supervisor's, not an agent's start-up. Timings come from the
 * runtime's own reports: kill issued → SpawnSucceeded.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PaneId } from "@first-mate/core";
import type { RuntimeReport } from "@first-mate/core/runtime";
import * as E from "fp-ts/lib/Either.js";
import { parseHostConfig } from "../src/host/hostConfig.js";
import { startHost } from "../src/host/startHost.js";
import { startBenchTmuxServer } from "./benchTmuxServer.js";

export interface RespawnResult {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

export const measureRespawn = async (samples = 20): Promise<RespawnResult> => {
  const server = await startBenchTmuxServer("respawn");
  const dir = mkdtempSync(join(tmpdir(), "fm-bench-respawn-"));
  const parsed = parseHostConfig({
    tmux: { socketName: server.socketName },
    databasePath: join(dir, "db.sqlite"),
    socketPath: join(dir, "sock", "channel.sock"),
    stateDir: join(dir, "state"),
    cwd: dir,
    agent: { kind: "command", argv: ["sleep", "3600"] },
    // Every death here is "stable" so crash-loop protection does not add backoff to the measure.
    core: { minUptimeMs: 1, maxStarts: 10_000, tickMs: 30_000 },
  });
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  const started = await startHost({ config: parsed.config });
  if (E.isLeft(started)) throw new Error(started.left.message);
  const host = started.right;
  const spawned: number[] = [];
  host.runtime.subscribe((report: RuntimeReport) => {
    if (report.type === "event" && report.event.type === "SpawnSucceeded") spawned.push(performance.now());
  });
  const waitFor = async (predicate: () => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const latencies: number[] = [];
  try {
    await waitFor(() => host.runtime.status().firstMate !== null, "the first spawn");
    for (let index = 0; index < samples; index++) {
      const victim = host.runtime.status().firstMate!.paneId;
      await new Promise((resolve) => setTimeout(resolve, 50));
      const before = spawned.length;
      const killedAt = performance.now();
      await host.tmux.kill(victim as PaneId);
      await waitFor(() => spawned.length > before && host.runtime.status().firstMate?.paneId !== victim, "the respawn");
      latencies.push(spawned[before]! - killedAt);
    }
  } finally {
    await host.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    samples: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: Math.max(...latencies),
  };
};
