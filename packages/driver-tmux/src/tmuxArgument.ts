/**
 * Escaping for values handed to tmux, so tmux stores exactly what was asked.
 *
 * Guarantees:
 * - `protectTrailingSemicolon`: tmux's command-line parser treats an argument
 *   that ends in `;` as a command separator (and `\;` as a literal `;`); the
 *   escaped argument reaches the tmux command unchanged.
 * - `escapeFormat`: values that tmux format-expands (session and window
 *   names, pane titles, start directories) keep every `#` literally, so
 *   `#(cmd)` never runs and `#{…}` is never substituted.
 * Does not: alter names tmux rewrites itself (see README, "What tmux alters").
 */

/** An argument tmux's command-line parser passes through verbatim. */
export const protectTrailingSemicolon = (argument: string): string =>
  argument.endsWith(";") ? `${argument.slice(0, -1)}\\;` : argument;

/** A value that tmux's format expansion turns back into `value`. */
export const escapeFormat = (value: string): string => value.replaceAll("#", "##");

/** ASCII and C1 control characters: tmux alters or refuses them in names and typed text. */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
