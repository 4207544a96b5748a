/**
 * The core's `ProcessPort` over this machine's process table, and the join
 * of pane observations with their process trees for agent detection.
 *
 * Guarantees: a signal goes only to a process that is still the one
 * recorded (same pid and start time); a process that is already gone is
 * skipped, never an error. Never throws.
 * Does not: decide which processes to end or in what order (the core's
 * ladder does), or spare anything by itself.
 */
import {
  type EndSignal,
  PANE_PROCESS_LIMITS,
  type PaneObservation,
  type PaneProcess,
  type ProcessPort,
} from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import { createProcessTableReader, type ProcessTable, type ProcessTableReader, treeOf } from "./processTable.js";

/** The process port for this machine (`/proc` on Linux, `ps` elsewhere). */
export const createProcessDriver = (reader: ProcessTableReader = createProcessTableReader()): ProcessPort => {
  const alive = async (processes: readonly PaneProcess[]): Promise<readonly PaneProcess[]> => {
    const living: PaneProcess[] = [];
    for (const process of processes)
      if ((await reader.startTimeOf(process.pid)) === process.startTime) living.push(process);
    return living;
  };
  return {
    async tree(rootPid) {
      const table = await reader.snapshot();
      return E.map((snapshot: ProcessTable) => treeOf(snapshot, rootPid))(table);
    },
    alive,
    async signal(processes, signal: EndSignal) {
      const signalled: PaneProcess[] = [];
      for (const target of await alive(processes)) {
        try {
          process.kill(target.pid, signal);
          signalled.push(target);
        } catch {
          // Exited between the check and the signal (ESRCH), or not ours (EPERM): nothing to end.
        }
      }
      return signalled;
    },
  };
};

/**
 * Pure: each live pane with the argv of its process tree (the pane's
 * process first), bounded as the observation schema says.
 */
export const attachProcessTrees = (panes: readonly PaneObservation[], table: ProcessTable): PaneObservation[] =>
  panes.map((pane) => {
    if (pane.dead || pane.pid === null) return pane;
    const tree = treeOf(table, pane.pid, PANE_PROCESS_LIMITS.processes);
    return tree.length === 0 ? pane : { ...pane, processes: tree.map((process) => process.argv) };
  });
