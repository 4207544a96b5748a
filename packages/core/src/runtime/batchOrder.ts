/**
 * The order in which one batch (what one `step` returned) is run, written
 * once for every interpreter: the runtime drives it with real ports and
 * awaits each durable write; the fake world of `@first-mate/core/testing`
 * drives it with fake ports, synchronously. Neither can run a batch in an
 * order of its own, so the world the properties run in cannot drift from the
 * runtime users run.
 *
 * The order: commands in the batch's order; local ones kept at once; each
 * durable write run and its outcome known before the next command (an effect
 * after a failed write is not started, and is answered with why); effects and
 * queries started, answered later by their ports; a failed write is heard
 * before every event waiting, after the rest of its own batch (commandBatch).
 */
import type { Command } from "../commands.js";
import type { Event } from "../events.js";
import { admitCommand, commandRole, heardFirst, NEW_BATCH, type Settled, settleOutcome } from "./commandBatch.js";
import type { ExecutionOutcome } from "./executeCommand.js";

/** What an interpreter does at each point of a batch's order; the order itself is `batchOrder`'s. */
export interface BatchHooks {
  /** The interpreter's clock. */
  now(): number;
  /** Every command, in the batch's order, before anything is done with it. */
  reached(command: Command): void;
  /** A command the interpreter keeps itself (a timer, a tool's reply, an alert). */
  keep(command: Command): void;
  /** An effect or query to start against its port; its answer comes later (`settleStarted`). */
  start(command: Command): void;
  /** A command not run, and why: its answer, if any, is passed to `hear` next. */
  skipped(command: Command, reason: string): void;
  /** A durable write ran: what it means for the batch (`failure` is null when it was done). */
  written(command: Command, settled: Settled): void;
  /** An event for the core, after every event already waiting. */
  hear(event: Event): void;
  /** Events for the core before every event waiting (failed durable writes), at the batch's end. */
  hearFirst(events: readonly Event[]): void;
}

/**
 * A batch's order as a generator: it yields each durable write to run and
 * takes its outcome back; everything else goes through `hooks`. Driven by
 * `runBatchSync` (fake ports) and `runBatch` (ports that answer later).
 */
function* batchOrder(commands: readonly Command[], hooks: BatchHooks): Generator<Command, void, ExecutionOutcome> {
  let progress = NEW_BATCH;
  const first: Event[] = [];
  for (const command of commands) {
    hooks.reached(command);
    const role = commandRole(command);
    if (role === "local") {
      hooks.keep(command);
      continue;
    }
    const admitted = admitCommand(progress, command, hooks.now());
    if (!admitted.run) {
      hooks.skipped(command, admitted.reason);
      if (admitted.answer !== null) hooks.hear(admitted.answer);
      continue;
    }
    if (role !== "durableWrite") {
      hooks.start(command);
      continue;
    }
    const outcome = yield command;
    const settled = settleOutcome(progress, command, outcome, hooks.now());
    progress = settled.progress;
    hooks.written(command, settled);
    for (const event of settled.events) {
      if (heardFirst(event)) first.push(event);
      else hooks.hear(event);
    }
  }
  hooks.hearFirst(first);
}

/**
 * What an empty batch hears first: nothing. Most batches are empty (an answer
 * that changes nothing), and what `batchOrder` does with one is only this.
 */
const NOTHING_FIRST: readonly Event[] = Object.freeze([]);

/** Run a batch whose durable writes answer at once (the fake world's ports). */
export const runBatchSync = (
  commands: readonly Command[],
  hooks: BatchHooks,
  write: (command: Command) => ExecutionOutcome,
): void => {
  if (commands.length === 0) {
    hooks.hearFirst(NOTHING_FIRST);
    return;
  }
  const order = batchOrder(commands, hooks);
  for (let next = order.next(); !next.done; next = order.next(write(next.value)));
};

/** Run a batch whose durable writes are awaited, each before the next command (the runtime's ports). */
export const runBatch = async (
  commands: readonly Command[],
  hooks: BatchHooks,
  write: (command: Command) => Promise<ExecutionOutcome>,
): Promise<void> => {
  if (commands.length === 0) {
    hooks.hearFirst(NOTHING_FIRST);
    return;
  }
  const order = batchOrder(commands, hooks);
  for (let next = order.next(); !next.done; next = order.next(await write(next.value)));
};

/** What a started effect's or query's answer means: its event, or a failure to report (never a held-back batch). */
export const settleStarted = (command: Command, outcome: ExecutionOutcome, now: number): Settled =>
  settleOutcome(NEW_BATCH, command, outcome, now);
