/**
 * The live and dead pane ids of a listing are kept for the last listing
 * asked for (listedPaneIds): asked again for the same listing, or for
 * another one (equal or not), they are the ids that listing holds.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { listedPaneIds } from "../src/domain/listedPaneIds.js";
import type { PaneObservation } from "../src/domain/observation.js";
import type { PaneId } from "../src/domain/paneId.js";
import { cheapExpect } from "./cheapExpect.js";

const paneArb = fc.record({ id: fc.integer({ min: 0, max: 6 }), dead: fc.boolean() }).map(
  ({ id, dead }): PaneObservation => ({
    paneId: `%${id}` as PaneId,
    session: "fleet",
    windowIndex: id,
    windowName: `w${id}`,
    title: "",
    command: "sh",
    pid: null,
    dead,
    lastActivityAt: 0,
  }),
);

/** A listing to ask about: a new one, or one asked about before (the same array). */
const askArb = fc.oneof(
  fc.array(paneArb, { maxLength: 5 }).map((panes) => ({ panes, again: null })),
  fc.nat(8).map((index) => ({ panes: null, again: index })),
);

const sortedIds = (ids: ReadonlySet<string>): string[] => [...ids].sort();

describe("listedPaneIds", () => {
  it("gives the ids of the listing asked about, whether it is the last one asked about or another", () => {
    fc.assert(
      fc.property(fc.array(askArb, { minLength: 1, maxLength: 10 }), (asks) => {
        const asked: (readonly PaneObservation[])[] = [];
        for (const ask of asks) {
          const panes = ask.panes ?? asked[(ask.again ?? 0) % Math.max(1, asked.length)] ?? [];
          asked.push(panes);
          const ids = listedPaneIds(panes);
          cheapExpect(sortedIds(ids.live)).toEqual(
            [...new Set(panes.filter((p) => !p.dead).map((p) => p.paneId))].sort(),
          );
          cheapExpect(sortedIds(ids.dead)).toEqual(
            [...new Set(panes.filter((p) => p.dead).map((p) => p.paneId))].sort(),
          );
        }
      }),
      { numRuns: 1000 },
    );
  });
});
