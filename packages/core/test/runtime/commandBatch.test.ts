/**
 * The batch rule the runtime and the fake world share: which commands a
 * failed durable write holds back, what the core hears, and that every
 * awaited command is still answered.
 */
import { describe, expect, it } from "vitest";
import type { Command, CommandType } from "../../src/commands.js";
import type { Event } from "../../src/events.js";
import {
  admitCommand,
  type BatchProgress,
  type CommandRole,
  commandRole,
  NEW_BATCH,
  settleOutcome,
} from "../../src/runtime/commandBatch.js";
import type { ExecutionOutcome } from "../../src/runtime/executeCommand.js";
import { pid, T0 } from "../support.js";

// Written out by hand for every kind (a record: a new kind does not compile until it is placed here).
const ROLES: Record<CommandType, CommandRole> = {
  "fleet.observe": "effect",
  "tmux.spawn": "effect",
  "tmux.kill": "effect",
  "tmux.killWindow": "effect",
  "tmux.capture": "effect",
  "tmux.sendText": "effect",
  "tmux.sendKeys": "effect",
  "tmux.spawnWorker": "effect",
  "channel.emit": "effect",
  "store.setMarker": "durableWrite",
  "store.clearMarker": "durableWrite",
  "store.recordStart": "durableWrite",
  "store.appendLog": "durableWrite",
  "store.setAlert": "durableWrite",
  "store.clearAlert": "durableWrite",
  "store.enqueueOutbox": "durableWrite",
  "store.markDelivered": "durableWrite",
  "store.expireOutbox": "durableWrite",
  "store.setSupervisorGaveUp": "durableWrite",
  "store.setConn": "durableWrite",
  "store.saveInterruptTables": "durableWrite",
  "store.saveDeferredSpawns": "durableWrite",
  "store.readSupervisor": "query",
  "store.renewLease": "query",
  "store.addProposal": "query",
  "store.appendFirstMateLog": "query",
  "store.proposeRoleExtension": "query",
  "tool.reply": "local",
  "timer.wakeAt": "local",
  "alert.raise": "local",
};

const recordStart: Command = {
  type: "store.recordStart",
  record: { attempt: 1, startedAt: T0, endedAt: null, paneId: null, outcome: "starting" },
  epoch: 3,
};
const spawn: Command = {
  type: "tmux.spawn",
  requestId: "spawn-1",
  session: "bridge",
  window: "first-mate",
  attempt: 1,
};
const emit: Command = {
  type: "channel.emit",
  emitId: "push-1",
  purpose: "digest",
  paneId: pid(9),
  content: "x",
  meta: {},
};
const observe: Command = { type: "fleet.observe", observeId: 4 };
const keys: Command = { type: "tmux.sendKeys", paneId: pid(2), keys: ["Enter"] };
const wake: Command = { type: "timer.wakeAt", at: T0 + 1000 };
const read: Command = { type: "store.readSupervisor", readId: 2 };
const appendLog: Command = {
  type: "store.appendLog",
  entry: { kind: "narrative", at: T0, author: "kit", text: "x" },
};

const locked: ExecutionOutcome = {
  kind: "failed",
  error: "StoreUnavailable: database is locked",
  tag: "StoreUnavailable",
};
const done: ExecutionOutcome = { kind: "done" };

/** Run a batch through the rule as an interpreter would, with the outcomes given per command. */
const runBatch = (commands: readonly Command[], outcomeOf: (command: Command) => ExecutionOutcome) => {
  let progress: BatchProgress = NEW_BATCH;
  const ran: string[] = [];
  const heard: Event[] = [];
  const failures: string[] = [];
  for (const command of commands) {
    if (commandRole(command) === "local") {
      ran.push(command.type);
      continue;
    }
    const admitted = admitCommand(progress, command, T0);
    if (!admitted.run) {
      if (admitted.answer) heard.push(admitted.answer);
      continue;
    }
    ran.push(command.type);
    const settled = settleOutcome(progress, command, outcomeOf(command), T0);
    progress = settled.progress;
    heard.push(...settled.events);
    if (settled.failure !== null) failures.push(settled.failure);
  }
  return { ran, heard, failures };
};

describe("the batch rule", () => {
  it("places every command kind", () => {
    for (const [type, role] of Object.entries(ROLES)) expect(commandRole({ type } as Command), type).toBe(role);
  });

  it("the removal of a malformed spawn's window is not held back by a failed write of its batch: it depends on none", () => {
    const killWindow: Command = { type: "tmux.killWindow", target: "@2" };
    const result = runBatch([recordStart, appendLog, killWindow, emit], (command) =>
      command.type === "store.appendLog" ? locked : done,
    );
    expect(result.ran).toEqual(["store.recordStart", "store.appendLog", "tmux.killWindow"]);
    // The push of the same batch is still held back.
    expect(result.heard.map((event) => event.type)).toEqual(["StoreWriteFailed", "EmitFailed"]);
  });

  it("a failed durable write holds back the later effects of its batch and answers each awaited one", () => {
    const { ran, heard, failures } = runBatch([keys, recordStart, spawn, wake, read, appendLog, emit, observe], (c) =>
      c.type === "store.recordStart" ? locked : done,
    );
    // The effect before the write ran; timers, queries and other writes still run.
    expect(ran).toEqual([
      "tmux.sendKeys",
      "store.recordStart",
      "timer.wakeAt",
      "store.readSupervisor",
      "store.appendLog",
    ]);
    const reason = "not run: store.recordStart failed: StoreUnavailable: database is locked";
    expect(heard).toEqual([
      {
        type: "StoreWriteFailed",
        now: T0,
        command: "store.recordStart",
        reason: "StoreUnavailable: database is locked",
        staleEpoch: false,
      },
      { type: "SpawnFailed", now: T0, requestId: "spawn-1", reason },
      { type: "EmitFailed", now: T0, emitId: "push-1", reason },
      { type: "ObserveFailed", now: T0, observeId: 4, reason },
    ]);
    expect(failures).toEqual(["StoreUnavailable: database is locked"]);
  });

  it("a write refused for a stale epoch says so, and the first failure names the batch's", () => {
    const stale: ExecutionOutcome = { kind: "failed", error: "StoreStaleEpoch: epoch 3 < 4", tag: "StoreStaleEpoch" };
    const { heard } = runBatch([recordStart, appendLog, spawn], (c) =>
      c.type === "store.recordStart" ? stale : locked,
    );
    expect(heard.map((event) => event.type)).toEqual(["StoreWriteFailed", "StoreWriteFailed", "SpawnFailed"]);
    expect(heard[0]).toMatchObject({ staleEpoch: true });
    expect(heard[1]).toMatchObject({ command: "store.appendLog", staleEpoch: false });
    expect(heard[2]).toMatchObject({ reason: "not run: store.recordStart failed: StoreStaleEpoch: epoch 3 < 4" });
  });

  it("an effect's failure without an answer is reported, and holds nothing back", () => {
    const { ran, heard, failures } = runBatch([keys, spawn], (c) =>
      c.type === "tmux.sendKeys" ? { kind: "failed", error: "no such pane" } : done,
    );
    expect(ran).toEqual(["tmux.sendKeys", "tmux.spawn"]);
    expect(heard).toEqual([]);
    expect(failures).toEqual(["no such pane"]);
  });

  it("an effect's answer is what the core hears", () => {
    const event: Event = { type: "EmitSucceeded", now: T0, emitId: "push-1" };
    expect(settleOutcome(NEW_BATCH, emit, { kind: "event", event }, T0)).toEqual({
      progress: NEW_BATCH,
      events: [event],
      failure: null,
    });
  });
});
