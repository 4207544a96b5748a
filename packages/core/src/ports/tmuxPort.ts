/**
 * The tmux port: what the core needs from tmux. Implemented by
 * `@first-mate/driver-tmux` over a real tmux server, and by the fake world.
 */
import type { Either } from "fp-ts/lib/Either.js";
import type { PaneObservation } from "../domain/observation.js";
import type { PaneId } from "../domain/paneId.js";
import type { TmuxServerIdentity } from "../domain/paneIdentity.js";
import type { TmuxError } from "./errors.js";

/**
 * What to spawn: the session and window, the agent's argv (run as the pane's own process), its working directory
 * and its environment.
 */
export interface SpawnRequest {
  readonly session: string;
  readonly window: string;
  /** The agent runs as the pane's own process (no shell in between). */
  readonly argv: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** The agent kind started here: the pane carries it, so detection knows it by construction. */
  readonly agentKind?: string;
}

/** What the create call printed, unvalidated: the core decides whether to trust it. */
export interface SpawnedWindow {
  readonly paneId: string;
  readonly windowId: string | null;
  /**
   * The pid of the new pane's process, read with the create call (null or
   * absent when unknown): the marker records it at once, so a pane that
   * later shows the id with another pid is another pane.
   */
  readonly panePid?: number | null;
  /** The tmux server the pane was created on, read with the create call (null or absent when unknown). */
  readonly tmuxServer?: TmuxServerIdentity | null;
}

/** Facts tmux reports as they happen (control mode). */
export type TmuxEvent =
  | { readonly type: "window-closed"; readonly windowId: string | null }
  | { readonly type: "pane-exited"; readonly paneId: PaneId }
  | { readonly type: "window-added"; readonly windowId: string | null }
  | { readonly type: "connected" }
  | { readonly type: "disconnected"; readonly reason: string };

/** Stops a subscription. */
export type Unsubscribe = () => void;

/**
 * The tmux port: observe the fleet, spawn and kill, read a pane's screen, type into a pane, and hear tmux events
 * (a pane died, a window closed). Implemented by driver-tmux.
 */
export interface TmuxPort {
  /** The whole fleet in one call; no server running is an empty fleet. */
  listPanes(): Promise<Either<TmuxError, readonly PaneObservation[]>>;
  spawn(request: SpawnRequest): Promise<Either<TmuxError, SpawnedWindow>>;
  kill(paneId: PaneId): Promise<Either<TmuxError, void>>;
  killWindow(target: string): Promise<Either<TmuxError, void>>;
  /** The last `lines` lines of a pane's screen (for `peek`). */
  capture(paneId: PaneId, lines: number): Promise<Either<TmuxError, string>>;
  /** Type literal text, then Enter as a separate key (for `nudge`). */
  sendText(paneId: PaneId, text: string): Promise<Either<TmuxError, void>>;
  /** Press keys by tmux key name (e.g. `Enter`, `Down`, `1`), e.g. to answer a start-up dialog. */
  sendKeys(paneId: PaneId, keys: readonly string[]): Promise<Either<TmuxError, void>>;
  /** Subscribe to tmux events; the port reconnects on its own. */
  subscribe(listener: (event: TmuxEvent) => void): Unsubscribe;
}
