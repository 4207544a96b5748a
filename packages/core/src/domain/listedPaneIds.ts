/**
 * The pane ids of one listing, split into live and dead: what the
 * supervisor and the first mate's screen watch look up per observation.
 *
 * Pure. The split of the last listing asked for is kept: a quiet fleet is
 * listed as the same array again (step.ts keeps the last listing when an
 * observation equals it), so the sets are built once per distinct listing.
 * Listings are never written to once observed, so the same array has the
 * same split.
 */
import type { PaneObservation } from "./observation.js";

/** The ids of a listing's live panes and of its dead ones (remain-on-exit). */
export interface ListedPaneIds {
  readonly live: ReadonlySet<string>;
  readonly dead: ReadonlySet<string>;
}

let last: { readonly panes: readonly PaneObservation[]; readonly ids: ListedPaneIds } | null = null;

const splitPaneIds = (panes: readonly PaneObservation[]): ListedPaneIds => {
  const live = new Set<string>();
  const dead = new Set<string>();
  for (const pane of panes) (pane.dead ? dead : live).add(pane.paneId);
  return { live, dead };
};

/** Pure: the live and dead pane ids of `panes` (the same sets as last time for the same listing; never written to). */
export const listedPaneIds = (panes: readonly PaneObservation[]): ListedPaneIds => {
  if (last !== null && last.panes === panes) return last.ids;
  const ids = splitPaneIds(panes);
  last = { panes, ids };
  return ids;
};
