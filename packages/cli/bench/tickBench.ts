/**
 * One heartbeat tick at N panes on the real stack, beside the bare
 * `tmux list-panes -a` call and per-pane polling (one tmux call per pane),
 * all on the same isolated server in the same run (docs/design.md, Targets:
 * at 1000 panes a tick within 1.3× of the bare call and ≤ 0.8× the bare
 * spawned call asking for the same fields, ≥ 50× faster than per-pane
 * polling, and no process started per tick).
 *
 * A tick here is what the runtime does every tickMs: `fleet.observe`
 * (driver listPanes + the store's supervisor flags) and `step` on the
 * resulting FleetObserved, with a first mate attached and a picture sent.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CoreState, EMPTY_HYDRATION, type Event, initialState, parseCoreConfig, step } from "@first-mate/core";
import { executeCommand, systemClock } from "@first-mate/core/runtime";
import { createTmuxDriver, PANE_LIST_FORMAT } from "@first-mate/driver-tmux";
import { openSqliteStore } from "@first-mate/store-sqlite";
import * as E from "fp-ts/lib/Either.js";
import { startBenchTmuxServer } from "./benchTmuxServer.js";

export interface TickResult {
  readonly panes: number;
  readonly tickMs: number;
  readonly bareMs: number;
  /** The bare call asking tmux for the same fields the driver needs (current command, length-prefixed names). */
  readonly bareSameFieldsMs: number;
  readonly perPaneMs: number;
  readonly tickOverBare: number;
  /** tickMs / bareSameFieldsMs (target ≤ 0.8 at 1000 panes: no process is started per tick). */
  readonly tickOverBareSameFields: number;
  readonly perPaneOverTick: number;
  /** tmux processes the driver started per tick in steady state (target 0). */
  readonly spawnsPerTick: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const TOKEN_HASH = "0".repeat(64);

export const measureTick = async (
  panes: number,
  options: { runs?: number; perPaneRuns?: number } = {},
): Promise<TickResult> => {
  const server = await startBenchTmuxServer("tick", panes);
  const dir = mkdtempSync(join(tmpdir(), "fm-bench-tick-"));
  const tmux = createTmuxDriver({ socketName: server.socketName });
  const opened = openSqliteStore({ path: join(dir, "db.sqlite") });
  if (E.isLeft(opened)) throw new Error(opened.left.message);
  const store = opened.right;
  const unused = () => {
    throw new Error("not used by a tick");
  };
  const ports = {
    tmux,
    store,
    clock: systemClock,
    channel: { emit: async () => true, subscribe: () => () => {} },
    launcher: { prepare: unused },
  };
  try {
    // A core that has a marked, attached first mate and has pushed the picture once.
    const config = parseCoreConfig({});
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
    let observeId = state.observe.inFlight?.id ?? 0;
    const tick = async () => {
      const outcome = await executeCommand({ type: "fleet.observe", observeId }, ports);
      if (outcome.kind !== "event") throw new Error("observe gave no event");
      const commands = feed(outcome.event);
      for (const command of commands)
        if (command.type === "channel.emit")
          feed({ type: "EmitSucceeded", now: systemClock.now(), emitId: command.emitId });
      const [next] = step(state, { type: "Ticked", now: systemClock.now() });
      state = next;
      observeId = state.observe.inFlight?.id ?? observeId;
    };
    await tick();
    await tick();

    const runs = options.runs ?? 15;
    const spawnedBefore = tmux.transportStats().spawnedClients;
    const tickTimes: number[] = [];
    const bareTimes: number[] = [];
    const sameFieldsTimes: number[] = [];
    for (let run = 0; run < runs; run++) {
      let start = performance.now();
      await tick();
      tickTimes.push(performance.now() - start);
      start = performance.now();
      await server.tmux(["list-panes", "-a"]);
      bareTimes.push(performance.now() - start);
      start = performance.now();
      await server.tmux(["list-panes", "-a", "-F", PANE_LIST_FORMAT]);
      sameFieldsTimes.push(performance.now() - start);
    }
    const spawnsPerTick = (tmux.transportStats().spawnedClients - spawnedBefore) / runs;
    const ids = (await server.tmux(["list-panes", "-a", "-F", "#{pane_id}"])).split("\n").filter(Boolean);
    const perPaneTimes: number[] = [];
    for (let run = 0; run < (options.perPaneRuns ?? 1); run++) {
      const start = performance.now();
      for (const id of ids)
        await server.tmux(["display-message", "-p", "-t", id, "#{pane_id} #{pane_current_command} #{pane_title}"]);
      perPaneTimes.push(performance.now() - start);
    }
    const tickMs = median(tickTimes);
    const bareMs = median(bareTimes);
    const bareSameFieldsMs = median(sameFieldsTimes);
    const perPaneMs = median(perPaneTimes);
    return {
      panes,
      tickMs,
      bareMs,
      bareSameFieldsMs,
      perPaneMs,
      tickOverBare: tickMs / bareMs,
      tickOverBareSameFields: tickMs / bareSameFieldsMs,
      perPaneOverTick: perPaneMs / tickMs,
      spawnsPerTick,
    };
  } finally {
    await tmux.close();
    await store.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
