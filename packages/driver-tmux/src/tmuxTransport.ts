/**
 * How every tmux command of a driver reaches the server: over one
 * persistent control-mode connection, with a spawned client only while the
 * connection is down.
 *
 * Guarantees:
 * - One connection per transport, kept while the transport is in use: it is
 *   opened on first use once a server runs (never starting one: it polls
 *   with `list-sessions`, 50 ms doubling to 2 s) and re-opened on loss.
 * - One in-flight queue (the connection's), a per-command timeout (the
 *   connection's first command, which also waits for the client to start,
 *   gets at least the default timeout); replies
 *   are matched to commands by order and block number, framed so content
 *   cannot end a reply early (see `controlModeReader.ts`).
 * - Nothing is done twice: a `read` whose connection is lost is run again
 *   by a spawned client; a `write` whose connection is lost is never resent:
 *   it resolves to `unknown`, since tmux may or may not have run it.
 * - Commands the connection cannot carry yet (not connected, or connecting)
 *   go through a spawned client, so a caller never waits for a reconnect.
 * - Counts every process it starts (`stats()`), for benchmarks and tests.
 * Does not: interpret replies (the driver does), or decide anything.
 */
import type { TmuxError } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import { commandBytes, MAX_COMMAND_BYTES } from "./controlModeCommand.js";
import { type ControlModeConnection, openControlModeConnection } from "./controlModeConnection.js";
import { runTmux, type TmuxOutput, type TmuxRunFailure, type TmuxServerAddress } from "./tmuxCommandRunner.js";
import { tmuxCommandFailed, tmuxInvalidArgument } from "./tmuxErrors.js";

/** `read`: safe to run again (reads, and settings that repeat to the same value); `write` (create, kill, type): never run twice. */
export type CommandEffect = "read" | "write";

/** A failure of `run`: the spawned client's failures, plus a write whose outcome is not known. */
export type TransportFailure = TmuxRunFailure | { readonly kind: "unknown"; readonly reason: string };

/** What the transport reports besides replies. */
export type TransportSignal =
  | { readonly type: "up" }
  | { readonly type: "down"; readonly reason: string }
  /** The tmux binary cannot be started: no connection will come. */
  | { readonly type: "unavailable"; readonly error: TmuxError }
  | { readonly type: "notification"; readonly line: string };

/** Counters since the transport was created. */
export interface TransportStats {
  /** tmux processes started for commands while the connection was down, and for server probes. */
  readonly spawnedClients: number;
  /** Commands answered over the connection. */
  readonly connectionCommands: number;
  /** Control-mode clients started. */
  readonly connections: number;
}

/** One driver's way to tmux: a persistent control-mode connection, with a spawned client as fallback. */
export interface TmuxTransport {
  /** Runs one tmux command (name first); resolves, never rejects. */
  run(args: readonly string[], effect: CommandEffect): Promise<E.Either<TransportFailure, TmuxOutput>>;
  /** Receives connection signals and notification lines; returns an unsubscribe function. */
  listen(listener: (signal: TransportSignal) => void): () => void;
  /** Whether commands currently travel over the connection. */
  connected(): boolean;
  /** Starts keeping a connection (idempotent). */
  start(): void;
  stats(): TransportStats;
  /** Ends the connection and its reconnect loop; resolves when the client process has exited. */
  close(): Promise<void>;
}

/** How a transport reaches its connection. */
export interface TmuxTransportOptions {
  /** The hidden session the control client attaches to. */
  readonly controlSessionName: string;
  /** How long one command may wait for its reply over the connection (default 10 s). */
  readonly commandTimeoutMs?: number;
}

/** A command answered within this time, or the connection is presumed stuck. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;
/**
 * The first command of a connection also waits for its client process to start and attach, which on a
 * loaded machine takes longer than a short command timeout: it gets at least this long.
 */
const MIN_HANDSHAKE_TIMEOUT_MS = DEFAULT_COMMAND_TIMEOUT_MS;
const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 2000;

/** Creates a transport for one tmux server; starts nothing until the first command or `start()`. */
export const createTmuxTransport = (address: TmuxServerAddress, options: TmuxTransportOptions): TmuxTransport => {
  const timeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const listeners = new Set<(signal: TransportSignal) => void>();
  let connection: ControlModeConnection | null = null;
  let ready = false;
  let running = false;
  let loop: Promise<void> | null = null;
  let wakeSleep: (() => void) | null = null;
  /** Set while a connection is being opened: commands wait for it instead of racing it. */
  let connecting: Promise<void> | null = null;
  const spawnedInFlight = new Set<Promise<unknown>>();
  const counts = { spawnedClients: 0, connectionCommands: 0, connections: 0 };

  const signal = (value: TransportSignal) => {
    for (const listener of [...listeners]) {
      try {
        listener(value);
      } catch {
        // A listener's failure must not stop delivery to the others.
      }
    }
  };

  const spawned = (args: readonly string[]) => {
    counts.spawnedClients += 1;
    const running = runTmux(address, args);
    spawnedInFlight.add(running);
    void running.finally(() => spawnedInFlight.delete(running));
    return running;
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeSleep = null;
        resolve();
      }
      wakeSleep = done;
    });

  /** Opens one connection; resolves with it once it answered its first command, or null. */
  const openOnce = async (): Promise<ControlModeConnection | null> => {
    counts.connections += 1;
    const opened = openControlModeConnection(address, options.controlSessionName, (line) =>
      signal({ type: "notification", line }),
    );
    connection = opened;
    // The first reply proves the attach worked and the framing holds.
    const first = await opened.send(["display-message", "-p", "ready"], Math.max(timeoutMs, MIN_HANDSHAKE_TIMEOUT_MS));
    if (first.type === "reply" && !first.failed) {
      ready = true;
      return opened;
    }
    await opened.close();
    connection = null;
    return null;
  };

  /** Serves commands over a ready connection until it ends. */
  const followConnection = async (opened: ControlModeConnection): Promise<void> => {
    signal({ type: "up" });
    const reason = await opened.closed;
    ready = false;
    connection = null;
    signal({ type: "down", reason });
  };

  /**
   * Probes for a server and, if one runs, opens a connection; runs until the
   * connection is ready or has failed, and no spawned client runs meanwhile:
   * tmux 3.3a can crash when a session is created while a control client is
   * still introducing itself (it writes a notification to a client whose
   * control state does not exist yet).
   */
  const attempt = async (): Promise<"unavailable" | "no-server" | ControlModeConnection | null> => {
    await Promise.allSettled([...spawnedInFlight]);
    counts.spawnedClients += 1;
    const probe = await runTmux(address, ["list-sessions", "-F", "#{session_id}"]);
    if (E.isLeft(probe) && probe.left.kind === "error" && probe.left.error._tag === "TmuxNotFound") {
      signal({ type: "unavailable", error: probe.left.error });
      return "unavailable";
    }
    if (E.isLeft(probe) || !running) return "no-server";
    return openOnce();
  };

  const keepConnected = async () => {
    let backoff = FIRST_BACKOFF_MS;
    while (running) {
      const opening = attempt();
      connecting = opening.then(() => undefined);
      const opened = await opening;
      connecting = null;
      if (typeof opened === "object" && opened !== null) {
        if (!running) {
          ready = false;
          connection = null;
          await opened.close();
          break;
        }
        await followConnection(opened);
        backoff = FIRST_BACKOFF_MS;
      }
      if (!running) break;
      await sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  };

  const start = () => {
    if (running) return;
    running = true;
    loop = keepConnected();
  };

  const run = async (
    args: readonly string[],
    effect: CommandEffect,
  ): Promise<E.Either<TransportFailure, TmuxOutput>> => {
    if (args.some((argument) => argument.includes("\u0000")))
      return E.left({ kind: "error", error: tmuxInvalidArgument("tmux arguments must not contain NUL") });
    start();
    if (connecting !== null) await connecting;
    const current = connection;
    if (!ready || current === null) return spawned(args);
    if (commandBytes(args) > MAX_COMMAND_BYTES)
      return E.left({ kind: "error", error: tmuxCommandFailed(args, 1, "command too long") });
    const reply = await current.send(args, timeoutMs);
    if (reply.type === "reply") {
      counts.connectionCommands += 1;
      return reply.failed
        ? E.left({ kind: "error", error: tmuxCommandFailed(args, 1, reply.body.toString("utf8")) })
        : E.right({ stdout: reply.body });
    }
    if (effect === "read") return spawned(args);
    return E.left({
      kind: "unknown",
      reason: `the control-mode connection was lost before tmux answered (${reply.reason}); tmux ${args[0] ?? ""} may or may not have run`,
    });
  };

  return {
    run,
    listen(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    connected: () => ready,
    start,
    stats: () => ({ ...counts }),
    async close() {
      running = false;
      wakeSleep?.();
      await connection?.close();
      await loop;
      loop = null;
    },
  };
};
