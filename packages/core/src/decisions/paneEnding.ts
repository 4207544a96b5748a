/**
 * Ending a pane's processes: which ones to end, and what to say afterwards.
 *
 * Pure: executes nothing. Rules:
 * - a pane's processes are the pane's process and its descendants that stay
 *   in the pane's session; a descendant that made its own session (a daemon
 *   such as Codex's `app-server`, shared with the user's other sessions) is
 *   spared;
 * - every ending is written to the captain's log by the kit;
 * - processes that survive the whole ladder raise one critical alert naming
 *   them: the human must know an agent is still running.
 */
import type { Command } from "../commands.js";
import type { PaneId } from "../domain/paneId.js";
import type { PaneEndReport, PaneProcess } from "../domain/paneProcess.js";

/** Pure: split a recorded tree (root first) into the pane's own processes and spared daemons. */
export const processesToEnd = (
  tree: readonly PaneProcess[],
): { readonly end: readonly PaneProcess[]; readonly spared: readonly PaneProcess[] } => {
  const root = tree[0];
  if (root === undefined) return { end: [], spared: [] };
  const end: PaneProcess[] = [];
  const spared: PaneProcess[] = [];
  for (const process of tree) (process.sessionId === root.sessionId ? end : spared).push(process);
  return { end, spared };
};

const LOG_LIMIT = 2000;

/** Pure: the log line and, when something survived, the alert for one pane's ending. */
export const judgePaneEnd = (paneId: PaneId, reason: string, report: PaneEndReport, now: number): Command[] => {
  const ladder = report.steps.map((step) => `${step.signal}→${step.remaining} left`).join(", ");
  const survivors = report.survivors.map((survivor) => `${survivor.pid} ${survivor.program}`).join(", ");
  let text = `ended ${paneId} (${reason}): ${report.recorded} process${report.recorded === 1 ? "" : "es"} recorded`;
  if (report.unrecorded !== null) text += ` (tree not recorded: ${report.unrecorded})`;
  if (report.spared > 0) text += `, ${report.spared} detached daemon${report.spared === 1 ? "" : "s"} left alone`;
  if (ladder !== "") text += `; ${ladder}`;
  text += report.survivors.length > 0 ? `; SURVIVED: ${survivors}` : "; none left";
  const commands: Command[] = [
    {
      type: "store.appendLog",
      entry: {
        kind: "narrative",
        text: text.length > LOG_LIMIT ? `${text.slice(0, LOG_LIMIT - 1)}…` : text,
        at: now,
        author: "kit",
      },
    },
  ];
  if (report.survivors.length > 0)
    commands.push({
      type: "alert.raise",
      level: "critical",
      code: "agent_survived",
      message: `${paneId} was closed but ${report.survivors.length} of its processes survived SIGKILL: ${survivors}`,
    });
  return commands;
};
