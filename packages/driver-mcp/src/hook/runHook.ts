/**
 * The hook command's body: forward one agent lifecycle payload (stdin) for
 * this pane (`TMUX_PANE`) to the channel server, as a hello with role
 * "hook", and wait briefly for the one-line reply.
 *
 * Guarantees: never throws, never writes to stdout (an agent may read a
 * hook's stdout as context), and finishes within `deadlineMs` whatever the
 * server does: no pane, no server, a slow server or a stuck stdin all end
 * in a quiet return. It waits at most 200 ms in all by default (Claude
 * Code waits for every hook before it goes on), and it refuses a socket
 * directory that is not private to this user. A payload that cannot be delivered is dropped, not
 * spooled: a late lifecycle event would be stale evidence anyway, and the
 * screen fallback covers the gap.
 * Imports only Node built-ins (start-up time is the hook's whole cost).
 */
import { connect } from "node:net";
import { resolveSocketPath, type ShimEnvironment } from "../shim/defaultSocketPath.js";
import { checkSocketDirectory } from "../shim/socketDirectoryCheck.js";
import { compactHookPayload } from "./compactHookPayload.js";

export interface HookRunOptions {
  readonly stdin: NodeJS.ReadableStream;
  readonly env: ShimEnvironment;
  /** Diagnostics only, when FIRST_MATE_HOOK_DEBUG is set. */
  readonly stderr?: NodeJS.WritableStream;
  /** stdin beyond this many bytes is not read (the payload is then searched as text). */
  readonly maxInputBytes?: number;
  /** The whole run, stdin to reply; default 200 ms. */
  readonly deadlineMs?: number;
  /** Connecting to the socket; default 200 ms. */
  readonly connectTimeoutMs?: number;
}

/** What happened, for tests and the debug line. */
export type HookOutcome =
  | { readonly kind: "no_pane" }
  | { readonly kind: "no_payload" }
  | { readonly kind: "refused_socket"; readonly reason: string }
  | { readonly kind: "undelivered"; readonly reason: string }
  | { readonly kind: "replied"; readonly reply: string };

const PANE = /^%\d+$/;

const readInput = (
  stdin: NodeJS.ReadableStream,
  maxBytes: number,
  deadline: number,
): Promise<{ text: string; complete: boolean }> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (complete: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stdin.removeListener("data", onData);
      stdin.removeListener("end", onEnd);
      stdin.removeListener("error", onError);
      stdin.pause();
      resolve({ text: Buffer.concat(chunks).subarray(0, maxBytes).toString("utf8"), complete });
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      chunks.push(buffer);
      size += buffer.length;
      if (size > maxBytes) finish(false);
    };
    const onEnd = () => finish(true);
    const onError = () => finish(false);
    const timer = setTimeout(() => finish(false), Math.max(0, deadline - Date.now()));
    stdin.on("data", onData);
    stdin.once("end", onEnd);
    stdin.once("error", onError);
    stdin.resume();
  });

const deliver = (socketPath: string, line: string, connectTimeoutMs: number, deadline: number): Promise<HookOutcome> =>
  new Promise((resolve) => {
    let settled = false;
    let reply = "";
    const socket = connect(socketPath);
    const settle = (outcome: HookOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(deadlineTimer);
      socket.destroy();
      resolve(outcome);
    };
    const connectTimer = setTimeout(
      () => settle({ kind: "undelivered", reason: "connect timed out" }),
      connectTimeoutMs,
    );
    const deadlineTimer = setTimeout(
      () => settle({ kind: "undelivered", reason: "no reply in time" }),
      Math.max(0, deadline - Date.now()),
    );
    socket.setEncoding("utf8");
    socket.once("connect", () => {
      clearTimeout(connectTimer);
      socket.write(line);
    });
    socket.on("data", (chunk: string) => {
      reply += chunk;
      const newline = reply.indexOf("\n");
      if (newline !== -1) settle({ kind: "replied", reply: reply.slice(0, newline) });
    });
    socket.once("error", (error: NodeJS.ErrnoException) =>
      settle({ kind: "undelivered", reason: error.code ?? error.message }),
    );
    socket.once("close", () => settle({ kind: "undelivered", reason: "closed without a reply" }));
  });

/** The hook's whole-run deadline by default: it never holds an agent longer. */
export const HOOK_DEADLINE_MS = 200;

/** Forward the payload; see the module header. Resolves, never rejects. */
export const runHook = async (options: HookRunOptions): Promise<HookOutcome> => {
  const deadline = Date.now() + (options.deadlineMs ?? HOOK_DEADLINE_MS);
  let outcome: HookOutcome;
  try {
    const pane = options.env.TMUX_PANE ?? "";
    if (!PANE.test(pane)) {
      outcome = { kind: "no_pane" };
    } else {
      const input = await readInput(options.stdin, options.maxInputBytes ?? 1024 * 1024, deadline);
      const payload = compactHookPayload(input.text, input.complete);
      const socketPath = resolveSocketPath(options.env);
      const refusal = payload === null ? null : checkSocketDirectory(socketPath);
      outcome =
        payload === null
          ? { kind: "no_payload" }
          : refusal !== null
            ? { kind: "refused_socket", reason: refusal.message }
            : await deliver(
                socketPath,
                `${JSON.stringify({ role: "hook", pane, payload, ...(options.env.TMUX ? { tmux: options.env.TMUX } : {}) })}\n`,
                options.connectTimeoutMs ?? HOOK_DEADLINE_MS,
                deadline,
              );
    }
  } catch (error) {
    outcome = { kind: "undelivered", reason: error instanceof Error ? error.message : String(error) };
  }
  if (options.env.FIRST_MATE_HOOK_DEBUG) {
    try {
      options.stderr?.write(`first-mate-hook: ${JSON.stringify(outcome)}\n`);
    } catch {
      // diagnostics must not fail the hook
    }
  }
  return outcome;
};
