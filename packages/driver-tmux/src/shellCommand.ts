/**
 * Turns an argv into a POSIX shell command line that replaces the shell with
 * the program (`exec`), so the agent is the pane's own process.
 *
 * Guarantees: for every argv of strings without NUL, `/bin/sh -c` on the
 * result runs `argv[0]` with exactly `argv[1..]` (each word is single-quoted;
 * a `'` becomes `'\''`). `exec` matters: dash does not replace itself with
 * the last command, and a shell left in between would keep the pane alive
 * after the agent is killed.
 * Does not: search PATH itself or check that the program exists.
 */

/** One shell word that the shell reads back as exactly `word`. */
export const quoteShellWord = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`;

/** `exec 'argv0' 'argv1' …`; argv must be non-empty. */
export const execCommandLine = (argv: readonly string[]): string => `exec ${argv.map(quoteShellWord).join(" ")}`;
