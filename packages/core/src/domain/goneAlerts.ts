/**
 * The alerts that go with their pane: a pane no longer listed cannot still
 * need a human, and neither can a pane whose id now names another process
 * or another tmux server (the id was reused; see paneIdentity.ts).
 *
 * Pure: executes nothing.
 */
import type { Alert } from "./alert.js";
import type { PaneObservation } from "./observation.js";
import { samePane } from "./paneIdentity.js";

/** No pane ids (frozen: shared by every answer that finds none). */
const NONE: readonly string[] = Object.freeze([]);

/** Pure: the pane ids of `alerts` whose pane `panes` does not list as the same pane, in the alerts' order. */
export const goneAlertPaneIdsAfresh = (
  alerts: Readonly<Record<string, Alert>>,
  panes: readonly PaneObservation[],
): readonly string[] => {
  // Most observations find no alert at all: no need to index the panes then.
  if (Object.keys(alerts).length === 0) return NONE;
  const observed = new Map<string, PaneObservation>(panes.map((pane) => [pane.paneId, pane]));
  return Object.entries(alerts)
    .filter(([paneId, alert]) => {
      const pane = observed.get(paneId);
      return pane === undefined || !samePane(alert, pane);
    })
    .map(([paneId]) => paneId);
};

/**
 * The alerts and listing last found to keep every alert. A quiet fleet is
 * listed as the same array again (step.ts, withLastListing) and its alerts
 * stay the same object: they are not looked up again at every observation.
 */
let lastKept: { readonly alerts: Readonly<Record<string, Alert>>; readonly panes: readonly PaneObservation[] } | null =
  null;

/** Pure: what `goneAlertPaneIdsAfresh` answers; none, without looking, for the alerts and listing last found to keep them all. */
export const goneAlertPaneIds = (
  alerts: Readonly<Record<string, Alert>>,
  panes: readonly PaneObservation[],
): readonly string[] => {
  if (lastKept !== null && lastKept.alerts === alerts && lastKept.panes === panes) return NONE;
  const gone = goneAlertPaneIdsAfresh(alerts, panes);
  if (gone.length === 0) lastKept = { alerts, panes };
  return gone;
};
