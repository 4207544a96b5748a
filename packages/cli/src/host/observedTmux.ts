/**
 * What the host last observed of tmux, for the channel server: the tmux
 * server the fleet was listed from and each pane's pid, read from the
 * runtime's latest observation (no tmux call per hello); and, for a hello
 * before any listing named the server or its pane, one read of tmux itself
 * (`display-message`: the server's pid and start time, the pane's pid).
 *
 * Guarantees: `server()` is unknown (null) until the runtime is bound and
 * has observed a pane that names its server; `readLive` never rejects and
 * is null when tmux could not be asked or printed no server.
 */
import type { CoreState, PaneId, TmuxError, TmuxServerIdentity } from "@first-mate/core";
import type { LiveTmux, ObservedTmux } from "@first-mate/driver-mcp";
import * as E from "fp-ts/lib/Either.js";

/** What `readLive` needs of the tmux driver: one read-only command. */
export interface TmuxReader {
  read(args: readonly string[]): Promise<E.Either<TmuxError, Buffer>>;
}

const positiveInt = (text: string | undefined): number | null =>
  text !== undefined && /^\d{1,10}$/.test(text) && Number(text) > 0 ? Number(text) : null;

/** Pure: `#{pid} #{start_time} #{pane_pid}` as printed; null without a server. */
export const parseLiveTmux = (printed: string): LiveTmux | null => {
  const [pid, startTime, panePid] = printed.trim().split(" ");
  const serverPid = positiveInt(pid);
  const started = positiveInt(startTime);
  if (serverPid === null || started === null) return null;
  return { server: { pid: serverPid, startedAt: started * 1000 }, panePid: positiveInt(panePid) };
};

/** An `ObservedTmux` over a runtime bound later (the channel server starts before the runtime exists). */
export const createObservedTmux = (tmux?: TmuxReader): ObservedTmux & { bind(state: () => CoreState): void } => {
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
    ...(tmux === undefined
      ? {}
      : {
          async readLive(paneId: PaneId): Promise<LiveTmux | null> {
            try {
              const printed = await tmux.read([
                "display-message",
                "-p",
                "-t",
                paneId,
                "#{pid} #{start_time} #{pane_pid}",
              ]);
              return E.isRight(printed) ? parseLiveTmux(printed.right.toString("utf8")) : null;
            } catch {
              return null;
            }
          },
        }),
  };
};
