/**
 * `step` is total: over arbitrary schema-valid event sequences — every
 * event kind, extreme numbers included (times past what a Date can show,
 * the largest safe integer) — it returns a state and commands, never throws.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCoreConfig } from "../../src/config.js";
import { type Event, EventSchema } from "../../src/events.js";
import { initialState } from "../../src/state.js";
import { step } from "../../src/step.js";
import { schemaArbitrary } from "../../src/testing/schemaArbitrary.js";
import { cheapExpect } from "../cheapExpect.js";

const eventArb = schemaArbitrary(EventSchema);
// Made from the Started schema itself: filtering every event kind for Started threw away ~40 events per value.
const startedSchema = EventSchema.options.find((option) => option.shape.type.value === "Started")!;
const startedArb = schemaArbitrary(startedSchema) as fc.Arbitrary<Extract<Event, { type: "Started" }>>;
/** The default configuration, parsed once: every run starts from it. */
const CONFIG = parseCoreConfig({});

describe("step is total", () => {
  it("step throws on schema-valid input: InputsUpdated with a reset time past 8.64e15 returns a state", () => {
    const config = parseCoreConfig({});
    const [started] = step(initialState(config), {
      type: "Started",
      now: 1_700_000_000_000,
      owner: "host",
      hydration: {
        marker: null,
        ledger: [],
        outbox: [],
        lastOutboxSeq: 0,
        alerts: [],
        killSwitch: false,
        gaveUp: false,
        resetAt: null,
      },
    });
    const [after, commands] = step(started, {
      type: "InputsUpdated",
      now: 1_700_000_000_001,
      usage: { percent: 10, resetsAt: 8.7e15 },
    });
    expect(after.inputs.usage).toEqual({ percent: 10, resetsAt: 8.7e15 });
    expect(Array.isArray(commands)).toBe(true);
  });

  it("never throws over arbitrary schema-valid event sequences", () => {
    fc.assert(
      fc.property(startedArb, fc.array(eventArb, { maxLength: 15 }), (started, events) => {
        let state = initialState(CONFIG);
        for (const event of [started, ...events]) {
          const [next, commands] = step(state, event);
          cheapExpect(Array.isArray(commands)).toBe(true);
          state = next;
        }
        cheapExpect(state.owner).not.toBeNull();
      }),
      { numRuns: 1000 },
    );
  });
});
