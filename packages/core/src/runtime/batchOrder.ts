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

/** What an interpreter does at each point of a batch's order; the order itself is `BatchOrder`'s. */
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
 * What an empty batch hears first: nothing. Most batches are empty (an answer
 * that changes nothing), and what `BatchOrder` does with one is only this.
 */
const NOTHING_FIRST: readonly Event[] = Object.freeze([]);

/**
 * A batch's order, one durable write at a time: `next` runs the batch up to
 * its next durable write and returns it; the caller runs that write and
 * hands its outcome to the following `next`. Everything else goes through
 * `hooks`. Driven by `runBatchSync` (fake ports) and `runBatch` (ports that
 * answer later). A cursor rather than a generator: one small object per
 * batch, where a generator and its iterator results cost several.
 */
class BatchOrder {
  private index = 0;
  private progress = NEW_BATCH;
  /** Failed writes' events, heard before every event waiting once the batch is done. */
  private first: Event[] | null = null;
  /** The durable write handed out by the last `next`, whose outcome the next call brings. */
  private writing: Command | null = null;

  constructor(
    private readonly commands: readonly Command[],
    private readonly hooks: BatchHooks,
  ) {}

  /** Take the outcome of the write handed out last (if any); the next durable write to run, or null at the batch's end. */
  next(outcome?: ExecutionOutcome): Command | null {
    const { commands, hooks } = this;
    const written = this.writing;
    if (written !== null) {
      this.writing = null;
      // The caller hands the outcome of every write it was given: none is settled as absent.
      const settled = settleOutcome(this.progress, written, outcome as ExecutionOutcome, hooks.now());
      this.progress = settled.progress;
      hooks.written(written, settled);
      for (const event of settled.events) {
        if (!heardFirst(event)) hooks.hear(event);
        else if (this.first === null) this.first = [event];
        else this.first.push(event);
      }
    }
    while (this.index < commands.length) {
      const command = commands[this.index++]!;
      hooks.reached(command);
      const role = commandRole(command);
      if (role === "local") {
        hooks.keep(command);
        continue;
      }
      const admitted = admitCommand(this.progress, command, hooks.now());
      if (!admitted.run) {
        hooks.skipped(command, admitted.reason);
        if (admitted.answer !== null) hooks.hear(admitted.answer);
        continue;
      }
      if (role !== "durableWrite") {
        hooks.start(command);
        continue;
      }
      this.writing = command;
      return command;
    }
    hooks.hearFirst(this.first ?? NOTHING_FIRST);
    return null;
  }
}

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
  const order = new BatchOrder(commands, hooks);
  for (let command = order.next(); command !== null; command = order.next(write(command)));
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
  const order = new BatchOrder(commands, hooks);
  for (let command = order.next(); command !== null; command = order.next(await write(command)));
};

/** What a started effect's or query's answer means: its event, or a failure to report (never a held-back batch). */
export const settleStarted = (command: Command, outcome: ExecutionOutcome, now: number): Settled =>
  settleOutcome(NEW_BATCH, command, outcome, now);
