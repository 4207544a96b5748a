/**
 * Turns the transport's control-mode notifications into the port's tmux
 * events.
 *
 * Guarantees:
 * - Reports `window-added` and `window-closed` for windows of every session
 *   (control mode sees unlinked windows too), `pane-exited` for each pane it
 *   knew in a closed window, and `connected` / `disconnected` as the
 *   connection comes and goes (`connected` once it knows which panes live in
 *   which window).
 * - The first listener starts the transport's connection; it is the same
 *   connection every command uses.
 * Does not: hear a single pane exit in a window that keeps other panes
 * (tmux 3.3a prints nothing for panes of unattached sessions); the next
 * `listPanes` shows it.
 */
import { isPaneId, type PaneId, type TmuxEvent } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import { parseControlModeLine } from "./controlModeLine.js";
import type { TmuxTransport, TransportSignal } from "./tmuxTransport.js";

export class ControlModeWatcher {
  private readonly listeners = new Set<(event: TmuxEvent) => void>();
  private readonly panesByWindow = new Map<string, Set<PaneId>>();
  private readonly hiddenWindows = new Set<string>();
  private unlisten: (() => void) | null = null;
  /** Counts connections, so a snapshot that finishes after its connection ended is not reported. */
  private generation = 0;
  private announced = false;

  constructor(
    private readonly transport: TmuxTransport,
    private readonly controlSessionName: string,
  ) {}

  /** Adds a listener; the first one starts listening (and the connection). */
  add(listener: (event: TmuxEvent) => void): void {
    this.listeners.add(listener);
    if (this.unlisten !== null) return;
    this.unlisten = this.transport.listen((signal) => this.onSignal(signal));
    this.transport.start();
    if (this.transport.connected()) void this.snapshot(this.generation);
  }

  /** Removes a listener; the last one stops listening (the connection stays for commands). */
  remove(listener: (event: TmuxEvent) => void): void {
    this.listeners.delete(listener);
    if (this.listeners.size === 0) this.stopListening();
  }

  /** Records a pane the driver created, so its window's close reports it as exited. */
  notePane(windowId: string | null, paneId: string): void {
    if (windowId !== null && isPaneId(paneId)) this.remember(windowId, paneId);
  }

  /** Stops listening. */
  stopListening(): void {
    this.unlisten?.();
    this.unlisten = null;
    this.announced = false;
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

  private learnPanes(output: Buffer): void {
    // Session names cannot hold a raw newline (tmux escapes it), so one line is one pane.
    for (const line of output.toString("utf8").split("\n")) {
      const [windowId = "", paneId = "", ...sessionParts] = line.split(" ");
      if (sessionParts.join(" ") === this.controlSessionName) this.hiddenWindows.add(windowId);
      else if (isPaneId(paneId)) this.remember(windowId, paneId);
    }
  }

  private query(target: readonly string[]) {
    return this.transport.run(["list-panes", ...target, "-F", "#{window_id} #{pane_id} #{session_name}"], "read");
  }

  private async snapshot(generation: number): Promise<void> {
    const listed = await this.query(["-a"]);
    if (generation !== this.generation || this.unlisten === null || this.announced) return;
    if (E.isRight(listed)) this.learnPanes(listed.right.stdout);
    this.announced = true;
    this.emit({ type: "connected" });
  }

  private onSignal(signal: TransportSignal): void {
    switch (signal.type) {
      case "up":
        this.generation += 1;
        this.announced = false;
        void this.snapshot(this.generation);
        return;
      case "down":
        this.generation += 1;
        if (this.announced) this.emit({ type: "disconnected", reason: signal.reason });
        this.announced = false;
        return;
      case "unavailable":
        this.emit({ type: "disconnected", reason: signal.error.message });
        return;
      case "notification":
        this.onNotification(signal.line);
        return;
    }
  }

  private onNotification(line: string): void {
    const parsed = parseControlModeLine(line);
    switch (parsed.type) {
      case "window-added":
        if (this.hiddenWindows.has(parsed.windowId)) break;
        void this.query(["-t", parsed.windowId]).then((listed) => {
          if (E.isRight(listed)) this.learnPanes(listed.right.stdout);
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
  }
}
