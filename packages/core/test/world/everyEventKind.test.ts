/**
 * The world that can go wrong reaches every event kind the core takes, and
 * runs every command kind the core gives: what the generators never produce
 * is never tested.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Command, CommandType } from "../../src/commands.js";
import { EventSchema } from "../../src/events.js";
import { faultActionArb } from "../../src/testing/arbitraries.js";
import { cheapExpect } from "../cheapExpect.js";
import { runActions, startedWorld, troubledActionArb } from "../worldSupport.js";

const ALL_EVENT_TYPES = EventSchema.options.map((option) => option.shape.type.value).sort();

// Every kind of `Command` (a record, so a new kind fails compilation until listed here).
const COMMAND_KINDS: Record<CommandType, true> = {
  "fleet.observe": true,
  "tmux.spawn": true,
  "tmux.kill": true,
  "tmux.killWindow": true,
  "tmux.capture": true,
  "tmux.sendText": true,
  "tmux.sendKeys": true,
  "channel.emit": true,
  "store.setMarker": true,
  "store.clearMarker": true,
  "store.recordStart": true,
  "store.appendLog": true,
  "store.setAlert": true,
  "store.clearAlert": true,
  "store.enqueueOutbox": true,
  "store.markDelivered": true,
  "store.expireOutbox": true,
  "store.setSupervisorGaveUp": true,
  "store.readSupervisor": true,
  "store.renewLease": true,
  "store.setConn": true,
  "store.saveInterruptTables": true,
  "store.saveDeferredSpawns": true,
  "store.addProposal": true,
  "store.appendFirstMateLog": true,
  "store.proposeRoleExtension": true,
  "tool.reply": true,
  "tmux.spawnWorker": true,
  "alert.raise": true,
  "timer.wakeAt": true,
};

describe("the world's generators", () => {
  it("reach every event kind and every command kind, and the world applies or records every command", () => {
    const events = new Set<string>();
    const commands = new Set<string>();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.oneof(troubledActionArb, faultActionArb), { minLength: 10, maxLength: 30 }),
        (workers, actions) => {
          const world = startedWorld(workers, { outboxTtlMs: 60_000 });
          runActions(world, actions);
          world.drive();
          for (const event of world.events) events.add(event.type);
          for (const command of world.commands) commands.add(command.type);
          // Each command the core gave is accounted for once: applied, or not and why.
          const accounted = new Map<Command, number>();
          for (const command of world.applied) accounted.set(command, (accounted.get(command) ?? 0) + 1);
          for (const { command, reason } of world.unapplied) {
            accounted.set(command, (accounted.get(command) ?? 0) + 1);
            cheapExpect(reason, command.type).not.toContain("no handler");
          }
          cheapExpect(world.commands.filter((command) => accounted.get(command) !== 1)).toEqual([]);
          cheapExpect(accounted.size).toBe(world.commands.length);
        },
      ),
      { numRuns: 1000, seed: 12 },
    );
    expect(ALL_EVENT_TYPES.filter((type) => !events.has(type))).toEqual([]);
    expect(Object.keys(COMMAND_KINDS).filter((type) => !commands.has(type))).toEqual([]);
  });
});
