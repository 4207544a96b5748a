/**
 * The fake world runs batches in the runtime's order (a batch's durable
 * writes before the next event is decided, a failed write heard first); the
 * defects that order showed, each pinned as the shortest sequence.
 */
import { describe, expect, it } from "vitest";
import { liveFirstMateWindowPanes, runActions, startedWorld } from "../worldSupport.js";

describe("found once the world ran batches in the runtime's order", () => {
  it("a malformed spawn's window is removed although its captain's log line could not be written, so no first mate starts beside it", () => {
    // Shrunk from invariant 7 with faults: the failed log write held back the window's removal.
    const world = startedWorld(0);
    runActions(world, [
      { type: "queueSpawn", behaviour: "malformed_id" },
      { type: "killFirstMate" },
      { type: "storeWriteFails", write: "appendLog", count: 1 },
      { type: "advance", ms: 15_000 },
    ]);
    expect(world.events.some((event) => event.type === "StoreWriteFailed")).toBe(true);
    expect(liveFirstMateWindowPanes(world).length).toBeLessThanOrEqual(1);
  });
});
