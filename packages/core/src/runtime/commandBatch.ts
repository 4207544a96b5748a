/**
 * The rule for one batch of commands (what one `step` returned): which
 * commands the interpreter runs itself, which durable writes come first, what
 * a failed write stops, and which events each outcome feeds back to the core.
 *
 * Pure: executes nothing. The runtime and the fake world of
 * `@first-mate/core/testing` both run their batches through these functions,
 * so the world the properties run in cannot drift from the interpreter users
 * run. What each command does against a port is `executeCommand`'s (or a fake
 * port's); what its outcome means for the batch is decided here only.
 */
import { type Command, isStoreCommand, isStoreQuery } from "../commands.js";
import type { PaneId } from "../domain/paneId.js";
import type { Event } from "../events.js";
import { type ExecutionOutcome, skippedEffectEvent } from "./executeCommand.js";

/**
 * How a command is run within its batch:
 * - `local`: kept by the interpreter itself (a timer, a tool's reply, an
 *   alert), never held back;
 * - `durableWrite`: awaited in order before any later effect; its failure is
 *   told to the core as `StoreWriteFailed` and stops the batch's effects;
 * - `query`: a store call answered by its own event (reads, lease, a stored
 *   proposal), never held back by a failed write;
 * - `effect`: tmux, channel and observation calls, held back once a durable
 *   write of the same batch failed (but the removal of a spawn's window,
 *   which depends on none).
 */
export type CommandRole = "local" | "durableWrite" | "query" | "effect";

/** The role of a command in its batch (see `CommandRole`). */
export const commandRole = (command: Command): CommandRole => {
  if (command.type === "timer.wakeAt" || command.type === "tool.reply" || command.type === "alert.raise")
    return "local";
  if (isStoreQuery(command)) return "query";
  if (isStoreCommand(command)) return "durableWrite";
  return "effect";
};

/** Where a batch stands: the first durable write of it that failed, if any. */
export interface BatchProgress {
  readonly failedWrite: string | null;
}

/** A batch before any of its commands ran. */
export const NEW_BATCH: BatchProgress = { failedWrite: null };

/**
 * Effects that depend on no write of their batch: removing the window of a
 * spawn that must not live (its pane id was malformed, or the spawn went
 * stale). Held back, it would leave a second first mate's pane alive — e.g.
 * because the batch's captain's log line could not be written.
 */
const dependsOnNoWrite = (command: Command): boolean => command.type === "tmux.killWindow";

/** Whether a command runs now; if not, why, and the event answering it (every awaited command is answered). */
export type Admission =
  | { readonly run: true }
  | { readonly run: false; readonly reason: string; readonly answer: Event | null };

const RUN: Admission = { run: true };

/**
 * Whether `command` runs in a batch at `progress`: an effect decided on a
 * durable write that failed is not run, and the core hears why.
 */
export const admitCommand = (progress: BatchProgress, command: Command, now: number): Admission => {
  if (progress.failedWrite === null || commandRole(command) !== "effect" || dependsOnNoWrite(command)) return RUN;
  const reason = `not run: ${progress.failedWrite}`;
  return { run: false, reason, answer: skippedEffectEvent(command, now, reason) };
};

/** What an outcome means: the batch after it, the events the core hears, and a failure to report (or null). */
export interface Settled {
  readonly progress: BatchProgress;
  readonly events: readonly Event[];
  readonly failure: string | null;
}

/** No events: shared, as nothing adds to a settled outcome's events. */
const NO_EVENTS: readonly Event[] = Object.freeze([]);
/** A command done in a batch where no write failed (most durable writes, every done effect): one answer for all. */
const DONE_IN_NEW_BATCH: Settled = Object.freeze({ progress: NEW_BATCH, events: NO_EVENTS, failure: null });

/**
 * Turn a command's outcome into what follows: its answering event, or, for a
 * durable write that failed, `StoreWriteFailed` and a batch whose remaining
 * effects are stopped. A failure without an answer is reported, never
 * dropped.
 */
export const settleOutcome = (
  progress: BatchProgress,
  command: Command,
  outcome: ExecutionOutcome,
  now: number,
): Settled => {
  if (outcome.kind === "event") return { progress, events: [outcome.event], failure: null };
  if (outcome.kind === "done")
    return progress === NEW_BATCH ? DONE_IN_NEW_BATCH : { progress, events: NO_EVENTS, failure: null };
  if (commandRole(command) !== "durableWrite") return { progress, events: [], failure: outcome.error };
  return {
    progress: { failedWrite: progress.failedWrite ?? `${command.type} failed: ${outcome.error}` },
    events: [
      {
        type: "StoreWriteFailed",
        now,
        command: command.type,
        reason: outcome.error.slice(0, 2000),
        staleEpoch: outcome.tag === "StoreStaleEpoch",
        ...failedEntryOf(command),
      },
    ],
    failure: outcome.error,
  };
};

/** The entry a durable write was for, named in its `StoreWriteFailed`: an outbox entry's seq, an alert's pane. */
export const failedEntryOf = (command: Command): { readonly seq?: number; readonly paneId?: PaneId } => {
  switch (command.type) {
    case "store.enqueueOutbox":
      return { seq: command.entry.seq };
    case "store.markDelivered":
      return { seq: command.seq };
    case "store.setAlert":
      return { paneId: command.alert.paneId };
    case "store.clearAlert":
      return { paneId: command.paneId };
    default:
      return {};
  }
};

/**
 * Whether an event is a failed durable write: the core hears it before any
 * other event waiting (after the rest of its own batch), so nothing is
 * decided on what the write was for — e.g. an interrupt pushed without its
 * outbox row — before the core knows it is not on file.
 */
export const heardFirst = (event: Event): boolean => event.type === "StoreWriteFailed";
