/**
 * What agent detection through wrappers costs a tick, at N panes on a real
 * tmux server: the same tick (observe + step) with the driver reading every
 * pane's process tree (one pass over the process table) and with that read
 * turned off, beside the bare spawned `tmux list-panes -a`, all alternated
 * in one run. Target: the tick with detection ≤ 1.2× the bare listing.
 *
 * Half the panes run an agent-named program under a wrapper (`sh -c '…; :'`
 * keeps a shell above its child), so trees have more than one process, as
 * agents started by `node` or `python3` do, and detection has hits to find.
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CoreState, EMPTY_HYDRATION, type Event, initialState, parseCoreConfig, step } from "@first-mate/core";
import { executeCommand, systemClock } from "@first-mate/core/runtime";
import { createTmuxDriver, type TmuxDriver } from "@first-mate/driver-tmux";
import { openSqliteStore } from "@first-mate/store-sqlite";
import * as E from "fp-ts/lib/Either.js";
import { startBenchTmuxServer } from "./benchTmuxServer.js";

export interface DetectionResult {
  readonly panes: number;
  readonly processesInTrees: number;
  readonly agentsDetected: number;
  readonly bareMs: number;
  readonly tickWithoutDetectionMs: number;
  readonly tickWithDetectionMs: number;
  /** tick with detection / bare listing (target ≤ 1.2). */
  readonly withDetectionOverBare: number;
  readonly detectionCostMs: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const TOKEN_HASH = "0".repeat(64);

export const measureDetection = async (panes: number, runs = 11): Promise<DetectionResult> => {
  const server = await startBenchTmuxServer("detect", 0);
  const dir = mkdtempSync(join(tmpdir(), "fm-bench-detect-"));
  const withTrees = createTmuxDriver({ socketName: server.socketName });
  const withoutTrees = createTmuxDriver({ socketName: server.socketName, processTable: "off" });
  const opened = openSqliteStore({ path: join(dir, "db.sqlite") });
  if (E.isLeft(opened)) throw new Error(opened.left.message);
  const store = opened.right;
  const unused = () => {
    throw new Error("not used by a tick");
  };
  try {
    // Half plain sleepers, half a shell above an agent-named child (a `sleep` called `codex`).
    const agent = join(dir, "codex");
    symlinkSync("/bin/sleep", agent);
    const lines: string[] = [];
    for (let index = 0; index < panes; index++) {
      const session = `fleet${Math.floor(index / 250)}`;
      const command = index % 2 === 0 ? "exec sleep 3600" : `sh -c '${agent} 3600; :'`;
      lines.push(
        index % 250 === 0 ? `new-session -d -s ${session} "${command}"` : `new-window -d -t ${session}: "${command}"`,
      );
    }
    const script = join(dir, "fleet.conf");
    writeFileSync(script, `${lines.join("\n")}\n`);
    await server.tmux(["source-file", script]);

    const tickWith = async (driver: TmuxDriver) => {
      const config = parseCoreConfig({
        // The bench's sleepers named "codex" are agents for this table, so detection has hits to find.
        agentSignatures: [{ kind: "codex", names: ["codex"] }],
      });
      let state: CoreState = initialState(config);
      const feed = (event: Event) => {
        const [next, commands] = step(state, event);
        state = next;
        return commands;
      };
      const now = systemClock.now();
      feed({
        type: "Started",
        now,
        owner: "bench",
        hydration: {
          ...EMPTY_HYDRATION,
          marker: { paneId: "%0" as never, tokenHash: TOKEN_HASH, spawnedAt: now, attempt: 1 },
        },
      });
      feed({ type: "ChannelAttached", now, paneId: "%0" as never, firstMate: true });
      const ports = {
        tmux: driver,
        store,
        clock: systemClock,
        channel: { emit: async () => true, subscribe: () => () => {} },
        launcher: { prepare: unused },
      };
      let observeId = state.observe.inFlight?.id ?? 0;
      return async () => {
        const outcome = await executeCommand({ type: "fleet.observe", observeId }, ports);
        if (outcome.kind !== "event") throw new Error("observe gave no event");
        const commands = feed(outcome.event);
        for (const command of commands)
          if (command.type === "channel.emit")
            feed({ type: "EmitSucceeded", now: systemClock.now(), emitId: command.emitId });
        const [next] = step(state, { type: "Ticked", now: systemClock.now() });
        state = next;
        observeId = state.observe.inFlight?.id ?? observeId;
        return state;
      };
    };
    const detecting = await tickWith(withTrees);
    const blind = await tickWith(withoutTrees);
    // Warm both (the first pass reads every argv once; later passes only what is new).
    await detecting();
    await detecting();
    await blind();
    await blind();

    const bare: number[] = [];
    const without: number[] = [];
    const withDetection: number[] = [];
    let last: CoreState | null = null;
    for (let run = 0; run < runs; run++) {
      let start = performance.now();
      await server.tmux(["list-panes", "-a"]);
      bare.push(performance.now() - start);
      start = performance.now();
      await blind();
      without.push(performance.now() - start);
      start = performance.now();
      last = await detecting();
      withDetection.push(performance.now() - start);
    }
    const listed = await withTrees.listPanes();
    const processesInTrees = E.isRight(listed)
      ? listed.right.reduce((sum, pane) => sum + (pane.processes?.length ?? 0), 0)
      : 0;
    const agentsDetected = Object.values(last?.agents ?? {}).filter((record) => record.kind === "codex").length;
    const bareMs = median(bare);
    const tickWithoutDetectionMs = median(without);
    const tickWithDetectionMs = median(withDetection);
    return {
      panes,
      processesInTrees,
      agentsDetected,
      bareMs,
      tickWithoutDetectionMs,
      tickWithDetectionMs,
      withDetectionOverBare: tickWithDetectionMs / bareMs,
      detectionCostMs: tickWithDetectionMs - tickWithoutDetectionMs,
    };
  } finally {
    await withTrees.close();
    await withoutTrees.close();
    await store.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};

/** `node --import tsx detectionBench.ts [panes]`: this measure alone. */
if (process.argv[1]?.endsWith("detectionBench.ts")) {
  const panes = Number(process.argv[2] ?? 1000);
  const result = await measureDetection(panes);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
