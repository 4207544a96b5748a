/**
 * An isolated tmux server for one test: a unique `-L` socket, `-f /dev/null`,
 * killed afterwards with a wait for the server process to exit and its
 * socket removed, so no server outlives the test even when it fails.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { createTmuxDriver, protectTrailingSemicolon, type TmuxDriver, type TmuxDriverOptions } from "../src/index.js";

let counter = 0;

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

const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export const createTestServer = (): TestServer => {
  counter += 1;
  const socketName = `fm-test-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
  const options: TmuxDriverOptions = { socketName, configFile: "/dev/null", enterDelayMs: 50 };
  const drivers: TmuxDriver[] = [];
  const tmux = async (args: readonly string[]) => {
    const result = await execa(
      "tmux",
      ["-u", "-f", "/dev/null", "-L", socketName, ...args.map(protectTrailingSemicolon)],
      {
        env: { TMUX: undefined },
      },
    );
    return result.stdout;
  };
  return {
    socketName,
    options,
    tmux,
    driver(extra = {}) {
      const driver = createTmuxDriver({ ...options, ...extra });
      drivers.push(driver);
      return driver;
    },
    async start() {
      await tmux(["new-session", "-d", "-s", "_test_keepalive", "--", "sleep", "3600"]);
    },
    async stop() {
      await Promise.all(drivers.splice(0).map((driver) => driver.close()));
      let pid: number | null = null;
      let socketPath: string | null = null;
      try {
        const [pidText, ...pathParts] = (await tmux(["display-message", "-p", "#{pid} #{socket_path}"])).split(" ");
        pid = Number(pidText);
        socketPath = pathParts.join(" ");
      } catch {
        // No server: nothing to kill.
      }
      // A server that exited on its own may leave its socket file behind.
      const defaultSocket = join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`, socketName);
      if (pid === null) {
        await rm(defaultSocket, { force: true });
        return;
      }
      await execa("tmux", ["-L", socketName, "kill-server"], { reject: false });
      const deadline = Date.now() + 20_000;
      while (processAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      if (processAlive(pid)) process.kill(pid, "SIGKILL");
      await rm(socketPath || defaultSocket, { force: true });
    },
  };
};

/** Polls `check` until it returns a value other than undefined (or throws after `timeoutMs`). */
export const eventually = async <T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 5000,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};
