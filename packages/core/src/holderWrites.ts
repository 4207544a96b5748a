/**
 * Writes only the lease holder makes beyond the supervisor's own: alerts,
 * the outbox, the interrupt tables and deferred spawns. Each carries the
 * lease epoch, and the store refuses a stale one.
 *
 * Pure. A host that knows it does not hold the lease (a standby, or a host
 * whose first renewal has not come back yet) does not send them: the store
 * would refuse them, and a refused write would stop the unrelated effects of
 * its batch (an observation, a push) and raise a lease alert for a lease it
 * never claimed to hold. What it admits meanwhile waits unfiled: an
 * interrupt apart from the outbox (never pushed, since a push needs its
 * outbox row), an alert by its pane; both are filed once it holds the lease
 * and has read the store under it (step.ts, fileWhatWaits), and the
 * interrupt tables are merged on taking the lease (durableTables.ts). A
 * host that believes it holds the lease but lost it still sends them; the
 * store refuses them, and the failure (StoreWriteFailed, naming the entry)
 * unfiles what they were for the same way.
 */
import type { Command, CommandType } from "./commands.js";
import { type CoreState, updateState } from "./state.js";

/** The store writes that only the lease holder makes (besides the marker, ledger and give-up). */
export const HOLDER_WRITES: ReadonlySet<CommandType> = new Set<CommandType>([
  "store.setAlert",
  "store.clearAlert",
  "store.enqueueOutbox",
  "store.markDelivered",
  "store.expireOutbox",
  "store.saveInterruptTables",
  "store.saveDeferredSpawns",
]);

/** Pure: `commands` without the holder's writes when `state` does not hold the lease. */
export const withoutUnheldWrites = (state: CoreState, commands: readonly Command[]): readonly Command[] =>
  state.supervisor.leaseHeld ? commands : commands.filter((command) => !HOLDER_WRITES.has(command.type));

/** At most this many panes wait with an unfiled alert (panes come from observations; a fleet has far fewer). */
export const UNFILED_ALERTS_CAP = 1_000;

/** Pure: `state` remembering that the alerts of `paneIds` are not on file (the newest kept past the cap). */
export const markAlertsUnfiled = (state: CoreState, paneIds: readonly string[]): CoreState => {
  if (paneIds.length === 0) return state;
  const panes = [...state.unfiledAlerts.filter((paneId) => !paneIds.includes(paneId)), ...paneIds];
  return updateState(state, { unfiledAlerts: panes.slice(-UNFILED_ALERTS_CAP) });
};

/**
 * Pure: `commands` without the holder's writes when `state` does not hold
 * the lease, and `state` remembering the alerts they were for, to be filed
 * later (interrupts are held apart when admitted: step.ts, admit).
 */
export const holdUnheldWrites = (
  state: CoreState,
  commands: readonly Command[],
): readonly [CoreState, readonly Command[]] => {
  if (state.supervisor.leaseHeld || commands.length === 0) return [state, commands];
  const panes: string[] = [];
  for (const command of commands) {
    if (command.type === "store.setAlert") panes.push(command.alert.paneId);
    else if (command.type === "store.clearAlert") panes.push(command.paneId);
  }
  return [markAlertsUnfiled(state, panes), withoutUnheldWrites(state, commands)];
};
