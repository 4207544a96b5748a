/**
 * Constructors for the core's `TmuxError` values, so every failure the
 * driver reports carries a message a person can act on.
 *
 * Guarantees: plain data, never thrown. Does not decide policy.
 */
import type { TmuxError } from "@first-mate/core";

/** The tmux binary could not be started (not installed, or not on PATH). */
export const tmuxNotFound = (binary: string): TmuxError => ({
  _tag: "TmuxNotFound",
  message: `tmux binary "${binary}" was not found; install tmux or pass tmuxBinary`,
});

/** tmux ran and refused the command. */
export const tmuxCommandFailed = (args: readonly string[], exitCode: number | null, stderr: string): TmuxError => ({
  _tag: "TmuxCommandFailed",
  message: `tmux ${args[0] ?? ""} failed${exitCode === null ? "" : ` (exit ${exitCode})`}: ${stderr.trim() || "no message"}`,
  exitCode,
  stderr,
});

/** tmux printed something this driver cannot read; `line` holds the offending text. */
export const tmuxOutputInvalid = (message: string, line: string): TmuxError => ({
  _tag: "TmuxOutputInvalid",
  message,
  line,
});

/** The caller passed something tmux cannot take verbatim. */
export const tmuxInvalidArgument = (message: string): TmuxError => ({ _tag: "TmuxInvalidArgument", message });
