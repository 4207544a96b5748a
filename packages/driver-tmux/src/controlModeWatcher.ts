/**
 * Hears tmux events through one control-mode client attached to a hidden
 * session, and reconnects on its own.
 *
 * Guarantees:
 * - Reports `window-added` and `window-closed` for windows of every session
 *   (control mode sees unlinked windows too), `pane-exited` for each pane it
 *   knew in a closed window, and `connected` / `disconnected` as the client
 *   comes and goes.
 * - Never starts a tmux server: while none runs it polls for one with
 *   backoff (50 ms doubling to 2 s), then attaches (`new-session -A`).
 * - `stop()` ends the client (stdin closed, then SIGTERM after 1 s) and
 *   resolves once it has exited: no stray process.
 * Does not: hear a single pane exit in a window that keeps other panes
 * (tmux 3.3a prints nothing for panes of unattached sessions); the next
 * `listPanes` shows it.
 */
import { createInterface } from "node:readline";
import { isPaneId, type PaneId, type TmuxEvent } from "@first-mate/core";
import { execa, type ResultPromise } from "execa";
import * as E from "fp-ts/lib/Either.js";
import { parseControlModeLine } from "./controlModeLine.js";
import { runTmux, serverArguments, type TmuxServerAddress } from "./tmuxCommandRunner.js";

const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 2000;
const STOP_GRACE_MS = 1000;
/** The hidden session's pane: a process that does nothing, for as long as possible. */
const IDLE_ARGV = ["sleep", "2147483647"];

type PendingReply = (lines: readonly string[], failed: boolean) => void;

export class ControlModeWatcher {
  private readonly listeners = new Set<(event: TmuxEvent) => void>();
  private readonly panesByWindow = new Map<string, Set<PaneId>>();
  private readonly hiddenWindows = new Set<string>();
  private client: ResultPromise | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeSleep: (() => void) | null = null;

  constructor(
    private readonly address: TmuxServerAddress,
    private readonly controlSessionName: string,
  ) {}

  /** Adds a listener; the first one starts the client. */
  add(listener: (event: TmuxEvent) => void): void {
    this.listeners.add(listener);
    if (!this.running) {
      this.running = true;
      this.loop = this.run();
    }
  }

  /** Removes a listener; the last one stops the client. */
  remove(listener: (event: TmuxEvent) => void): Promise<void> {
    this.listeners.delete(listener);
    return this.listeners.size === 0 ? this.stop() : Promise.resolve();
  }

  /** Records a pane the driver created, so its window's close reports it as exited. */
  notePane(windowId: string | null, paneId: string): void {
    if (windowId !== null && isPaneId(paneId)) this.remember(windowId, paneId);
  }

  /** Stops the client and resolves when its process has exited. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeSleep?.();
    const client = this.client;
    if (client !== null) {
      client.stdin?.end();
      const timer = setTimeout(() => client.kill("SIGTERM"), STOP_GRACE_MS);
      await client.catch(() => undefined);
      clearTimeout(timer);
    }
    await this.loop;
  }

  private emit(event: TmuxEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A listener's failure must not stop event delivery to the others.
      }
    }
  }

  private remember(windowId: string, paneId: PaneId): void {
    const panes = this.panesByWindow.get(windowId) ?? new Set<PaneId>();
    panes.add(paneId);
    this.panesByWindow.set(windowId, panes);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wakeSleep = null;
        resolve();
      }
      this.wakeSleep = done;
    });
  }

  private async run(): Promise<void> {
    let backoff = FIRST_BACKOFF_MS;
    while (this.running) {
      const probe = await runTmux(this.address, ["list-sessions", "-F", "#{session_id}"]);
      if (!this.running) break;
      if (E.isLeft(probe) && probe.left.kind === "error" && probe.left.error._tag === "TmuxNotFound") {
        this.emit({ type: "disconnected", reason: probe.left.error.message });
      } else if (E.isRight(probe)) {
        const connected = await this.attachOnce();
        if (connected) backoff = FIRST_BACKOFF_MS;
      }
      if (!this.running) break;
      await this.sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  /** Runs one control client until it exits; true when it got as far as connecting. */
  private async attachOnce(): Promise<boolean> {
    const binary = this.address.tmuxBinary ?? "tmux";
    const client = execa(
      binary,
      [...serverArguments(this.address), "-C", "new-session", "-A", "-s", this.controlSessionName, "--", ...IDLE_ARGV],
      {
        reject: false,
        stdin: "pipe",
        stdout: "pipe",
        stderr: "pipe",
        env: { TMUX: undefined },
        buffer: { stdout: false, stderr: true },
      },
    );
    this.client = client;
    let connected = false;
    const replies: PendingReply[] = [];
    let block: { lines: string[]; ours: boolean } | null = null;

    const send = (command: string, onReply: PendingReply) => {
      replies.push(onReply);
      client.stdin?.write(`${command}\n`);
    };
    const learnPanes = (lines: readonly string[]) => {
      for (const line of lines) {
        const [windowId = "", paneId = "", ...sessionParts] = line.split(" ");
        if (sessionParts.join(" ") === this.controlSessionName) this.hiddenWindows.add(windowId);
        else if (isPaneId(paneId)) this.remember(windowId, paneId);
      }
    };
    // Session names cannot hold a raw newline (tmux escapes it), so one reply line is one pane.
    const paneQuery = (target: string) => `list-panes ${target} -F '#{window_id} #{pane_id} #{session_name}'`;

    const lines = client.stdout ? createInterface({ input: client.stdout, crlfDelay: Number.POSITIVE_INFINITY }) : null;
    lines?.on("line", (line) => {
      if (block !== null) {
        const parsed = parseControlModeLine(line);
        if (parsed.type === "block-end") {
          const finished = block;
          block = null;
          if (finished.ours) replies.shift()?.(finished.lines, parsed.failed);
          else if (!connected) {
            // The attach itself finished: take a snapshot of which panes live in which window.
            send(paneQuery("-a"), (snapshot, failed) => {
              if (!failed) learnPanes(snapshot);
              connected = true;
              this.emit({ type: "connected" });
            });
          }
        } else block.lines.push(line);
        return;
      }
      const parsed = parseControlModeLine(line);
      switch (parsed.type) {
        case "block-begin":
          block = { lines: [], ours: parsed.fromThisClient };
          break;
        case "window-added":
          if (this.hiddenWindows.has(parsed.windowId)) break;
          send(paneQuery(`-t ${parsed.windowId}`), (reply, failed) => {
            if (!failed) learnPanes(reply);
          });
          this.emit({ type: "window-added", windowId: parsed.windowId });
          break;
        case "window-closed": {
          if (this.hiddenWindows.delete(parsed.windowId)) break;
          const panes = this.panesByWindow.get(parsed.windowId);
          this.panesByWindow.delete(parsed.windowId);
          for (const paneId of panes ?? []) this.emit({ type: "pane-exited", paneId });
          this.emit({ type: "window-closed", windowId: parsed.windowId });
          break;
        }
        default:
          break;
      }
    });

    const result = await client;
    lines?.close();
    this.client = null;
    if (connected) {
      const stderr = typeof result.stderr === "string" ? result.stderr.trim() : "";
      this.emit({
        type: "disconnected",
        reason: stderr || `control client exited (${result.exitCode ?? result.signal})`,
      });
    }
    return connected;
  }
}
