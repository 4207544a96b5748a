/** The fields of one pane listing row as fast-check arbitraries, shared by the listing tests. */
import fc from "fast-check";
import { hostileString } from "./hostileArbitraries.js";

/**
 * Every field a listing row always has, in the order a row is built, names
 * and text hostile; `paneId` is the test's own (any id, or one fixed per
 * position). Spread into `fc.record` beside the optional fields a test adds.
 */
export const listingRowFields = <Id extends string>(paneId: fc.Arbitrary<Id>) => ({
  paneId,
  session: hostileString(),
  windowIndex: fc.nat({ max: 10_000 }),
  windowName: hostileString(),
  title: hostileString(),
  command: hostileString(),
  pid: fc.option(fc.integer({ min: 1, max: 4_000_000 }), { nil: null }),
  dead: fc.boolean(),
  lastActivityAt: fc.nat({ max: 4_000_000_000 }).map((seconds) => seconds * 1000),
  width: fc.nat({ max: 1000 }),
  height: fc.nat({ max: 1000 }),
});

/** Any pane id tmux could print. */
export const anyPaneId = (): fc.Arbitrary<string> => fc.nat({ max: 100_000 }).map((n) => `%${n}`);
