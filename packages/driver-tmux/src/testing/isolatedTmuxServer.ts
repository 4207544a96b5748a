/**
 * A private tmux server for integration tests and benchmarks: a unique `-L`
 * socket name, `-f /dev/null` (no user configuration), `TMUX` unset so a
 * test run from inside tmux never talks to the caller's server, optionally
 * pre-filled with panes that run `exec sleep 3600`.
 *
 * Guarantees: `stop()` kills the server, waits for its process to exit
 * (SIGKILL past a deadline) and removes the socket file, also when the
 * server already died on its own; it may be called any number of times.
 * Does not: import a test framework, or stop drivers created from
 * `driverOptions` (close those first: their control clients are the
 * server's clients).
 */
import { randomBytes } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { endTmuxServer } from "../endTmuxServer.js";
import { protectTrailingSemicolon } from "../tmuxArgument.js";
import type { TmuxDriverOptions } from "../tmuxDriver.js";
import { waitForProcessExit } from "./waitForProcessExit.js";

/** The session that keeps a server alive before (or without) a fleet. */
export interface KeepaliveSession {
  readonly session: string;
  /** Window name (default "keepalive"). */
  readonly window?: string;
}

/** How to start an isolated tmux server: a label for its socket name, and how many idle panes to start with. */
export interface IsolatedTmuxServerOptions {
  /** Part of the socket name, to tell servers apart (default "test"). Letters, digits, `_` and `-`. */
  readonly label?: string;
  /** How many panes running `exec sleep 3600` to start with, 250 windows to a session `panesN` (default 0). */
  readonly panes?: number;
  /** The session started first (default `{ session: "keepalive" }`); false for none, which needs `panes` > 0. */
  readonly keepalive?: KeepaliveSession | false;
  /** How long `stop()` waits for the server to exit before SIGKILL (default 20 000 ms). */
  readonly stopDeadlineMs?: number;
  /** The tmux executable (default "tmux" on PATH). */
  readonly tmuxBinary?: string;
}

/**
 * A tmux server of its own for a test: its socket name, driver options pointing at it, and `kill()`, which waits
 * for the server to exit.
 */
export interface IsolatedTmuxServer {
  /** The `-L` name; unique per process and call. */
  readonly socketName: string;
  /** Options that point `createTmuxDriver` at this server (spread your own over them). */
  readonly driverOptions: TmuxDriverOptions;
  /**
   * Runs one tmux command on this server; resolves to stdout (final newline
   * removed), rejects when tmux fails. Arguments reach the command as given:
   * a trailing `;` is protected, so `;` cannot chain commands here.
   */
  tmux(args: readonly string[]): Promise<string>;
  /** Starts the server with the keepalive session and the panes asked for. Rejects if it is already running. */
  start(): Promise<void>;
  /** The server's process id, or null when no server runs on this socket. */
  pid(): Promise<number | null>;
  /** Kills the server, waits for it to exit and removes its socket file. Safe to call when none runs. */
  stop(): Promise<void>;
}

const WINDOWS_PER_SESSION = 250;
const DEFAULT_STOP_DEADLINE_MS = 20_000;
const SLEEPER = '"exec sleep 3600"';
// Names go into a tmux script unquoted; keeping them plain keeps that safe.
const PLAIN_NAME = /^[A-Za-z0-9_-]+$/;

let servers = 0;

const plain = (what: string, name: string): string => {
  if (!PLAIN_NAME.test(name)) throw new Error(`${what} ${JSON.stringify(name)}: use letters, digits, "_" and "-"`);
  return name;
};

/** The tmux script that creates the keepalive session and the filler panes. */
const startupScript = (keepalive: KeepaliveSession | false, panes: number): string[] => {
  const lines: string[] = [];
  if (keepalive !== false) {
    const session = plain("keepalive session", keepalive.session);
    const window = plain("keepalive window", keepalive.window ?? "keepalive");
    lines.push(`new-session -d -s ${session} -n ${window} ${SLEEPER}`);
  }
  for (let index = 0; index < panes; index++) {
    const session = `panes${Math.floor(index / WINDOWS_PER_SESSION)}`;
    lines.push(
      index % WINDOWS_PER_SESSION === 0
        ? `new-session -d -s ${session} -n w${index} ${SLEEPER}`
        : `new-window -d -t =${session}: -n w${index} ${SLEEPER}`,
    );
  }
  return lines;
};

/** An isolated server that is not started yet: call `start()`, or let a driver start it. */
export const createIsolatedTmuxServer = (options: IsolatedTmuxServerOptions = {}): IsolatedTmuxServer => {
  servers += 1;
  const label = plain("label", options.label ?? "test");
  const socketName = `fm-${label}-${process.pid}-${servers}-${randomBytes(3).toString("hex")}`;
  const binary = options.tmuxBinary ?? "tmux";
  const script = startupScript(options.keepalive ?? { session: "keepalive" }, options.panes ?? 0);
  if (script.length === 0) throw new Error("an isolated tmux server needs a keepalive session or panes");
  const driverOptions: TmuxDriverOptions = {
    socketName,
    configFile: "/dev/null",
    ...(options.tmuxBinary === undefined ? {} : { tmuxBinary: options.tmuxBinary }),
  };

  const runRaw = async (args: readonly string[]): Promise<string> =>
    (await execa(binary, ["-u", "-f", "/dev/null", "-L", socketName, ...args], { env: { TMUX: undefined } })).stdout;

  const locate = async (): Promise<{ pid: number; socketPath: string } | null> => {
    try {
      const [pid, socketPath = ""] = (await runRaw(["display-message", "-p", "#{pid}\t#{socket_path}"])).split("\t");
      return { pid: Number(pid), socketPath };
    } catch {
      return null;
    }
  };

  // A server that exited on its own may leave its socket file behind.
  const defaultSocketPath = () =>
    join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`, socketName);

  const stopOnce = async () => {
    const running = await locate();
    if (running === null) {
      await rm(defaultSocketPath(), { force: true });
      return;
    }
    // Panes' process trees are recorded before the server goes and ended after it (an agent may catch SIGHUP).
    await endTmuxServer(driverOptions).catch(() => runRaw(["kill-server"]).catch(() => undefined));
    await waitForProcessExit(running.pid, options.stopDeadlineMs ?? DEFAULT_STOP_DEADLINE_MS);
    await rm(running.socketPath || defaultSocketPath(), { force: true });
  };
  let stopping: Promise<void> | null = null;

  return {
    socketName,
    driverOptions,
    tmux: (args) => runRaw(args.map(protectTrailingSemicolon)),
    async start() {
      const file = join(tmpdir(), `${socketName}.conf`);
      await writeFile(file, `${script.join("\n")}\n`);
      try {
        // One client command, so the sessions exist before the server checks for an empty session list.
        await runRaw(["start-server", ";", "source-file", file]);
      } finally {
        await rm(file, { force: true });
      }
    },
    async pid() {
      return (await locate())?.pid ?? null;
    },
    stop() {
      // Calls while a stop is under way share it.
      stopping ??= stopOnce().finally(() => {
        stopping = null;
      });
      return stopping;
    },
  };
};

/** Creates and starts an isolated server; if the start fails, stops what it left and rejects. */
export const startIsolatedTmuxServer = async (options: IsolatedTmuxServerOptions = {}): Promise<IsolatedTmuxServer> => {
  const server = createIsolatedTmuxServer(options);
  try {
    await server.start();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
};
