/**
 * The pane ids of one listing, split into live and dead, and the live ones
 * of the first mate's window: what the supervisor and the first mate's
 * screen watch look up per observation.
 *
 * Pure. The answers for the last listing asked about are kept: a quiet fleet is
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

const NO_PANE_IDS: readonly string[] = Object.freeze([]);

/** Pure: the ids of a listing's live panes in `window` of `session`, in listing order (none: no list is made). */
export const liveInWindowAfresh = (
  panes: readonly PaneObservation[],
  session: string,
  window: string,
): readonly string[] => {
  let ids: string[] | null = null;
  for (const pane of panes) {
    if (pane.dead || pane.session !== session || pane.windowName !== window) continue;
    ids ??= [];
    ids.push(pane.paneId);
  }
  return ids ?? NO_PANE_IDS;
};

let lastInWindow: {
  readonly panes: readonly PaneObservation[];
  readonly session: string;
  readonly window: string;
  readonly ids: readonly string[];
} | null = null;

/**
 * Pure: what `liveInWindowAfresh` gives, the same list as last time for the
 * same listing and window (never written to): every observation asks for
 * the first mate's window, and a quiet fleet is the same listing again.
 */
export const liveInWindow = (panes: readonly PaneObservation[], session: string, window: string): readonly string[] => {
  if (
    lastInWindow !== null &&
    lastInWindow.panes === panes &&
    lastInWindow.session === session &&
    lastInWindow.window === window
  )
    return lastInWindow.ids;
  const ids = liveInWindowAfresh(panes, session, window);
  lastInWindow = { panes, session, window, ids };
  return ids;
};
