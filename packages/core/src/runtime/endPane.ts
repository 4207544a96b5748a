/**
 * Ending a pane so that its agent really ends: record the pane's process
 * tree, close the pane, then walk the ladder (SIGHUP → SIGTERM → SIGKILL,
 * each with a grace period) over whatever is still alive.
 *
 * Thin: which processes count and what to log or raise are the core's
 * decisions (decisions/paneEnding.ts); the ladder is data. Without a process
 * port (or a pane pid) it only closes the pane, as tmux alone would.
 * Never throws.
 */
import * as E from "fp-ts/lib/Either.js";
import { processesToEnd } from "../decisions/paneEnding.js";
import type { PaneId } from "../domain/paneId.js";
import { DEFAULT_END_LADDER, type EndStep, type PaneEndReport, type PaneProcess } from "../domain/paneProcess.js";
import type { TmuxError } from "../ports/errors.js";
import type { ProcessPort } from "../ports/processPort.js";
import type { TmuxPort } from "../ports/tmuxPort.js";

/** What `endPane` needs: tmux to close the pane, and the process port to end what remains. */
export interface EndPanePorts {
  readonly tmux: Pick<TmuxPort, "kill">;
  readonly processes?: ProcessPort | undefined;
  /** How long to wait (default: a timer). */
  readonly sleep?: (ms: number) => Promise<void>;
}

const POLL_MS = 50;
const timerSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const program = (process: PaneProcess) => (process.argv[0] ?? `pid ${process.pid}`).slice(0, 200);

/**
 * Walk the ladder over `recorded` processes: at each rung signal what is
 * still alive, then wait up to the rung's grace for it to exit.
 */
export const runEndLadder = async (
  processes: ProcessPort,
  recorded: readonly PaneProcess[],
  ladder: readonly EndStep[] = DEFAULT_END_LADDER,
  sleep: (ms: number) => Promise<void> = timerSleep,
): Promise<Pick<PaneEndReport, "steps" | "survivors">> => {
  const steps: PaneEndReport["steps"][number][] = [];
  let remaining = recorded.length === 0 ? [] : await processes.alive(recorded);
  for (const step of ladder) {
    if (remaining.length === 0) break;
    const signalled = await processes.signal(remaining, step.signal);
    let waited = 0;
    remaining = await processes.alive(remaining);
    while (remaining.length > 0 && waited < step.graceMs) {
      const pause = Math.min(POLL_MS, step.graceMs - waited);
      await sleep(pause);
      waited += pause;
      remaining = await processes.alive(remaining);
    }
    steps.push({ signal: step.signal, signalled: signalled.length, remaining: remaining.length });
  }
  return {
    steps,
    survivors: remaining.slice(0, 64).map((process) => ({ pid: process.pid, program: program(process) })),
  };
};

/** Record the tree of `target.pid`, close the pane, then end what remains of the tree. */
export const endPane = async (
  ports: EndPanePorts,
  target: { readonly paneId: PaneId; readonly pid: number | null },
  ladder: readonly EndStep[] = DEFAULT_END_LADDER,
): Promise<{ readonly closed: E.Either<TmuxError, void>; readonly report: PaneEndReport }> => {
  let recorded: readonly PaneProcess[] = [];
  let spared = 0;
  let unrecorded: string | null = null;
  if (ports.processes === undefined) unrecorded = "no process port";
  else if (target.pid === null) unrecorded = "pane pid unknown";
  else {
    try {
      const tree = await ports.processes.tree(target.pid);
      if (E.isLeft(tree)) unrecorded = tree.left.message;
      else {
        const split = processesToEnd(tree.right);
        recorded = split.end;
        spared = split.spared.length;
      }
    } catch (error) {
      unrecorded = error instanceof Error ? error.message : String(error);
    }
  }
  let closed: E.Either<TmuxError, void>;
  try {
    closed = await ports.tmux.kill(target.paneId);
  } catch (error) {
    closed = E.left({ _tag: "TmuxCommandFailed", message: String(error), exitCode: null, stderr: "" });
  }
  const ended =
    ports.processes === undefined || recorded.length === 0
      ? { steps: [], survivors: [] }
      : await runEndLadder(ports.processes, recorded, ladder, ports.sleep).catch(() => ({
          steps: [],
          survivors: recorded.map((process) => ({ pid: process.pid, program: program(process) })),
        }));
  return {
    closed,
    report: { recorded: recorded.length, spared, unrecorded: unrecorded?.slice(0, 500) ?? null, ...ended },
  };
};
