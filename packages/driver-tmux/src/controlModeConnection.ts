/**
 * One control-mode client process (`tmux -C`) attached to the driver's
 * hidden session, carrying commands and notifications.
 *
 * Guarantees:
 * - Commands are written one per line, each followed by its sentinel
 *   (see `controlModeReader.ts`), and answered strictly in order.
 * - Every `send` settles exactly once: with the reply, or with `lost` when
 *   the connection ends first (process exit, desync, or a command past its
 *   timeout — then the whole connection is dropped, because a stuck queue
 *   would delay every later reply). A lost command may or may not have run.
 * - `close()` ends the client (stdin closed, SIGTERM after 1 s) and resolves
 *   once its process has exited.
 * Does not: reconnect, retry, or fall back (see `tmuxTransport.ts`).
 */
import { randomBytes } from "node:crypto";
import { execa, type ResultPromise } from "execa";
import { controlModeCommandLine } from "./controlModeCommand.js";
import { createControlModeReader } from "./controlModeReader.js";
import { serverArguments, type TmuxServerAddress } from "./tmuxCommandRunner.js";

const STOP_GRACE_MS = 1000;
/** The hidden session's pane: a process that does nothing, for as long as possible. */
const IDLE_ARGV = ["sleep", "2147483647"];

export type ConnectionReply =
  | { readonly type: "reply"; readonly body: Buffer; readonly failed: boolean }
  | { readonly type: "lost"; readonly reason: string };

export interface ControlModeConnection {
  /** Writes one command; resolves with its reply or `lost`. */
  send(args: readonly string[], timeoutMs: number): Promise<ConnectionReply>;
  /** Resolves with the reason once the connection has ended (the process has exited). */
  readonly closed: Promise<string>;
  /** The client's process id. */
  readonly pid: number | undefined;
  /** Ends the connection; resolves when the process has exited. */
  close(): Promise<void>;
}

interface Pending {
  readonly settle: (reply: ConnectionReply) => void;
  readonly timer: NodeJS.Timeout;
}

/** Starts a client attached to (or creating) `controlSessionName`; `onNotification` gets every line outside a block. */
export const openControlModeConnection = (
  address: TmuxServerAddress,
  controlSessionName: string,
  onNotification: (line: string) => void,
): ControlModeConnection => {
  const client: ResultPromise = execa(
    address.tmuxBinary ?? "tmux",
    [...serverArguments(address), "-C", "new-session", "-A", "-s", controlSessionName, "--", ...IDLE_ARGV],
    {
      reject: false,
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
      env: { TMUX: undefined },
      encoding: "buffer",
      buffer: { stdout: false, stderr: true },
      // The client exits by itself when our end of its stdin closes. execa's exit
      // cleanup would install signal handlers that re-raise a SIGINT the host handles.
      cleanup: false,
    },
  );
  const reader = createControlModeReader();
  const pending: Pending[] = [];
  const prefix = `fm-${randomBytes(12).toString("hex")}-`;
  let sequence = 0;
  let lostReason: string | null = null;

  const drop = (reason: string) => {
    if (lostReason !== null) return;
    lostReason = reason;
    for (const entry of pending.splice(0)) {
      clearTimeout(entry.timer);
      entry.settle({ type: "lost", reason });
    }
    client.kill("SIGTERM");
  };

  client.stdin?.on("error", () => drop("the control client's input closed"));
  client.stdout?.on("data", (chunk: Buffer) => {
    for (const output of reader.push(chunk)) {
      if (output.type === "notification") onNotification(output.line);
      else if (output.type === "desync") drop(`control-mode framing lost: ${output.reason}`);
      else {
        const entry = pending.shift();
        if (entry === undefined) drop("a reply to no command");
        else {
          clearTimeout(entry.timer);
          entry.settle(output);
        }
      }
    }
  });

  const closed = client.then((result) => {
    const stderr = Buffer.from((result.stderr as Uint8Array | undefined) ?? new Uint8Array())
      .toString("utf8")
      .trim();
    const reason = stderr || `control client exited (${result.exitCode ?? result.signal})`;
    drop(reason);
    return lostReason ?? reason;
  });

  return {
    pid: client.pid,
    closed,
    send(args, timeoutMs) {
      if (lostReason !== null) return Promise.resolve({ type: "lost", reason: lostReason });
      return new Promise<ConnectionReply>((settle) => {
        const sentinel = `${prefix}${sequence++}`;
        const timer = setTimeout(() => drop(`tmux ${args[0] ?? ""} got no answer within ${timeoutMs} ms`), timeoutMs);
        pending.push({ settle, timer });
        reader.expect(sentinel);
        client.stdin?.write(`${controlModeCommandLine(args)}\ndisplay-message -p ${sentinel}\n`);
      });
    },
    async close() {
      drop("closed");
      client.stdin?.end();
      const timer = setTimeout(() => client.kill("SIGKILL"), STOP_GRACE_MS);
      await closed;
      clearTimeout(timer);
    },
  };
};
