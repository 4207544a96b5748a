/**
 * Pane identity: a pane is its id **and** its process **and** its tmux
 * server. Pane ids restart at `%0` when a tmux server restarts, so `%3`
 * today may be another process on another server than the `%3` a marker or
 * an alert was written for.
 *
 * The server is named by its pid and start time (tmux's `#{pid}` and
 * `#{start_time}`): both are read with every listing at no extra call, and
 * together they survive the kernel reusing a pid. The socket path is not
 * part of it: a new server on the same path is exactly the case to catch.
 *
 * Guarantees: `samePane` says "another pane" only on positive evidence (a
 * pid or server that differs); what is unknown on either side (a row from a
 * dead pane, an identity recorded before it could be read) is not proof of
 * a change. Pure.
 */
import { z } from "zod";

/** A tmux server: its pid and when it started (epoch ms, second resolution). */
export const TmuxServerIdentitySchema = z.object({
  pid: z.number().int().positive(),
  startedAt: z.number().int().nonnegative(),
});
/** A parsed {@link TmuxServerIdentitySchema}. */
export type TmuxServerIdentity = z.infer<typeof TmuxServerIdentitySchema>;

/** What names one pane beyond its id: the pane's process and the tmux server it runs on, each possibly unknown. */
export interface PaneIdentity {
  readonly panePid?: number | null | undefined;
  readonly tmuxServer?: TmuxServerIdentity | null | undefined;
}

/** Pure: whether two tmux server identities name the same server. */
export const sameTmuxServer = (a: TmuxServerIdentity, b: TmuxServerIdentity): boolean =>
  a.pid === b.pid && a.startedAt === b.startedAt;

/**
 * Pure: whether what was recorded for a pane id (`recorded`) can still be
 * the pane now observed under that id (`observed`). False only when the pane
 * pid or the tmux server is known on both sides and differs.
 */
export const samePane = (
  recorded: PaneIdentity,
  observed: { readonly pid: number | null; readonly tmuxServer?: TmuxServerIdentity | undefined },
): boolean => {
  if (recorded.tmuxServer && observed.tmuxServer && !sameTmuxServer(recorded.tmuxServer, observed.tmuxServer))
    return false;
  if (typeof recorded.panePid === "number" && observed.pid !== null && recorded.panePid !== observed.pid) return false;
  return true;
};

/** Pure: the identity to record for an observed pane (what a marker or an alert keeps). */
export const identityOf = (observed: {
  readonly pid: number | null;
  readonly tmuxServer?: TmuxServerIdentity | undefined;
}): { panePid: number | null; tmuxServer: TmuxServerIdentity | null } => ({
  panePid: observed.pid,
  tmuxServer: observed.tmuxServer ?? null,
});

/** What `replacedPaneIds` reads of one listed pane. */
interface ListedPane {
  readonly paneId: string;
  readonly pid: number | null;
  readonly tmuxServer?: TmuxServerIdentity | undefined;
}

/**
 * Pure: the pane ids of listing `before` that listing `after` shows are no
 * longer those panes — gone, or the id now names another process or tmux
 * server (`samePane` false). What was known of them belongs to them only.
 */
export const replacedPaneIds = (before: readonly ListedPane[], after: readonly ListedPane[]): string[] => {
  if (before.length === 0) return [];
  const now = new Map<string, ListedPane>();
  for (const pane of after) now.set(pane.paneId, pane);
  const replaced: string[] = [];
  for (const pane of before) {
    const later = now.get(pane.paneId);
    if (later === undefined || !samePane(identityOf(pane), later)) replaced.push(pane.paneId);
  }
  return replaced;
};
