/**
 * Pure reading of one line printed by a tmux control-mode client (`tmux -C`).
 *
 * Guarantees: every line maps to exactly one `ControlModeLine`; lines this
 * driver does not use are `other`, never an error. Both `%window-close` and
 * `%unlinked-window-close` are window closes: tmux 3.3a reports the latter
 * even for windows of the attached session.
 * Does not: track state across lines (see `controlModeWatcher.ts`).
 */

export type ControlModeLine =
  | { readonly type: "block-begin"; readonly fromThisClient: boolean }
  | { readonly type: "block-end"; readonly failed: boolean }
  | { readonly type: "window-added"; readonly windowId: string }
  | { readonly type: "window-closed"; readonly windowId: string }
  | { readonly type: "exit"; readonly reason: string }
  | { readonly type: "other"; readonly line: string };

const WINDOW_ID = /^@\d+$/;

/** Pure: classifies one control-mode line (without its newline). */
export const parseControlModeLine = (line: string): ControlModeLine => {
  const [keyword, first = "", , third = ""] = line.split(" ");
  switch (keyword) {
    case "%begin":
      // `%begin <time> <number> <flags>`: flag 1 marks output of a command this client sent.
      return { type: "block-begin", fromThisClient: third === "1" };
    case "%end":
      return { type: "block-end", failed: false };
    case "%error":
      return { type: "block-end", failed: true };
    case "%window-add":
    case "%unlinked-window-add":
      return WINDOW_ID.test(first) ? { type: "window-added", windowId: first } : { type: "other", line };
    case "%window-close":
    case "%unlinked-window-close":
      return WINDOW_ID.test(first) ? { type: "window-closed", windowId: first } : { type: "other", line };
    case "%exit":
      return { type: "exit", reason: line.slice("%exit".length).trim() || "control client exited" };
    default:
      return { type: "other", line };
  }
};
