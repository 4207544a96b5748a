/**
 * The stdio shim an agent launches as its MCP server: it connects to the
 * channel server's unix socket, says hello for its pane, and relays
 * newline-delimited JSON-RPC both ways.
 *
 * Guarantees (the agent is never broken by it):
 * - No `TMUX_PANE`, or no server reachable within the start wait: it exits 0
 *   without writing anything to stdout.
 * - A dropped socket answers every in-flight agent request with a JSON-RPC
 *   error at once; requests made while disconnected are answered the same
 *   way. It reconnects with exponential backoff, replays the agent's recorded
 *   `initialize` request and `initialized` notification, and hides the
 *   duplicate initialize response from the agent.
 * - A socket directory that is not private to this user (another owner, or
 *   group/other access) is refused before any connection: it exits 0 and
 *   says why on stderr.
 * - The spawn token is sent once; the resume secret the server grants for
 *   it (kept in memory only, never relayed to the agent) is what every
 *   reconnect presents. The hello carries `$TMUX`, so a server watching
 *   another tmux server refuses it.
 * - Lines are relayed verbatim; a hello refusal from the server goes to
 *   stderr, never to the agent.
 *
 * Does not: validate or rewrite the agent's messages (the server does), or
 * queue requests across a reconnect (a retry is the agent's call).
 */
import { lstatSync, readFileSync, unlinkSync } from "node:fs";
import { connect, type Socket } from "node:net";
import type { Readable, Writable } from "node:stream";
import { isPaneId } from "@first-mate/core";
import { parseHelloRefusal, parseResumeGrant, serializeHello } from "../hello.js";
import { MAX_FRAME_BYTES } from "../limits.js";
import { resolveSocketPath, type ShimEnvironment } from "./defaultSocketPath.js";
import { checkSocketDirectory } from "./socketDirectoryCheck.js";

/** The shim's streams (the agent's stdin and stdout, diagnostics), its environment, and its start wait and reconnect backoff. */
export interface ShimOptions {
  readonly stdin: Readable;
  readonly stdout: Writable;
  /** Diagnostics; default: discarded. */
  readonly stderr?: Writable;
  /**
   * Reads `TMUX_PANE`, `FIRST_MATE_TOKEN` (else `FIRST_MATE_TOKEN_FILE`, read
   * once and removed), `FIRST_MATE_SOCKET`, `FIRST_MATE_SHIM_WAIT_MS`.
   */
  readonly env: ShimEnvironment;
  /** How long to keep trying the first connection; default `FIRST_MATE_SHIM_WAIT_MS` or 3000 ms. */
  readonly startWaitMs?: number;
  /** First reconnect delay; doubles up to `maxBackoffMs`. Default 50 ms. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** JSON-RPC error code the shim answers with while the server is unreachable. */
export const SHIM_DISCONNECTED_CODE = -32000;

const REPLAY_ID_PREFIX = "first-mate-shim-replay-";

type JsonRpcId = string | number;
interface Parsed {
  readonly id?: JsonRpcId;
  readonly method?: string;
}

const parseLine = (line: string): Parsed | null => {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
    const record = value as Record<string, unknown>;
    const id = typeof record.id === "string" || typeof record.id === "number" ? record.id : undefined;
    const method = typeof record.method === "string" ? record.method : undefined;
    return { ...(id === undefined ? {} : { id }), ...(method === undefined ? {} : { method }) };
  } catch {
    return null;
  }
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Split a byte stream into lines (without newline), calling `onLine` for each. */
const lineSplitter = (onLine: (line: string) => void, onOversized: () => void) => {
  let parts: Buffer[] = [];
  let size = 0;
  let discarding = false;
  return (chunk: Buffer): void => {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      if (!discarding) {
        parts.push(chunk.subarray(start, end));
        size += end - start;
        if (size > MAX_FRAME_BYTES) {
          discarding = true;
          parts = [];
          size = 0;
          onOversized();
        }
      }
      if (newline === -1) return;
      if (!discarding) {
        const line = Buffer.concat(parts).toString("utf8").replace(/\r$/, "");
        if (line.length > 0) onLine(line);
      }
      parts = [];
      size = 0;
      discarding = false;
      start = newline + 1;
    }
  };
};

/**
 * The spawn token from its file, which is removed at once: the secret then
 * lives only in this process's memory. A file that is not a private regular
 * file of this user is refused (and left alone).
 */
const takeTokenFile = (path: string | undefined, log: (message: string) => void): string | undefined => {
  if (!path) return undefined;
  try {
    const info = lstatSync(path);
    const uid = process.getuid?.();
    if (!info.isFile() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o077) !== 0) {
      log(`refusing the token file ${path}: not a private file of this user`);
      return undefined;
    }
    const token = readFileSync(path, "utf8").trim();
    unlinkSync(path);
    return token.length > 0 && token.length <= 512 ? token : undefined;
  } catch (error) {
    log(`no spawn token: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
};

/** Connect only through a private socket directory (checked on every attempt: it may be replaced meanwhile). */
const tryConnect = (socketPath: string): Promise<Socket | null> =>
  new Promise((resolve) => {
    if (checkSocketDirectory(socketPath) !== null) {
      resolve(null);
      return;
    }
    const socket = connect(socketPath);
    socket.once("connect", () => {
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", () => {
      socket.destroy();
      resolve(null);
    });
  });

/**
 * Run the relay until the agent closes stdin (or it cannot work at all).
 * Resolves with the exit code, which is always 0.
 */
export const runShim = (options: ShimOptions): Promise<number> =>
  new Promise<number>((resolveExit) => {
    const { stdin, stdout, env } = options;
    const log = (message: string) => options.stderr?.write(`first-mate-channel: ${message}\n`);
    const pane = env.TMUX_PANE;
    if (!pane || !isPaneId(pane)) {
      log("TMUX_PANE is not set to a tmux pane id; the channel is disabled");
      resolveExit(0);
      return;
    }
    const token = env.FIRST_MATE_TOKEN || takeTokenFile(env.FIRST_MATE_TOKEN_FILE, log);
    /** The resume secret the server granted for the spent token: memory only, used for every reconnect. */
    let resume: string | undefined;
    const tmuxServer = env.TMUX || undefined;
    const socketPath = resolveSocketPath(env);
    const refusal = checkSocketDirectory(socketPath);
    if (refusal?._tag === "SocketDirectoryInsecure") {
      log(`refusing the channel socket: ${refusal.message}; the channel is disabled`);
      resolveExit(0);
      return;
    }
    const envWait = Number(env.FIRST_MATE_SHIM_WAIT_MS);
    const startWaitMs = options.startWaitMs ?? (Number.isFinite(envWait) && envWait >= 0 ? envWait : 3_000);
    const initialBackoffMs = options.initialBackoffMs ?? 50;
    const maxBackoffMs = options.maxBackoffMs ?? 5_000;

    let phase: "starting" | "relaying" | "reconnecting" | "stopped" = "starting";
    let socket: Socket | null = null;
    /** True once the server side is ready for the agent's traffic. */
    let ready = false;
    let replayId: string | null = null;
    let replayCount = 0;
    let recordedInitialize: Record<string, unknown> | null = null;
    let recordedInitialized: string | null = null;
    const startupQueue: string[] = [];
    const inFlight = new Map<string, JsonRpcId>();
    let reconnectTimer: NodeJS.Timeout | null = null;

    const writeAgent = (line: string): void => {
      if (phase === "stopped" || stdout.destroyed) return;
      stdout.write(`${line}\n`);
    };

    const answerDisconnected = (id: JsonRpcId): void =>
      writeAgent(
        JSON.stringify({
          jsonrpc: "2.0",
          id,
          error: { code: SHIM_DISCONNECTED_CODE, message: "first-mate channel is reconnecting; try again shortly" },
        }),
      );

    const isStopped = (): boolean => phase === "stopped";

    const stop = (): void => {
      if (phase === "stopped") return;
      phase = "stopped";
      if (reconnectTimer) clearTimeout(reconnectTimer);
      socket?.destroy();
      socket = null;
      stdin.off("data", onStdin);
      stdin.pause();
      resolveExit(0);
    };

    const onAgentLine = (line: string): void => {
      const parsed = parseLine(line);
      if (parsed?.method === "initialize" && parsed.id !== undefined) {
        recordedInitialize = JSON.parse(line) as Record<string, unknown>;
      } else if (parsed?.method === "notifications/initialized") {
        recordedInitialized = line;
      }
      const isRequest = parsed?.method !== undefined && parsed.id !== undefined;
      if (phase === "starting") {
        startupQueue.push(line);
        if (isRequest) inFlight.set(JSON.stringify(parsed.id), parsed.id as JsonRpcId);
        return;
      }
      if (ready && socket) {
        if (isRequest) inFlight.set(JSON.stringify(parsed.id), parsed.id as JsonRpcId);
        socket.write(`${line}\n`);
        return;
      }
      if (isRequest) answerDisconnected(parsed.id as JsonRpcId);
    };

    const onServerLine = (line: string): void => {
      const granted = parseResumeGrant(line);
      if (granted !== null) {
        resume = granted;
        return;
      }
      const refusal = parseHelloRefusal(line);
      if (refusal) {
        log(`server refused the hello: ${refusal.code}: ${refusal.message}`);
        return;
      }
      const parsed = parseLine(line);
      if (replayId !== null && parsed?.id === replayId && parsed.method === undefined) {
        replayId = null;
        if (recordedInitialized) socket?.write(`${recordedInitialized}\n`);
        ready = true;
        return;
      }
      if (parsed?.id !== undefined && parsed.method === undefined) inFlight.delete(JSON.stringify(parsed.id));
      writeAgent(line);
    };

    const onStdin = lineSplitter(onAgentLine, () => log("dropped an agent frame larger than 1 MiB"));

    const attach = (connected: Socket, isReconnect: boolean): void => {
      socket = connected;
      const onServerData = lineSplitter(onServerLine, () => log("dropped a server frame larger than 1 MiB"));
      connected.on("data", onServerData);
      connected.on("error", () => undefined);
      connected.once("close", () => onSocketClosed(connected));
      // The spawn token is single-use: once the server granted a resume secret, only that is sent.
      const credentials = resume !== undefined ? { resume } : token !== undefined ? { token, wantsResume: true } : {};
      connected.write(
        serializeHello({ pane, ...credentials, ...(tmuxServer === undefined ? {} : { tmux: tmuxServer }) }),
      );
      phase = "relaying";
      if (isReconnect && recordedInitialize) {
        replayCount += 1;
        replayId = `${REPLAY_ID_PREFIX}${replayCount}`;
        connected.write(`${JSON.stringify({ ...recordedInitialize, id: replayId })}\n`);
        return;
      }
      ready = true;
      for (const line of startupQueue.splice(0)) connected.write(`${line}\n`);
    };

    const onSocketClosed = (closed: Socket): void => {
      if (socket !== closed || phase === "stopped") return;
      socket = null;
      ready = false;
      replayId = null;
      phase = "reconnecting";
      const pending = [...inFlight.values()];
      inFlight.clear();
      for (const id of pending) answerDisconnected(id);
      log("lost the channel server; reconnecting");
      scheduleReconnect(0);
    };

    const scheduleReconnect = (attempt: number): void => {
      const delay = Math.min(initialBackoffMs * 2 ** attempt, maxBackoffMs);
      reconnectTimer = setTimeout(async () => {
        reconnectTimer = null;
        if (phase !== "reconnecting") return;
        const connected = await tryConnect(socketPath);
        if (phase !== "reconnecting") {
          connected?.destroy();
          return;
        }
        if (connected) attach(connected, true);
        else scheduleReconnect(attempt + 1);
      }, delay);
      reconnectTimer.unref?.();
    };

    stdin.on("data", onStdin);
    stdin.once("end", stop);
    stdin.once("close", stop);
    stdout.on?.("error", stop);

    void (async () => {
      const deadline = Date.now() + startWaitMs;
      for (;;) {
        const connected = await tryConnect(socketPath);
        if (isStopped()) {
          connected?.destroy();
          return;
        }
        if (connected) {
          attach(connected, false);
          return;
        }
        if (Date.now() >= deadline) {
          log(`no channel server at ${socketPath}; the channel is disabled`);
          stop();
          return;
        }
        await sleep(Math.min(100, Math.max(0, deadline - Date.now())));
      }
    })();
  });
