/**
 * The benchmarks' tmux server: an isolated server (driver-tmux's testing
 * entry) with a home pane and `panes` more panes running `sleep`; `stop()`
 * waits for the server process to exit.
 */
import { type IsolatedTmuxServer, startIsolatedTmuxServer } from "@first-mate/driver-tmux/testing";

export const startBenchTmuxServer = (label: string, panes = 0): Promise<IsolatedTmuxServer> =>
  startIsolatedTmuxServer({
    label: `bench-${label}`,
    panes,
    keepalive: { session: "bench-home", window: "home" },
    stopDeadlineMs: 30_000,
  });
