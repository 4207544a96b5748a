/**
 * The host's FirstMateLauncher: a fresh spawn token per start, the prompt
 * written to a file (never typed, never in argv), and the agent command
 * with the first-mate channel wired in. The core sees only the token's hash.
 *
 * Claude Code also gets first-mate's lifecycle hooks through `--settings`
 * (a 0600 file beside the prompt), so its hook evidence reaches the host
 * whether or not the user ran `install-hooks`.
 *
 * The prompt file (0600, in the private `launch` directory, 0700) reaches
 * Claude Code as `--append-system-prompt-file`, and every other agent as
 * `FIRST_MATE_PROMPT_FILE` in the environment it already receives: Linux
 * caps one argument at 128 KiB, and a prompt in argv would also show in
 * `ps`. The IDENTITY layer has a hard cap: an identity file over it is not
 * backed up (the good backups are kept) and this start uses the newest
 * backup within the cap, with an alert to the human.
 *
 * The token travels in a 0600 file named by `FIRST_MATE_TOKEN_FILE`; the
 * shim reads it and removes it, so the secret is in no environment at all
 * (tmux's, or the agent's `/proc/<pid>/environ`). Until the shim's first
 * hello consumes it, a same-user process can still read that file: the
 * token is single-use, so after the first mate attached it is worthless.
 */
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { classifyAgent } from "@first-mate/core";
import type { FirstMateLauncher, LaunchAlert, PreparedLaunch } from "@first-mate/core/runtime";
import * as E from "fp-ts/lib/Either.js";
import { installHooks, renderSettings } from "../commands/claudeHookSettings.js";
import { defaultHookCommand } from "../commands/hooksCommand.js";
import type { AgentChoice } from "./hostConfig.js";
import { backupIdentity, newestBackupWithin, readIdentity } from "./identityFile.js";
import type { PromptInput } from "./layeredPromptSource.js";
import { nodeScriptArgv } from "./nodeScript.js";
import { createSpawnToken } from "./spawnToken.js";

/**
 * What the launcher needs: the agent to start, where to write launch files, the channel socket, the first mate's
 * working directory, its prompt, and (optionally) the identity file to back up before each spawn.
 */
export interface LauncherOptions {
  readonly agent: AgentChoice;
  readonly stateDir: string;
  readonly socketPath: string;
  readonly cwd: string;
  /** The prompt the first mate starts with (the layered prompt). */
  readonly prompt: (input?: PromptInput) => Promise<string> | string;
  /** The IDENTITY file, backed up before each spawn and rotated to the newest `keep`. */
  readonly identity?: {
    readonly path: string;
    readonly backupDir: string;
    readonly keep: number;
    /** Hard cap in characters (default 32 000): over it, the newest backup within it is used. */
    readonly hardCapChars?: number;
    /** Told when a backup fails; the spawn goes on (a missed backup must not keep the first mate down). */
    readonly onBackupFailed?: (reason: string) => void;
  };
}

/** The `.mcp.json`-style server entry that loads the channel through the shim. */
export const channelServerEntry = (socketPath: string) => {
  const [command, ...args] = nodeScriptArgv("driver-mcp", "shim/bin");
  return { command: command!, args, env: { FIRST_MATE_SOCKET: socketPath } };
};

/**
 * Claude Code with the first-mate channel; the prompt is read from its file
 * by Claude Code itself; `settingsPath`, when given, adds first-mate's
 * lifecycle hooks (`--settings`, on top of the user's own settings).
 */
export const claudeArgv = (
  agent: Extract<AgentChoice, { kind: "claude" }>,
  mcpConfigPath: string,
  promptPath: string,
  settingsPath?: string,
): string[] => [
  agent.binary,
  "--mcp-config",
  mcpConfigPath,
  "--dangerously-load-development-channels",
  "server:first-mate",
  "--append-system-prompt-file",
  promptPath,
  ...(settingsPath === undefined ? [] : ["--settings", settingsPath]),
  ...agent.extraArgs,
];

/**
 * The settings file that gives a Claude Code first mate first-mate's
 * lifecycle hooks by construction, whatever `install-hooks` did: hook
 * evidence is what lets an unnamed tool call or a new turn confirm its
 * channel (decisions/channelDelivery.ts in core). The same command as
 * `install-hooks` writes, so where both are installed Claude Code runs it once.
 */
export const firstMateHookSettings = (socketPath: string): string | null => {
  const installed = installHooks({}, defaultHookCommand(socketPath));
  return E.isRight(installed) ? renderSettings(installed.right.settings) : null;
};

/** The identity hard cap when none is configured, in characters. */
export const DEFAULT_IDENTITY_HARD_CAP_CHARS = 32_000;

/**
 * Back up the identity before a spawn, unless it is over the hard cap: then
 * choose the newest backup within the cap for this start and say so.
 */
const prepareIdentity = async (
  identity: NonNullable<LauncherOptions["identity"]>,
  attempt: number,
): Promise<{ readonly input: PromptInput; readonly alerts: LaunchAlert[] }> => {
  const cap = identity.hardCapChars ?? DEFAULT_IDENTITY_HARD_CAP_CHARS;
  const text = await readIdentity(identity.path).catch(() => null);
  if (text === null || text.length <= cap) {
    const backup = await backupIdentity(identity.path, identity.backupDir, identity.keep, attempt);
    if (E.isLeft(backup)) identity.onBackupFailed?.(backup.left);
    return { input: {}, alerts: [] };
  }
  const fallback = await newestBackupWithin(identity.backupDir, cap).catch(() => null);
  const instead = fallback
    ? `this start uses the newest backup within the cap (${fallback.path})`
    : "no backup is within the cap, so this start has no IDENTITY layer";
  return {
    input: { identity: fallback?.text ?? null },
    alerts: [
      {
        code: "identity_over_cap",
        message: `IDENTITY file ${identity.path} is ${text.length} characters, over its hard cap of ${cap}: ${instead}. The file is left as it is (and not backed up); consolidate it.`,
      },
    ],
  };
};

/**
 * The host's launcher: for each start, a fresh single-use spawn token (in a 0600 file, only its hash to the core),
 * the prompt in a file, and for Claude Code an MCP config that loads the first-mate channel shim.
 */
export const createFirstMateLauncher = (options: LauncherOptions): FirstMateLauncher => ({
  async prepare({ attempt, session, window }): Promise<PreparedLaunch> {
    const token = createSpawnToken();
    const dir = join(options.stateDir, "launch");
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Private even when it existed before with a looser mode.
    await chmod(dir, 0o700);
    const identity = options.identity ? await prepareIdentity(options.identity, attempt) : { input: {}, alerts: [] };
    const tokenPath = join(dir, `first-mate-${attempt}.token`);
    // A leftover from an earlier host with the same attempt number is replaced, never reused.
    await rm(tokenPath, { force: true });
    await writeFile(tokenPath, token.token, { mode: 0o600, flag: "wx" });
    const promptPath = join(dir, `first-mate-${attempt}.prompt.md`);
    await rm(promptPath, { force: true });
    await writeFile(promptPath, await options.prompt(identity.input), { mode: 0o600, flag: "wx" });
    const env: Record<string, string> = {
      FIRST_MATE_TOKEN_FILE: tokenPath,
      FIRST_MATE_SOCKET: options.socketPath,
      FIRST_MATE_PROMPT_FILE: promptPath,
      FIRST_MATE_ATTEMPT: String(attempt),
    };
    let argv: string[];
    switch (options.agent.kind) {
      case "claude": {
        const mcpConfigPath = join(dir, `first-mate-${attempt}.mcp.json`);
        const config = { mcpServers: { "first-mate": channelServerEntry(options.socketPath) } };
        await writeFile(mcpConfigPath, JSON.stringify(config, null, 2), { mode: 0o600 });
        const hookSettings = firstMateHookSettings(options.socketPath);
        let settingsPath: string | undefined;
        if (hookSettings !== null) {
          settingsPath = join(dir, `first-mate-${attempt}.settings.json`);
          await writeFile(settingsPath, hookSettings, { mode: 0o600 });
        }
        argv = claudeArgv(options.agent, mcpConfigPath, promptPath, settingsPath);
        break;
      }
      case "stand-in":
        argv = nodeScriptArgv("cli", "standIn/standInFirstMate");
        if (options.agent.logFile) env.FIRST_MATE_STAND_IN_LOG = options.agent.logFile;
        if (options.agent.ignoresChannel) env.FIRST_MATE_STAND_IN_CHANNEL = "ignore";
        break;
      case "command":
        argv = [...options.agent.argv];
        break;
    }
    // What the kit starts it knows: the pane carries the kind, so it is detected by construction.
    const agentKind =
      options.agent.kind === "claude"
        ? "claude"
        : options.agent.kind === "command"
          ? classifyAgent({ command: "", processes: [argv] })
          : null;
    return {
      request: { session, window, argv, cwd: options.cwd, env, ...(agentKind !== null ? { agentKind } : {}) },
      tokenHash: token.hash,
      ...(identity.alerts.length > 0 ? { alerts: identity.alerts } : {}),
    };
  },
});
