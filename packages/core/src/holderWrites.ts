/**
 * Writes only the lease holder makes beyond the supervisor's own: alerts,
 * the outbox, the interrupt tables and deferred spawns. Each carries the
 * lease epoch, and the store refuses a stale one.
 *
 * Pure. A host that knows it does not hold the lease (a standby, or a host
 * whose first renewal has not come back yet) does not send them: the store
 * would refuse them, and a refused write would stop the unrelated effects of
 * its batch (an observation, a push) and raise a lease alert for a lease it
 * never claimed to hold. What it admits meanwhile lives in its memory only:
 * it delivers it if it can, and on taking the lease files what the
 * interrupt tables lack (durableTables.ts). A host that believes it holds
 * the lease but lost it still sends them, and the store refuses them.
 */
import type { Command, CommandType } from "./commands.js";
import type { CoreState } from "./state.js";

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
