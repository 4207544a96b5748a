/**
 * The process port: read a pane's process tree and signal processes.
 * Implemented by `@first-mate/driver-tmux` (`/proc` on Linux, `ps`
 * elsewhere). Used to end an agent's whole tree, not only what tmux closes.
 */
import type { Either } from "fp-ts/lib/Either.js";
import type { EndSignal, PaneProcess } from "../domain/paneProcess.js";

/** The process table could not be read. */
export interface ProcessError {
  readonly _tag: "ProcessReadFailed";
  readonly message: string;
}

/** Reads pane process trees and signals processes (see the module header). */
export interface ProcessPort {
  /** The process `rootPid` and all its descendants, root first; empty when it is gone. */
  tree(rootPid: number): Promise<Either<ProcessError, readonly PaneProcess[]>>;
  /** Which of these are still alive as the same process (pid and start time). */
  alive(processes: readonly PaneProcess[]): Promise<readonly PaneProcess[]>;
  /** Send `signal` to each process that is still the same process; resolves with those signalled. */
  signal(processes: readonly PaneProcess[], signal: EndSignal): Promise<readonly PaneProcess[]>;
}
