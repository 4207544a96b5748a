/**
 * goneAlertPaneIds answers none, without looking, for the alerts and listing
 * it last found to keep every alert. Whatever sequence of alert tables and
 * listings — each the same object again or a new one — every answer is the
 * one looked up afresh (goneAlertPaneIdsAfresh).
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import type { Alert } from "../src/domain/alert.js";
import { goneAlertPaneIds, goneAlertPaneIdsAfresh } from "../src/domain/goneAlerts.js";
import type { PaneObservation } from "../src/domain/observation.js";
import { cheapExpect } from "./cheapExpect.js";
import { observation, pid, T0 } from "./support.js";

const alert = (n: number, panePid: number | null): Alert => ({
  paneId: pid(n),
  kind: "need_human",
  message: "approve",
  raisedAt: T0,
  panePid,
});

// Small pools, each value built once: consecutive asks often share both (the remembered answer is used).
const alertTables: readonly Readonly<Record<string, Alert>>[] = [
  {},
  { [pid(1)]: alert(1, 101) },
  { [pid(1)]: alert(1, 101), [pid(2)]: alert(2, null) },
  { [pid(3)]: alert(3, 303) },
  // The pane id now names another process.
  { [pid(1)]: alert(1, 999) },
];
const listings: readonly (readonly PaneObservation[])[] = [
  [],
  [observation(1, { pid: 101 })],
  [observation(1, { pid: 101 }), observation(2, { pid: 202 })],
  [observation(2, { pid: 202 }), observation(3, { pid: 303 })],
  [observation(1, { pid: 101 }), observation(2, { pid: 202 }), observation(3, { pid: 303 })],
];

const askArb = fc.record({ alerts: fc.nat(alertTables.length - 1), panes: fc.nat(listings.length - 1) });

/** One ask after another: the same two again (often), or one of them replaced. */
const nextArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  {
    weight: 3,
    arbitrary: fc.record({ replace: fc.constantFrom("alerts" as const, "panes" as const), index: fc.nat(4) }),
  },
);

describe("the alerts that go with their pane", () => {
  it("are those looked up afresh, whatever alerts and listings follow each other", () => {
    fc.assert(
      fc.property(askArb, fc.array(nextArb, { minLength: 1, maxLength: 8 }), (first, nexts) => {
        let ask = first;
        for (const next of [null, ...nexts]) {
          if (next !== null) ask = { ...ask, [next.replace]: next.index };
          const alerts = alertTables[ask.alerts]!;
          const panes = listings[ask.panes]!;
          cheapExpect(goneAlertPaneIds(alerts, panes)).toEqual(goneAlertPaneIdsAfresh(alerts, panes));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
