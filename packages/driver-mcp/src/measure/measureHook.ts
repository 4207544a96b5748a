/**
 * Measuring the hook command: wall time from spawning `first-mate-hook` to
 * its exit, with a recorded payload on stdin, against a running channel
 * server (and, for comparison in the same run, against no server, and a
 * bare `node -e ""` start-up).
 *
 * For benchmarks only. The server's host answers hooks at once, so the
 * numbers are the command's own cost: process start-up, reading stdin,
 * one connect, one line each way.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ToolHost } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import { createChannelServer } from "../channelServer.js";
import { type LatencyStats, summarizeLatencies } from "./latencyStats.js";

/** How to measure the hook command: its argv, how many runs, the payload, and how many bare-Node runs to compare with. */
export interface HookMeasureOptions {
  /** argv that starts the hook command, e.g. [process.execPath, "dist/hook/bin.js"]. */
  readonly hookArgv: readonly string[];
  readonly runs: number;
  /** The payload written to the command's stdin. */
  readonly payload: string;
  /** Runs for the comparison rows (no server, bare node); default runs / 4. */
  readonly comparisonRuns?: number;
}

/** Hook latencies: against a live server, with the server down, and a bare Node start for comparison. */
export interface HookMeasurement {
  readonly againstServer: LatencyStats;
  readonly serverDown: LatencyStats;
  readonly bareNode: LatencyStats;
  /** Hook payloads the server's host received (should equal the runs against it). */
  readonly delivered: number;
  /** Runs that exited with a code other than 0 (should be none). */
  readonly nonZeroExits: number;
}

const timeOnce = (argv: readonly string[], env: NodeJS.ProcessEnv, input: string): Promise<[number, number | null]> =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ["pipe", "ignore", "ignore"] });
    child.once("error", reject);
    child.once("exit", (code) => resolve([performance.now() - started, code]));
    child.stdin.on("error", () => undefined);
    child.stdin.end(input);
  });

const hostThatCounts = (counter: { delivered: number }): ToolHost =>
  ({
    firstMateMarker: async () => null,
    agentHook: async () => {
      counter.delivered++;
      return E.right("idle via hook");
    },
  }) as unknown as ToolHost;

/** Measure the hook command; see the module header. Starts and always stops its own server. */
export const measureHookCommand = async (options: HookMeasureOptions): Promise<HookMeasurement> => {
  const dir = await mkdtemp(join(tmpdir(), "fm-hook-bench-"));
  const socketPath = join(dir, "run", "channel.sock");
  const counter = { delivered: 0 };
  const server = createChannelServer({ socketPath, host: hostThatCounts(counter) });
  try {
    const listening = await server.listen();
    if (E.isLeft(listening)) throw new Error(listening.left.message);
    const env = { ...process.env, TMUX_PANE: "%1", FIRST_MATE_SOCKET: socketPath };
    const downEnv = { ...env, FIRST_MATE_SOCKET: join(dir, "nobody.sock") };
    const comparisonRuns = options.comparisonRuns ?? Math.max(1, Math.floor(options.runs / 4));
    const against: number[] = [];
    const down: number[] = [];
    const bare: number[] = [];
    let nonZeroExits = 0;
    // Interleaved, so a burst of machine load hits every row alike.
    for (let run = 0; run < options.runs; run++) {
      const [elapsed, code] = await timeOnce(options.hookArgv, env, options.payload);
      against.push(elapsed);
      if (code !== 0) nonZeroExits++;
      if (run % Math.max(1, Math.floor(options.runs / comparisonRuns)) === 0) {
        const [downElapsed, downCode] = await timeOnce(options.hookArgv, downEnv, options.payload);
        down.push(downElapsed);
        if (downCode !== 0) nonZeroExits++;
        bare.push((await timeOnce([process.execPath, "-e", ""], env, ""))[0]);
      }
    }
    return {
      againstServer: summarizeLatencies(against),
      serverDown: summarizeLatencies(down),
      bareNode: summarizeLatencies(bare),
      delivered: counter.delivered,
      nonZeroExits,
    };
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
};
