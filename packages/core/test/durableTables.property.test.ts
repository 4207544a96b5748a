/**
 * Property: the store's copy of the interrupt tables and deferred spawns
 * is the core's own after every step. The rows `step` asks to write are
 * applied to a plain model of the store (independent of the diff that made
 * them); after any run of interrupts, time, pushes answered and deferred
 * spawns, the model equals memory: no path changes a table without a trace.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import type { DeferredSpawn } from "../src/authority/deferredSpawns.js";
import type { Command } from "../src/commands.js";
import { parseCoreConfig } from "../src/config.js";
import type { FoldedRepeat } from "../src/decisions/renderDelta.js";
import type { PaneId } from "../src/domain/paneId.js";
import { EMPTY_HYDRATION, type Event } from "../src/events.js";
import { type CoreState, initialState } from "../src/state.js";
import { step } from "../src/step.js";
import { FLEET, heldConn, MARKER } from "./authority/authoritySupport.js";
import { cheapExpect } from "./cheapExpect.js";
import { deepFrozen, T0, takeLease } from "./support.js";

interface StoredTables {
  readonly marks: Map<string, number>;
  readonly wakes: Map<string, readonly number[]>;
  readonly repeats: Map<string, FoldedRepeat>;
  readonly deferred: Map<string, DeferredSpawn>;
}

const apply = (stored: StoredTables, command: Command): void => {
  if (command.type === "store.saveInterruptTables") {
    for (const { key, at } of command.changes.dedupeMarks)
      at === null ? stored.marks.delete(key) : stored.marks.set(key, at);
    for (const { source, times } of command.changes.sourceWakes)
      times === null ? stored.wakes.delete(source) : stored.wakes.set(source, times);
    for (const { key, repeat } of command.changes.repeats)
      repeat === null ? stored.repeats.delete(key) : stored.repeats.set(key, repeat);
  }
  if (command.type === "store.saveDeferredSpawns")
    for (const { id, spawn } of command.changes)
      spawn === null ? stored.deferred.delete(id) : stored.deferred.set(id, spawn);
};

type Action =
  | { readonly kind: "notify" | "report"; readonly pane: number; readonly message: string }
  | { readonly kind: "wait"; readonly ms: number }
  | { readonly kind: "answerPush"; readonly delivered: boolean }
  | { readonly kind: "defer"; readonly releaseInMs: number }
  | { readonly kind: "usage"; readonly percent: number };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constantFrom("notify" as const, "report" as const),
    pane: fc.integer({ min: 5, max: 7 }),
    message: fc.constantFrom("approve?", "tests red", "done"),
  }),
  fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 1, max: 400_000 }) }),
  fc.record({ kind: fc.constant("answerPush" as const), delivered: fc.boolean() }),
  fc.record({ kind: fc.constant("defer" as const), releaseInMs: fc.integer({ min: 1, max: 900_000 }) }),
  fc.record({ kind: fc.constant("usage" as const), percent: fc.integer({ min: 0, max: 100 }) }),
);

const started = (): CoreState => {
  const [state] = step(initialState(parseCoreConfig({ tickMs: 30_000, pushIntervalMs: 60_000 })), {
    type: "Started",
    now: T0,
    owner: "host",
    hydration: { ...EMPTY_HYDRATION, marker: MARKER, conn: heldConn({ expiresAt: T0 + 3_600_000 }) },
  });
  const [leased] = takeLease(state, T0, 1);
  const [observed] = step(leased, {
    type: "FleetObserved",
    now: T0,
    observeId: leased.observe.inFlight?.id ?? 0,
    panes: FLEET,
  });
  const [attached] = step(observed, { type: "ChannelAttached", now: T0, paneId: MARKER.paneId, firstMate: true });
  return attached;
};
/** Where every run starts: built once and shared (frozen: a run that wrote to it would fail). */
const STARTED = deepFrozen(started());

describe("the durable tables on file follow memory", () => {
  it("property: after every step the rows written equal the in-memory tables", () => {
    fc.assert(
      fc.property(fc.array(actionArb, { maxLength: 30 }), (actions) => {
        let state = STARTED;
        let now = T0;
        let spawns = 0;
        const stored: StoredTables = { marks: new Map(), wakes: new Map(), repeats: new Map(), deferred: new Map() };
        const pushes: string[] = [];
        const feed = (event: Event) => {
          const [next, commands] = step(state, event);
          state = next;
          for (const command of commands) {
            apply(stored, command);
            if (command.type === "channel.emit" && command.purpose === "digest") pushes.push(command.emitId);
          }
        };
        for (const action of actions) {
          switch (action.kind) {
            case "notify":
              feed({
                type: "NotifyReceived",
                now,
                paneId: `%${action.pane}` as PaneId,
                kind: "need_human",
                message: action.message,
              });
              break;
            case "report":
              feed({ type: "ReportReceived", now, paneId: `%${action.pane}` as PaneId, message: action.message });
              break;
            case "wait":
              now += action.ms;
              feed({ type: "Ticked", now });
              break;
            case "answerPush": {
              const emitId = pushes.shift();
              if (emitId !== undefined)
                feed(
                  action.delivered
                    ? { type: "EmitSucceeded", now, emitId }
                    : { type: "EmitFailed", now, emitId, reason: "not delivered" },
                );
              break;
            }
            case "defer":
              spawns += 1;
              feed({
                type: "SpawnDeferred",
                now,
                spawn: {
                  id: `d-${spawns}`,
                  launch: { name: `helper-${spawns}`, session: "fleet", argv: ["sleep", "60"] },
                  requestedAt: now,
                  releaseAt: now + action.releaseInMs,
                },
              });
              break;
            case "usage":
              feed({ type: "InputsUpdated", now, usage: { percent: action.percent, resetsAt: now + 600_000 } });
              break;
          }
          const memory = state.interrupts;
          cheapExpect(stored.marks).toEqual(new Map(memory.dedupeMarks.map((mark) => [mark.key, mark.at])));
          cheapExpect(stored.wakes).toEqual(new Map(memory.sourceWakes.map((entry) => [entry.source, entry.times])));
          cheapExpect(stored.repeats).toEqual(new Map(Object.entries(memory.repeats)));
          cheapExpect(stored.deferred).toEqual(new Map(state.authority.deferred.map((spawn) => [spawn.id, spawn])));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
