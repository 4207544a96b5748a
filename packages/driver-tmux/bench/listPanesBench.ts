/**
 * Measures fleet observation side by side on one isolated tmux server:
 * the driver's `listPanes()`, the bare `tmux list-panes -a` call via execa,
 * and per-pane polling (one `display-message -p -t %N` per pane).
 *
 * Guarantees: starts its own isolated server (src/testing) and always
 * stops it (waiting for the process to exit).
 * Exported so the repository-wide bench can reuse it.
 */
import * as E from "fp-ts/lib/Either.js";
import { createTmuxDriver, PANE_LIST_FORMAT } from "../src/index.js";
import { startIsolatedTmuxServer } from "../src/testing/index.js";

export interface ListPanesMeasurement {
  readonly panes: number;
  /** Median wall time of one `listPanes()`, ms. */
  readonly driverMs: number;
  /** Median wall time of one bare `tmux list-panes -a`, ms. */
  readonly bareMs: number;
  /** Median wall time of the bare call with the driver's own format (what tmux itself spends on those fields), ms. */
  readonly bareSameFormatMs: number;
  /** Median wall time of polling every pane once, ms. */
  readonly perPaneMs: number;
  /** driverMs / bareMs (target ≤ 1.3). */
  readonly driverOverBare: number;
  /** driverMs / bareSameFormatMs: the driver's own overhead (execa + parsing). */
  readonly driverOverBareSameFormat: number;
  /** perPaneMs / driverMs (target ≥ 50 at 1000 panes). */
  readonly perPaneOverDriver: number;
}

export interface ListPanesBenchOptions {
  readonly panes: number;
  /** Runs of the single-call measurements (default 15). */
  readonly runs?: number;
  /** Runs of per-pane polling (default 3; it is slow). */
  readonly perPaneRuns?: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const timed = async (work: () => Promise<unknown>): Promise<number> => {
  const start = performance.now();
  await work();
  return performance.now() - start;
};

/** Starts a server holding `panes` panes running `sleep`, runs the three measurements, kills the server. */
export const measureListPanes = async (options: ListPanesBenchOptions): Promise<ListPanesMeasurement> => {
  const server = await startIsolatedTmuxServer({
    label: "bench",
    panes: options.panes,
    keepalive: false,
    stopDeadlineMs: 30_000,
  });
  const { tmux } = server;
  const driver = createTmuxDriver(server.driverOptions);
  try {
    const listed = await driver.listPanes();
    if (E.isLeft(listed) || listed.right.length !== options.panes)
      throw new Error(
        `expected ${options.panes} panes, got ${E.isLeft(listed) ? listed.left.message : listed.right.length}`,
      );
    const paneIds = listed.right.map((pane) => pane.paneId);

    const runs = options.runs ?? 15;
    const driverTimes: number[] = [];
    const bareTimes: number[] = [];
    const sameFormatTimes: number[] = [];
    // Interleaved so both see the same machine conditions.
    for (let run = 0; run < runs + 2; run++) {
      const driverTime = await timed(() => driver.listPanes());
      const bareTime = await timed(() => tmux(["list-panes", "-a"]));
      const sameFormatTime = await timed(() => tmux(["list-panes", "-a", "-F", PANE_LIST_FORMAT]));
      if (run >= 2) {
        driverTimes.push(driverTime);
        bareTimes.push(bareTime);
        sameFormatTimes.push(sameFormatTime);
      }
    }
    const perPaneTimes: number[] = [];
    for (let run = 0; run < (options.perPaneRuns ?? 3); run++) {
      perPaneTimes.push(
        await timed(async () => {
          for (const paneId of paneIds)
            await tmux(["display-message", "-p", "-t", paneId, "#{pane_id} #{pane_current_command} #{pane_title}"]);
        }),
      );
    }
    const driverMs = median(driverTimes);
    const bareMs = median(bareTimes);
    const perPaneMs = median(perPaneTimes);
    const bareSameFormatMs = median(sameFormatTimes);
    return {
      panes: options.panes,
      driverMs,
      bareMs,
      bareSameFormatMs,
      perPaneMs,
      driverOverBare: driverMs / bareMs,
      driverOverBareSameFormat: driverMs / bareSameFormatMs,
      perPaneOverDriver: perPaneMs / driverMs,
    };
  } finally {
    await driver.close();
    await server.stop();
  }
};
