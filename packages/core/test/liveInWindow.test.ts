/**
 * The live panes of the first mate's window are kept for the last listing
 * and window asked about (liveInWindow): asked again for the same listing,
 * or for another listing or window, they are what liveInWindowAfresh finds.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { liveInWindow, liveInWindowAfresh } from "../src/domain/listedPaneIds.js";
import type { PaneObservation } from "../src/domain/observation.js";
import type { PaneId } from "../src/domain/paneId.js";
import { cheapExpect } from "./cheapExpect.js";

const SESSIONS = ["bridge", "fleet"] as const;
const WINDOWS = ["first-mate", "w1"] as const;

const paneArb = fc
  .record({
    id: fc.integer({ min: 0, max: 6 }),
    dead: fc.boolean(),
    session: fc.constantFrom(...SESSIONS),
    windowName: fc.constantFrom(...WINDOWS),
  })
  .map(
    ({ id, dead, session, windowName }): PaneObservation => ({
      paneId: `%${id}` as PaneId,
      session,
      windowIndex: id,
      windowName,
      title: "",
      command: "sh",
      pid: null,
      dead,
      lastActivityAt: 0,
    }),
  );

/** A listing and window to ask about: the listing new, or one asked about before (the same array). */
const askArb = fc.record({
  panes: fc.option(fc.array(paneArb, { maxLength: 5 }), { nil: null }),
  again: fc.nat(8),
  session: fc.constantFrom(...SESSIONS),
  window: fc.constantFrom(...WINDOWS),
});

describe("liveInWindow", () => {
  it("gives the live panes of the window asked about in the listing asked about, whatever was asked before", () => {
    fc.assert(
      fc.property(fc.array(askArb, { minLength: 1, maxLength: 10 }), (asks) => {
        const asked: (readonly PaneObservation[])[] = [];
        for (const ask of asks) {
          const panes = ask.panes ?? asked[ask.again % Math.max(1, asked.length)] ?? [];
          asked.push(panes);
          cheapExpect(liveInWindow(panes, ask.session, ask.window)).toEqual(
            liveInWindowAfresh(panes, ask.session, ask.window),
          );
        }
      }),
      { numRuns: 1000 },
    );
  });
});
