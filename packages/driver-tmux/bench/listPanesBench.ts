/**
 * Measures fleet observation side by side on one isolated tmux server:
 * the driver's `listPanes()`, the bare `tmux list-panes -a` call via execa,
 * and per-pane polling (one `display-message -p -t %N` per pane).
 *
 * Guarantees: starts its own server on a unique `-L` socket with
 * `-f /dev/null` and always kills it (waiting for the process to exit).
 * Exported so the repository-wide bench can reuse it.
 */
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import * as E from "fp-ts/lib/Either.js";
import { createTmuxDriver, PANE_LIST_FORMAT } from "../src/index.js";

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

const WINDOWS_PER_SESSION = 250;

/** Starts a server holding `panes` panes running `sleep`, runs the three measurements, kills the server. */
export const measureListPanes = async (options: ListPanesBenchOptions): Promise<ListPanesMeasurement> => {
  const socketName = `fm-bench-${process.pid}-${options.panes}-${Math.random().toString(36).slice(2, 8)}`;
  const tmux = (args: readonly string[]) =>
    execa("tmux", ["-u", "-f", "/dev/null", "-L", socketName, ...args], { env: { TMUX: undefined } });
  const script: string[] = [];
  for (let index = 0; index < options.panes; index++) {
    const session = `bench${Math.floor(index / WINDOWS_PER_SESSION)}`;
    script.push(
      index % WINDOWS_PER_SESSION === 0
        ? `new-session -d -s ${session} -n w${index} "exec sleep 3600"`
        : `new-window -d -t =${session}: -n w${index} "exec sleep 3600"`,
    );
  }
  const file = join(tmpdir(), `${socketName}.conf`);
  await writeFile(file, `${script.join("\n")}\n`);
  let serverPid: number | null = null;
  const driver = createTmuxDriver({ socketName });
  try {
    await tmux(["start-server", ";", "source-file", file]);
    serverPid = Number((await tmux(["display-message", "-p", "#{pid}"])).stdout);
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
    await rm(file, { force: true });
    await execa("tmux", ["-L", socketName, "kill-server"], { reject: false });
    if (serverPid !== null) {
      const deadline = Date.now() + 30_000;
      const alive = () => {
        try {
          process.kill(serverPid as number, 0);
          return true;
        } catch {
          return false;
        }
      };
      while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      if (alive()) process.kill(serverPid, "SIGKILL");
    }
    await rm(join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`, socketName), { force: true });
  }
};
