/**
 * Closing a whole tmux server so that its agents really end: every pane's
 * process tree is recorded first (one read of the process table), then the
 * server is killed, then the ladder (SIGHUP → SIGTERM → SIGKILL) runs over
 * whatever is still alive. `kill-server` alone leaves an agent that catches
 * SIGHUP (Gemini CLI) running as an orphan.
 *
 * Guarantees: only processes in a pane's own session are signalled (a
 * daemon an agent detached into its own session is spared, as in
 * `endPane`); a process table reader it made itself is closed before it
 * returns (a reader passed in stays open); never throws. Used by the kit's cleanups (the demo).
 */
import {
  DEFAULT_END_LADDER,
  type EndStep,
  type PaneEndReport,
  type PaneProcess,
  processesToEnd,
} from "@first-mate/core";
import { runEndLadder } from "@first-mate/core/runtime";
import * as E from "fp-ts/lib/Either.js";
import { createProcessDriver } from "./processDriver.js";
import { createProcessTableReader, type ProcessTableReader, treeOf } from "./processTable.js";
import { createTmuxDriver, type TmuxDriverOptions } from "./tmuxDriver.js";

/** What ending a server did, summed over its panes. */
export interface ServerEndReport extends Omit<PaneEndReport, "unrecorded"> {
  readonly panes: number;
  readonly unrecorded: string | null;
}

/** Records every pane's tree, kills the server, and ends what remains. */
export const endTmuxServer = async (
  options: TmuxDriverOptions & { readonly ladder?: readonly EndStep[]; readonly reader?: ProcessTableReader },
): Promise<ServerEndReport> => {
  const reader = options.reader ?? createProcessTableReader();
  const driver = createTmuxDriver({ ...options, processTable: "off" });
  const recorded: PaneProcess[] = [];
  let spared = 0;
  let panes = 0;
  let unrecorded: string | null = null;
  try {
    const listed = await driver.listPanes();
    const table = await reader.snapshot();
    if (E.isLeft(listed)) unrecorded = listed.left.message;
    else if (E.isLeft(table)) unrecorded = table.left.message;
    else {
      for (const pane of listed.right) {
        panes++;
        if (pane.pid === null) continue;
        const split = processesToEnd(treeOf(table.right, pane.pid));
        recorded.push(...split.end);
        spared += split.spared.length;
      }
    }
    await driver.command(["kill-server"]);
  } finally {
    await driver.close();
  }
  try {
    const ended = await runEndLadder(createProcessDriver(reader), recorded, options.ladder ?? DEFAULT_END_LADDER);
    return { panes, recorded: recorded.length, spared, unrecorded, ...ended };
  } finally {
    // A reader of its own keeps /proc files open between snapshots: give them back (one is passed in by its owner).
    if (options.reader === undefined) reader.close?.();
  }
};
