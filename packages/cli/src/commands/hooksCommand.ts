/**
 * `first-mate install-hooks` / `uninstall-hooks`: put first-mate's lifecycle
 * hooks into a Claude Code settings file (the user's, or a project's with
 * `--project DIR`), or take them out.
 *
 * Guarantees: the file is replaced atomically (a temp file in the same
 * directory, synced, renamed over it, then the directory synced) with its
 * mode kept; a symlinked settings file stays a symlink (its target is
 * replaced); a new file is created 0600 and new directories 0700; the
 * installed command can never exit 2 (the one code Claude Code reads as
 * "block"), whatever is missing (see nonBlockingHookCommand); a file that
 * is not valid JSON is left untouched and the command fails with a clear
 * message; `--dry-run` prints the diff and writes nothing; running it twice
 * changes nothing the second time. The merge rules are claudeHookSettings.ts.
 * Does not: lock the file against a concurrent writer (Claude Code writes
 * settings rarely; the rename keeps every read whole).
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { chmod, mkdir, open, readFile, realpath, rename, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { findPython3, nodeScriptArgv, packageFile } from "../host/nodeScript.js";
import {
  installHooks,
  nonBlockingHookCommand,
  parseSettings,
  renderSettings,
  shellQuote,
  uninstallHooks,
} from "./claudeHookSettings.js";
import type { HooksJson } from "./jsonContract.js";
import { lineDiff } from "./lineDiff.js";

export type HooksAction = "install-hooks" | "uninstall-hooks";

/** Where the settings file is: --settings, --project, else the user's (CLAUDE_CONFIG_DIR or ~/.claude). */
export const settingsPathFor = (
  values: { settings?: string; project?: string },
  env: NodeJS.ProcessEnv = process.env,
): string => {
  if (values.settings) return resolve(values.settings);
  if (values.project) return join(resolve(values.project), ".claude", "settings.json");
  return join(env.CLAUDE_CONFIG_DIR || join(homedir(), ".claude"), "settings.json");
};

/**
 * The default hook command: this installation's hook, in Python 3 when the
 * machine has it (it starts in ~40 ms; Node needs 130+ ms on a small
 * machine, and every agent event pays it), else the Node `first-mate-hook`.
 * Both speak the same one-line protocol.
 */
export const defaultHookCommand = (
  socketPath: string | undefined,
  python = findPython3(),
  pythonScript = packageFile("driver-mcp", "hook/first_mate_hook.py"),
): string => {
  const argv = python ? [python, "-I", "-S", pythonScript] : nodeScriptArgv("driver-mcp", "hook/bin");
  const line = argv.map(shellQuote).join(" ");
  return nonBlockingHookCommand(socketPath ? `FIRST_MATE_SOCKET=${shellQuote(socketPath)} ${line}` : line);
};

const readExisting = async (path: string): Promise<{ text: string; mode: number | null }> => {
  try {
    const [text, info] = await Promise.all([readFile(path, "utf8"), stat(path)]);
    return { text, mode: info.mode & 0o7777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { text: "", mode: null };
    throw error;
  }
};

/** The file a write must replace: a symlink's final target (so the link stays a link), else `path`. */
const writeTarget = async (path: string): Promise<string> => {
  try {
    return await realpath(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return path;
    throw error;
  }
};

/** fsync a directory, so the rename in it survives a crash. */
const syncDirectory = async (directory: string): Promise<void> => {
  const handle = await open(directory, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
};

/**
 * Write `text` to `path` atomically, with `mode` (the old file's, or 0600
 * for a new one). A symlink is written through: its target is replaced.
 */
export const writeFileAtomically = async (path: string, text: string, mode: number | null): Promise<void> => {
  const target = await writeTarget(path);
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  const temp = join(dirname(target), `.${randomBytes(6).toString("hex")}.first-mate.tmp`);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await chmod(temp, mode ?? 0o600);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dirname(target));
};

/** The options of `install-hooks` / `uninstall-hooks`, as the command line parsed them. */
export interface HooksOptions {
  readonly project?: string;
  readonly settings?: string;
  readonly socket?: string;
  readonly command?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

/** Run install-hooks or uninstall-hooks; returns the exit code. */
export const hooksCommand = async (
  action: HooksAction,
  values: HooksOptions,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> => {
  if (values.project && values.settings) {
    err(`first-mate ${action}: use --project or --settings, not both`);
    return 2;
  }
  const path = settingsPathFor({
    ...(typeof values.settings === "string" ? { settings: values.settings } : {}),
    ...(typeof values.project === "string" ? { project: values.project } : {}),
  });
  let command = "";
  if (action === "install-hooks") {
    try {
      command =
        typeof values.command === "string"
          ? nonBlockingHookCommand(values.command)
          : defaultHookCommand(typeof values.socket === "string" ? values.socket : undefined);
    } catch (error) {
      err(`first-mate ${action}: ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }
  }

  let existing: { text: string; mode: number | null };
  try {
    existing = await readExisting(path);
  } catch (error) {
    err(`first-mate ${action}: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const parsed = parseSettings(existing.text);
  if (E.isLeft(parsed)) {
    err(`first-mate ${action}: ${path} is ${parsed.left.message}; it was left untouched`);
    return 1;
  }
  const result = action === "install-hooks" ? installHooks(parsed.right, command) : uninstallHooks(parsed.right);
  if (E.isLeft(result)) {
    err(`first-mate ${action}: ${path}: ${result.left.message}; it was left untouched`);
    return 1;
  }
  const report = (document: Omit<HooksJson, "action" | "path">) =>
    out(JSON.stringify({ action, path, ...document } satisfies HooksJson));
  const installed = action === "install-hooks" ? command : null;
  if (!result.right.changed) {
    if (values.json) report({ changed: false, written: false, command: installed, diff: null });
    else out(action === "install-hooks" ? `first-mate hooks already in ${path}` : `no first-mate hooks in ${path}`);
    return 0;
  }
  const next = renderSettings(result.right.settings);
  if (values.dryRun) {
    const diff = lineDiff(existing.text, next);
    if (values.json) report({ changed: true, written: false, command: installed, diff });
    else {
      out(`--- ${path}${existing.mode === null ? " (new file)" : ""}`);
      out(diff);
    }
    return 0;
  }
  try {
    await writeFileAtomically(path, next, existing.mode);
  } catch (error) {
    err(`first-mate ${action}: cannot write ${path}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  if (values.json) report({ changed: true, written: true, command: installed, diff: null });
  else if (action === "install-hooks") {
    out(`first-mate hooks installed in ${path}`);
    out(`  command: ${command}`);
    if (command.includes("--import")) {
      out(
        "  note: this runs first-mate-hook from TypeScript sources (slow start); run `npm run build` and install again",
      );
    }
  } else {
    out(`first-mate hooks removed from ${path}`);
  }
  return 0;
};
