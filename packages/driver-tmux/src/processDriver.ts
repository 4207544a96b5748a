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

/** `attachProcessTrees` for a driver that lists the same fleet every tick (see createProcessTreeAttacher). */
export type ProcessTreeAttacher = (panes: readonly PaneObservation[], table: ProcessTable) => PaneObservation[];

const sameArgvs = (before: readonly (readonly string[])[] | undefined, tree: readonly PaneProcess[]): boolean => {
  if (before === undefined || before.length !== tree.length) return false;
  for (let index = 0; index < tree.length; index++) if (before[index] !== tree[index]!.argv) return false;
  return true;
};

/**
 * `attachProcessTrees` that returns a pane's previous result, the same
 * object, while its observation is the same object (an unchanged listing
 * row, see createPaneListingParser) and its tree holds the same processes'
 * argv (the reader returns an unchanged process's argv as the same array).
 */
export const createProcessTreeAttacher = (): ProcessTreeAttacher => {
  let last = new Map<string, { readonly base: PaneObservation; readonly result: PaneObservation }>();
  let lastTable: ProcessTable | null = null;
  return (panes, table) => {
    const next = new Map<string, { readonly base: PaneObservation; readonly result: PaneObservation }>();
    // The same table is the same processes (a reader returns it again only while nothing changed): no tree to walk again.
    const sameTable = table === lastTable;
    lastTable = table;
    const attached = panes.map((pane) => {
      if (pane.dead || pane.pid === null) return pane;
      const before = last.get(pane.paneId);
      if (sameTable && before !== undefined && before.base === pane) {
        next.set(pane.paneId, before);
        return before.result;
      }
      const tree = treeOf(table, pane.pid, PANE_PROCESS_LIMITS.processes);
      if (tree.length === 0) return pane;
      const result =
        before !== undefined && before.base === pane && sameArgvs(before.result.processes, tree)
          ? before.result
          : { ...pane, processes: tree.map((process) => process.argv) };
      next.set(pane.paneId, { base: pane, result });
      return result;
    });
    last = next;
    return attached;
  };
};
