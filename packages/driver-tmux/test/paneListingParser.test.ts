/**
 * The listing parser a driver keeps across ticks: an unchanged row is the
 * same observation object (not parsed or validated again), any changed
 * byte is read afresh, and what it returns always equals the pure parser's.
 */
import type { PaneId, PaneObservation } from "@first-mate/core";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { createPaneListingParser, parsePaneListing, renderPaneListing } from "../src/paneListing.js";
import { listingRowFields } from "./listingRowArbitrary.js";

const observation = (index: number): fc.Arbitrary<PaneObservation> =>
  fc.record(listingRowFields(fc.constant(`%${index}` as PaneId)));

/** A fleet, and the next listing: some panes kept as they were, some changed, some gone, some new. */
const twoListings = fc
  .integer({ min: 0, max: 12 })
  .chain((count) =>
    fc.tuple(
      fc.tuple(...Array.from({ length: count }, (_, index) => observation(index))),
      fc.array(fc.constantFrom("keep", "change", "drop"), { minLength: count, maxLength: count }),
      fc.tuple(...Array.from({ length: count }, (_, index) => observation(index))),
      fc.array(observation(1000), { maxLength: 2 }),
    ),
  )
  .map(([first, fates, replacements, added]) => {
    const second: PaneObservation[] = [];
    first.forEach((pane, index) => {
      if (fates[index] === "keep") second.push(pane);
      else if (fates[index] === "change") second.push(replacements[index]!);
    });
    return { first: first as PaneObservation[], second: [...second, ...added.slice(0, 1)] };
  });

describe("the listing parser kept across ticks", () => {
  it("always reads what the pure parser reads, and an unchanged row is the same object", () => {
    fc.assert(
      fc.property(twoListings, ({ first, second }) => {
        const parser = createPaneListingParser();
        const before = parser.parse(renderPaneListing(first));
        expect(before).toEqual(parsePaneListing(renderPaneListing(first)));
        const after = parser.parse(renderPaneListing(second));
        expect(after).toEqual(parsePaneListing(renderPaneListing(second)));
        if (E.isLeft(before) || E.isLeft(after)) throw new Error("listings must parse");
        for (const pane of after.right) {
          const earlier = before.right.find((candidate) => candidate.paneId === pane.paneId);
          const unchanged = earlier !== undefined && JSON.stringify(earlier) === JSON.stringify(pane);
          // The same row gives the same object; a changed row never does.
          expect(pane === earlier).toBe(unchanged);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("a title that grew past the old row's end, and one that forges the next row, are read afresh", () => {
    const pane: PaneObservation = {
      paneId: "%1" as PaneId,
      session: "s",
      windowIndex: 0,
      windowName: "w",
      title: "t",
      command: "bash",
      pid: 10,
      dead: false,
      lastActivityAt: 1_000,
    };
    const parser = createPaneListingParser();
    parser.parse(renderPaneListing([pane]));
    const longer = { ...pane, title: `t\n%2\t0\t11\t0\t1\t\t\t1\ts` };
    expect(parser.parse(renderPaneListing([longer]))).toEqual(E.right([longer]));
    expect(parser.parse(renderPaneListing([pane]))).toEqual(E.right([pane]));
  });

  it("hidden sessions stay hidden when their rows repeat", () => {
    const hidden: PaneObservation = {
      paneId: "%3" as PaneId,
      session: "_first_mate_ctl",
      windowIndex: 0,
      windowName: "w",
      title: "",
      command: "sleep",
      pid: 12,
      dead: false,
      lastActivityAt: 1_000,
    };
    const parser = createPaneListingParser(new Set(["_first_mate_ctl"]));
    expect(parser.parse(renderPaneListing([hidden]))).toEqual(E.right([]));
    expect(parser.parse(renderPaneListing([hidden]))).toEqual(E.right([]));
  });
});
