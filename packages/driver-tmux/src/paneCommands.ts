/**
 * Each pane's current and start command, remembered between listings so a
 * tick can ask tmux for the cheap PANE_TICK_FORMAT and read the two command
 * fields only for the panes that may have changed.
 *
 * Guarantees: a pane's remembered commands are used only while
 * - it has the same pid and is as dead or alive as when they were read
 *   (a respawned pane has a new pid, so a new start command);
 * - its process tree holds the same processes with the same argv (the
 *   process reader returns an unchanged process as the same row), so no
 *   program started, ended or exec'd in it;
 * - its process's terminal has the same foreground group (a job suspended or
 *   brought to the foreground changes the current command, not the tree);
 * - fewer than `refreshEvery` listings passed since they were read (a
 *   program that rewrites its own argv[0] in place is seen then);
 * - the current command read agreed with the process table of the same
 *   tick: the name of its foreground group leader's argv[0]. tmux answers
 *   after the table was read, so a job that started and ended, or was
 *   suspended and resumed, in between leaves the table as it was while
 *   tmux named the passing job: a disagreement reads the pane again next
 *   time rather than keep that name.
 * Any other pane is stale: its row must come from PANE_LIST_FORMAT.
 * A filled pane equals, key order included, what the full format reads.
 * Does not: talk to tmux (tmuxDriver.ts does), or attach process trees.
 */
import { PANE_PROCESS_LIMITS, type PaneObservation, PaneObservationSchema, type PaneProcess } from "@first-mate/core";
import { type ProcessTable, treeOf } from "./processTable.js";

/** How many listings a pane's remembered commands serve at most before they are read again. */
export const DEFAULT_COMMANDS_REFRESH_EVERY = 10;

/** The remembered commands of the panes of one driver (see the module header). */
export interface PaneCommandCache {
  /** The ids of the panes of a tick listing whose commands must be read again. */
  stale(panes: readonly PaneObservation[], table: ProcessTable): string[];
  /** Remembers full rows read with `table` as the process table of the same tick. */
  remember(panes: readonly PaneObservation[], table: ProcessTable): void;
  /**
   * A tick listing with each pane's commands: from `fresh` (full rows read
   * this tick) when it has the pane, else remembered. A pane with neither is
   * left out (it went away between the two reads). An unchanged pane is the
   * same object as in the last call.
   */
  fill(panes: readonly PaneObservation[], fresh: ReadonlyMap<string, PaneObservation>): PaneObservation[];
}

interface Remembered {
  readonly pid: number | null;
  readonly dead: boolean;
  readonly foregroundGroup: number | undefined;
  readonly tree: readonly PaneProcess[];
  readonly command: string;
  readonly startCommand: string | undefined;
  /** Listings served since the commands were read. */
  served: number;
  /**
   * The last table its tree and foreground group were found the same in: a
   * reader returns the same table again only while nothing in it changed,
   * so that table needs no tree walk again.
   */
  currentWith: ProcessTable | null;
  /** The last tick row filled, and what it was filled into. */
  base: PaneObservation | null;
  filled: PaneObservation | null;
}

/** The observation's keys in the order its schema's parse produces them. */
const FIELD_ORDER = Object.keys(PaneObservationSchema.shape) as (keyof PaneObservation)[];

/** Pure: `pane` with the two command fields, keys in the parser's order, absent values left out. */
const withCommands = (pane: PaneObservation, command: string, startCommand: string | undefined): PaneObservation => {
  const filled: Record<string, unknown> = {};
  for (const key of FIELD_ORDER) {
    const value = key === "command" ? command : key === "startCommand" ? startCommand : pane[key];
    if (value !== undefined) filled[key] = value;
  }
  return filled as PaneObservation;
};

/**
 * Pure: the current command tmux would name for a pane whose terminal's
 * foreground group is `group`: the last path part of its leader's argv[0],
 * without a login shell's leading "-"; null when the table cannot tell.
 */
export const foregroundCommand = (table: ProcessTable, group: number | undefined): string | null => {
  if (group === undefined || group <= 0) return null;
  const first = table.byPid.get(group)?.argv[0];
  if (first === undefined) return null;
  const name = first.replace(/^[-\s]+/, "").split(" ")[0] ?? "";
  return name.startsWith("/") ? name.slice(name.lastIndexOf("/") + 1) : name;
};

const treeFor = (pane: PaneObservation, table: ProcessTable): readonly PaneProcess[] =>
  pane.dead || pane.pid === null ? [] : treeOf(table, pane.pid, PANE_PROCESS_LIMITS.processes);

const sameTree = (before: readonly PaneProcess[], now: readonly PaneProcess[]): boolean => {
  if (before.length !== now.length) return false;
  for (let index = 0; index < now.length; index++) if (before[index] !== now[index]) return false;
  return true;
};

/** A cache for one driver; `refreshEvery` bounds how many listings remembered commands serve. */
export const createPaneCommandCache = (refreshEvery = DEFAULT_COMMANDS_REFRESH_EVERY): PaneCommandCache => {
  let remembered = new Map<string, Remembered>();
  return {
    stale(panes, table) {
      const stale: string[] = [];
      for (const pane of panes) {
        const known = remembered.get(pane.paneId);
        if (known === undefined || known.served >= refreshEvery || known.pid !== pane.pid || known.dead !== pane.dead) {
          stale.push(pane.paneId);
          continue;
        }
        if (known.currentWith === table) continue;
        if (
          (pane.pid !== null && known.foregroundGroup !== table.foregroundGroupOf?.get(pane.pid)) ||
          !sameTree(known.tree, treeFor(pane, table))
        )
          stale.push(pane.paneId);
        else known.currentWith = table;
      }
      return stale;
    },
    remember(panes, table) {
      for (const pane of panes) {
        const foregroundGroup = pane.pid === null ? undefined : table.foregroundGroupOf?.get(pane.pid);
        const agrees = pane.dead || foregroundCommand(table, foregroundGroup) === pane.command;
        remembered.set(pane.paneId, {
          pid: pane.pid,
          dead: pane.dead,
          foregroundGroup,
          tree: treeFor(pane, table),
          command: pane.command,
          startCommand: pane.startCommand,
          // A name the table does not back is used this once, then read again.
          served: agrees ? 0 : refreshEvery,
          currentWith: table,
          base: null,
          filled: null,
        });
      }
    },
    fill(panes, fresh) {
      const next = new Map<string, Remembered>();
      const filled: PaneObservation[] = [];
      for (const pane of panes) {
        const known = remembered.get(pane.paneId);
        if (known === undefined) continue;
        next.set(pane.paneId, known);
        known.served += 1;
        const row = fresh.get(pane.paneId);
        if (row !== undefined) {
          filled.push(row);
          continue;
        }
        if (known.base !== pane || known.filled === null) {
          known.base = pane;
          known.filled = withCommands(pane, known.command, known.startCommand);
        }
        filled.push(known.filled);
      }
      // Panes gone from the listing are forgotten.
      remembered = next;
      return filled;
    },
  };
};
