/**
 * Merging first-mate's lifecycle hooks into a Claude Code settings file,
 * and taking them out again.
 *
 * Pure: text and values in, values out; the command does the file IO.
 * Guarantees: every key, hook and matcher group that is not first-mate's is
 * kept as it was, in its place; installing twice changes nothing the second
 * time; an entry is first-mate's when its command mentions
 * `first-mate-hook` (the command line carries that marker); uninstalling
 * removes only those entries, and only the groups, event lists and the
 * `hooks` object that they alone left empty. A file that is not JSON, or
 * whose `hooks` is not shaped as Claude Code expects, is a typed error:
 * nothing is guessed, nothing is written.
 */
import { AGENT_HOOK_EVENTS } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";

/** What marks a hook entry as first-mate's. */
export const FIRST_MATE_HOOK_MARKER = "first-mate-hook";

/** Seconds Claude Code waits for the hook (it returns in well under one). */
export const HOOK_TIMEOUT_S = 5;

export type SettingsError =
  | { readonly _tag: "SettingsNotJson"; readonly message: string }
  | { readonly _tag: "SettingsShapeInvalid"; readonly message: string };

export type Settings = Record<string, unknown>;

export interface SettingsChange {
  readonly settings: Settings;
  readonly changed: boolean;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Pure: parse a settings file's text; an empty file is an empty object. */
export const parseSettings = (text: string): E.Either<SettingsError, Settings> => {
  if (text.trim() === "") return E.right({});
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return E.left({
      _tag: "SettingsNotJson",
      message: `not valid JSON (${error instanceof Error ? error.message : String(error)})`,
    });
  }
  if (!isObject(value)) return E.left({ _tag: "SettingsShapeInvalid", message: "the settings are not a JSON object" });
  return E.right(value);
};

/** Pure: the text written back (two-space indent, trailing newline). */
export const renderSettings = (settings: Settings): string => `${JSON.stringify(settings, null, 2)}\n`;

/** Pure: does this hook command belong to first-mate? */
export const isFirstMateHookCommand = (command: unknown): boolean =>
  typeof command === "string" && command.includes(FIRST_MATE_HOOK_MARKER);

/** Pure: one word quoted for a POSIX shell (left bare when it is plainly safe). */
export const shellQuote = (word: string): string =>
  /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;

/** Pure: a shell command line for `argv`, carrying the first-mate marker (as a comment when needed). */
export const hookCommandLine = (argv: readonly string[]): string => {
  const line = argv.map(shellQuote).join(" ");
  return isFirstMateHookCommand(line) ? line : `${line} # ${FIRST_MATE_HOOK_MARKER}`;
};

/**
 * Pure: `inner` wrapped so the installed command can never block the agent.
 * Claude Code reads exit code 2 as "block this tool call / prompt / stop";
 * Python exits 2 when its script is missing, a shell 127 when the
 * interpreter is. The wrapper runs `inner` through `eval` in a subshell of a POSIX shell
 * and always exits 0, whatever `inner` does (a `#` comment inside `inner`
 * ends at its own end, so it cannot swallow the `exit 0`). Its `$0`,
 * `first-mate-hook`, is the marker uninstall looks for.
 */
export const nonBlockingHookCommand = (inner: string): string =>
  `/bin/sh -c ${shellQuote('(eval "$1"); exit 0')} ${FIRST_MATE_HOOK_MARKER} ${shellQuote(inner)}`;

const hooksOf = (settings: Settings): E.Either<SettingsError, Record<string, unknown>> => {
  const hooks = settings.hooks;
  if (hooks === undefined) return E.right({});
  if (!isObject(hooks)) return E.left({ _tag: "SettingsShapeInvalid", message: '"hooks" is not an object' });
  for (const [event, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) {
      return E.left({ _tag: "SettingsShapeInvalid", message: `"hooks.${event}" is not a list of matcher groups` });
    }
  }
  return E.right(hooks);
};

const isOurs = (entry: unknown): boolean => isObject(entry) && isFirstMateHookCommand(entry.command);

/** Remove our entries from one event's groups; groups only we filled disappear. */
const withoutOurs = (groups: readonly unknown[]): { groups: unknown[]; removed: number } => {
  let removed = 0;
  const kept: unknown[] = [];
  for (const group of groups) {
    if (!isObject(group) || !Array.isArray(group.hooks)) {
      kept.push(group);
      continue;
    }
    const entries = group.hooks.filter((entry) => !isOurs(entry));
    const ours = group.hooks.length - entries.length;
    removed += ours;
    if (ours === 0) kept.push(group);
    else if (entries.length > 0) kept.push({ ...group, hooks: entries });
  }
  return { groups: kept, removed };
};

const oursIn = (groups: readonly unknown[]): unknown[] =>
  groups.flatMap((group) => (isObject(group) && Array.isArray(group.hooks) ? group.hooks.filter(isOurs) : []));

/** Pure: the hook entry first-mate installs for every event. */
export const firstMateHookEntry = (command: string) => ({
  type: "command",
  command,
  timeout: HOOK_TIMEOUT_S,
});

/** Pure: settings with first-mate's hook on each of `events` (idempotent). */
export const installHooks = (
  settings: Settings,
  command: string,
  events: readonly string[] = AGENT_HOOK_EVENTS,
): E.Either<SettingsError, SettingsChange> => {
  if (!isFirstMateHookCommand(command)) {
    return E.left({ _tag: "SettingsShapeInvalid", message: `the hook command must mention ${FIRST_MATE_HOOK_MARKER}` });
  }
  const parsed = hooksOf(settings);
  if (E.isLeft(parsed)) return parsed;
  const hooks: Record<string, unknown> = { ...parsed.right };
  const wanted = firstMateHookEntry(command);
  let changed = false;
  for (const event of events) {
    const groups = (hooks[event] as unknown[] | undefined) ?? [];
    const ours = oursIn(groups);
    if (ours.length === 1 && JSON.stringify(ours[0]) === JSON.stringify(wanted)) continue;
    hooks[event] = [...withoutOurs(groups).groups, { hooks: [wanted] }];
    changed = true;
  }
  return E.right(changed ? { settings: { ...settings, hooks }, changed } : { settings, changed });
};

/** Pure: settings without any first-mate hook; everything else untouched. */
export const uninstallHooks = (settings: Settings): E.Either<SettingsError, SettingsChange> => {
  const parsed = hooksOf(settings);
  if (E.isLeft(parsed)) return parsed;
  const hooks: Record<string, unknown> = {};
  let changed = false;
  for (const [event, groups] of Object.entries(parsed.right)) {
    const result = withoutOurs(groups as unknown[]);
    if (result.removed === 0) {
      hooks[event] = groups;
      continue;
    }
    changed = true;
    if (result.groups.length > 0) hooks[event] = result.groups;
  }
  if (!changed) return E.right({ settings, changed });
  if (Object.keys(hooks).length > 0) return E.right({ settings: { ...settings, hooks }, changed });
  const { hooks: _emptied, ...rest } = settings;
  return E.right({ settings: rest, changed });
};
