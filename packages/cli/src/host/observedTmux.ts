/**
 * What the host last observed of tmux, for the channel server: the tmux
 * server the fleet was listed from and each pane's pid, read from the
 * runtime's latest observation (no tmux call per hello).
 *
 * Guarantees: unknown (null) until the runtime is bound and has observed a
 * pane that names its server; a hook or shim hello is then checked against
 * the socket path only.
 */
import type { CoreState, PaneId, TmuxServerIdentity } from "@first-mate/core";
import type { ObservedTmux } from "@first-mate/driver-mcp";

/** An `ObservedTmux` over a runtime bound later (the channel server starts before the runtime exists). */
export const createObservedTmux = (): ObservedTmux & { bind(state: () => CoreState): void } => {
  let state: (() => CoreState) | null = null;
  return {
    bind(read) {
      state = read;
    },
    server(): TmuxServerIdentity | null {
      const fleet = state?.().fleet ?? [];
      for (const pane of fleet) if (pane.tmuxServer !== undefined) return pane.tmuxServer;
      return null;
    },
    panePid(paneId: PaneId): number | null {
      return state?.().fleet.find((pane) => pane.paneId === paneId)?.pid ?? null;
    },
  };
};
