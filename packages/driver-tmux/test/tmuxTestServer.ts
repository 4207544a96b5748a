/**
 * An isolated tmux server for one test (see src/testing): nothing runs until
 * `start()` or a driver starts it; `stop()` closes this test's drivers, then
 * kills the server, waits for it to exit and removes its socket.
 */
import { createTmuxDriver, type TmuxDriver, type TmuxDriverOptions } from "../src/index.js";
import { createIsolatedTmuxServer } from "../src/testing/index.js";

export interface TestServer {
  readonly socketName: string;
  readonly options: TmuxDriverOptions;
  /** Runs a tmux command on this server; rejects when tmux fails. */
  tmux(args: readonly string[]): Promise<string>;
  /** A driver for this server (closed by `stop`). */
  driver(extra?: Partial<TmuxDriverOptions>): TmuxDriver;
  /** Starts the server with one throwaway session (for tests that need a server but no fleet). */
  start(): Promise<void>;
  /** Kills the server and waits for its process to exit. Safe to call when none runs. */
  stop(): Promise<void>;
}

export const createTestServer = (): TestServer => {
  const server = createIsolatedTmuxServer({ keepalive: { session: "_test_keepalive", window: "sleep" } });
  const options: TmuxDriverOptions = { ...server.driverOptions, enterDelayMs: 50 };
  const drivers: TmuxDriver[] = [];
  return {
    socketName: server.socketName,
    options,
    tmux: server.tmux,
    driver(extra = {}) {
      const driver = createTmuxDriver({ ...options, ...extra });
      drivers.push(driver);
      return driver;
    },
    start: server.start,
    async stop() {
      await Promise.all(drivers.splice(0).map((driver) => driver.close()));
      await server.stop();
    },
  };
};

/**
 * Polls `check` until it returns a value other than undefined (or throws after `timeoutMs`). What it
 * waits for are real processes (tmux, node) starting and writing: the default is generous, since
 * on a loaded 2-core machine a node start alone has taken seconds, and a longer wait only slows a failure.
 */
export const eventually = async <T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};
