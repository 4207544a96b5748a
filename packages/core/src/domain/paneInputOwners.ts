/**
 * Whose inputs are they: the embedder names a pane by its id only, yet pane
 * ids are reused after a tmux server restarts (see paneIdentity.ts). So the
 * core records, for each pane's inputs, the pane they were given for — the
 * pane the host last listed under that id — and keeps them only while the
 * id names that pane.
 *
 * Rules:
 * - Inputs given for an id the last listing shows belong to that pane (its
 *   pid and tmux server). Given just before a tmux server restart, with no
 *   listing in between, they are dropped by the next listing, which shows
 *   the id with another pid or server. Inputs meant for the new pane on a
 *   reused id, given before the host listed the new server, cannot be told
 *   from those and are dropped too: the embedder gives them again.
 * - Inputs given for an id the last listing does not show (a worker spawned
 *   since) have no pid yet: they belong to the first pane listed under that
 *   id, as long as that listing is of the tmux server listed last. A
 *   listing of another server drops them.
 * - Before any listing that shows a pane (a host that just started, or
 *   whose tmux server had no pane yet) nothing is known: the first listing
 *   that shows one decides whose they are. Not listed in it, they await
 *   their pane on that listing's server, as above.
 * - Once listed, inputs go with their pane: dropped when the id is gone or
 *   names another pane.
 *
 * Pure.
 */
import type { FleetInputs, PaneInput } from "./observation.js";
import { identityOf, type PaneIdentity, samePane, sameTmuxServer, type TmuxServerIdentity } from "./paneIdentity.js";

/** What the owner rules read of one listed pane. */
interface ListedPane {
  readonly paneId: string;
  readonly pid: number | null;
  readonly tmuxServer?: TmuxServerIdentity | undefined;
}

/** The pane each pane id's inputs were given for, by pane id. */
export type PaneInputOwners = Readonly<Record<string, PaneIdentity>>;

/** Pure: the tmux server a listing is of (every row of one listing is from one server); null when it shows none. */
const serverOf = (listing: readonly ListedPane[]): TmuxServerIdentity | null =>
  listing.find((pane) => pane.tmuxServer !== undefined)?.tmuxServer ?? null;

/**
 * Pure: the pane inputs given now for `paneId` belong to, judged against
 * the last listing: the pane it shows under that id, else a pane not listed
 * yet on the server it is of.
 */
export const inputOwner = (lastListing: readonly ListedPane[], paneId: string): PaneIdentity => {
  const listed = lastListing.find((pane) => pane.paneId === paneId);
  return listed === undefined ? { panePid: null, tmuxServer: serverOf(lastListing) } : identityOf(listed);
};

/** No owners. */
const NO_OWNERS: PaneInputOwners = Object.freeze({});

const hasEntries = (record: object): boolean => {
  for (const key in record) if (Object.hasOwn(record, key)) return true;
  return false;
};

/**
 * Pure: the embedder's inputs and their owners once listing `after` (which
 * followed `before`) is known: inputs whose pane is gone or whose id names
 * another pane are dropped; the others now belong to the pane `after` shows.
 * Inputs without a recorded owner are taken for the pane `before` showed.
 */
export const keepInputsOfListedPanes = (
  inputs: FleetInputs,
  owners: PaneInputOwners,
  before: readonly ListedPane[],
  after: readonly ListedPane[],
): { readonly inputs: FleetInputs; readonly owners: PaneInputOwners } => {
  // Most listings come with no input given: no list of none, and one owner table for them all (never written to).
  if (!hasEntries(inputs.panes)) return { inputs, owners: NO_OWNERS };
  const given = Object.entries(inputs.panes);
  const listedBefore = new Set(before.map((pane) => pane.paneId));
  const now = new Map(after.map((pane) => [pane.paneId, pane]));
  const server = serverOf(after);
  const kept: Record<string, PaneInput> = {};
  const keptOwners: Record<string, PaneIdentity> = {};
  for (const [paneId, input] of given) {
    const owner = owners[paneId] ?? inputOwner(before, paneId);
    const pane = now.get(paneId);
    if (pane !== undefined) {
      if (!samePane(owner, pane)) continue;
      kept[paneId] = input;
      keptOwners[paneId] = identityOf(pane);
      continue;
    }
    // Not listed: gone if it was listed before or its server is; else still awaiting its first listing.
    const serverGone = owner.tmuxServer && server !== null && !sameTmuxServer(owner.tmuxServer, server);
    if (listedBefore.has(paneId) || serverGone) continue;
    kept[paneId] = input;
    // Given while no server was known: they await their pane on the first server listed since, not on a later one.
    keptOwners[paneId] =
      !owner.tmuxServer && server !== null ? { panePid: owner.panePid ?? null, tmuxServer: server } : owner;
  }
  // Most listings keep every input: the same inputs then, so what is remembered per inputs (digest rows) holds.
  const keptAll = Object.keys(kept).length === given.length;
  return { inputs: keptAll ? inputs : { ...inputs, panes: kept }, owners: keptOwners };
};
