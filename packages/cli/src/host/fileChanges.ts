/**
 * Change notices for files another process writes (the IDENTITY file a human
 * edits, the SQLite store a `first-mate conn` command writes to), so an idle
 * host waits for the kernel to say something changed instead of polling.
 *
 * Guarantees:
 * - Watches the file's directory (inotify on Linux, FSEvents on macOS), so a
 *   file that does not exist yet, or is replaced by rename (as editors save),
 *   is still noticed. Only names that `matches` accepts count.
 * - Notices are coalesced: a burst of events is one call of `onChange`, made
 *   after the current turn of the event loop; `onChange` is never re-entered
 *   while an earlier call's promise is pending, and a change during a call
 *   makes one more call after it.
 * - Where the directory cannot be watched (it is missing, the watch limit
 *   is reached, the filesystem does not report changes) or the watch fails
 *   later, it polls every `fallbackIntervalMs` instead: never silent.
 * Does not: read the file, or call `onChange` at start (callers check once themselves).
 */
import { type FSWatcher, watch } from "node:fs";
import { basename, dirname } from "node:path";

/** Where and how to watch: the file, which names in its directory count, and the polling fallback. */
export interface FileChangeOptions {
  /** The watched file; its directory is what is watched. */
  readonly path: string;
  /** Which names in the directory count as a change (default: the file's own name). */
  readonly matches?: (name: string) => boolean;
  /** Poll interval when the directory cannot be watched, ms. */
  readonly fallbackIntervalMs: number;
}

/** How a watch runs: the kernel's notices, or polling after the watch could not start or failed. */
export type FileChangeMode = "watching" | "polling";

/** A running watch: how it runs now, and `stop()`. */
export interface FileChangeWatch {
  mode(): FileChangeMode;
  stop(): void;
}

/** Call `onChange` whenever the file (or a name `matches` accepts) changes; see the module header. */
export const watchFileChanges = (
  options: FileChangeOptions,
  onChange: () => Promise<unknown> | undefined,
): FileChangeWatch => {
  const name = basename(options.path);
  const matches = options.matches ?? ((candidate: string) => candidate === name);
  let stopped = false;
  let running = false;
  let again = false;
  let scheduled = false;
  let watcher: FSWatcher | null = null;
  let timer: NodeJS.Timeout | null = null;

  const run = () => {
    scheduled = false;
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    void Promise.resolve()
      .then(onChange)
      .catch(() => undefined)
      .finally(() => {
        running = false;
        if (again && !stopped) {
          again = false;
          run();
        }
      });
  };
  const notice = () => {
    if (scheduled || stopped) return;
    scheduled = true;
    setImmediate(run);
  };
  const poll = () => {
    watcher?.close();
    watcher = null;
    if (timer !== null || stopped) return;
    timer = setInterval(notice, options.fallbackIntervalMs);
    timer.unref();
  };

  try {
    watcher = watch(dirname(options.path), { persistent: false }, (_event, changed) => {
      // Some platforms omit the name: then anything in the directory may be the file.
      if (changed === null || matches(changed.toString())) notice();
    });
    watcher.on("error", () => {
      poll();
      notice();
    });
  } catch {
    poll();
  }

  return {
    mode: () => (timer === null ? "watching" : "polling"),
    stop() {
      stopped = true;
      watcher?.close();
      watcher = null;
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
};
