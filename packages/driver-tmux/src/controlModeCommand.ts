/**
 * Writing one tmux command as one control-mode input line.
 *
 * Guarantees: every argument is a double-quoted tmux word that tmux's
 * command parser reads back as exactly the argument: `\`, `"` and `$` are
 * escaped (no environment expansion), control characters become octal
 * escapes, so the line never holds a raw newline and one argument can never
 * end the command or start another. A trailing `;` inside quotes is text.
 * Does not: protect values tmux format-expands itself (see `escapeFormat`).
 */

/** A spawned tmux client refuses a command whose arguments exceed its message size (16 KiB); the connection keeps the same limit so both paths agree. */
export const MAX_COMMAND_BYTES = 16_000;

const CONTROL = /[\u0000-\u001f\u007f]/g;

/** One argument as a double-quoted tmux word. */
export const quoteControlModeArgument = (argument: string): string =>
  `"${argument
    .replace(/[\\"$]/g, (character) => `\\${character}`)
    .replace(CONTROL, (character) => `\\${(character.codePointAt(0) ?? 0).toString(8).padStart(3, "0")}`)}"`;

/** The command line for `args` (command name first), without its newline. */
export const controlModeCommandLine = (args: readonly string[]): string => args.map(quoteControlModeArgument).join(" ");

/** Bytes the arguments take, as a spawned client would send them. */
export const commandBytes = (args: readonly string[]): number =>
  args.reduce((total, argument) => total + Buffer.byteLength(argument, "utf8") + 1, 0);
