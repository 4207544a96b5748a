/**
 * The host's FirstMateLauncher: a fresh spawn token per start, the prompt
 * written to a file (never typed), and the agent command with the
 * first-mate channel wired in. The core sees only the token's hash.
 *
 * The token travels in a 0600 file named by `FIRST_MATE_TOKEN_FILE`; the
 * shim reads it and removes it, so the secret is in no environment at all
 * (tmux's, or the agent's `/proc/<pid>/environ`). Until the shim's first
 * hello consumes it, a same-user process can still read that file: the
 * token is single-use, so after the first mate attached it is worthless.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FirstMateLauncher, PreparedLaunch } from "@first-mate/core/runtime";
import * as E from "fp-ts/lib/Either.js";
import type { AgentChoice } from "./hostConfig.js";
import { backupIdentity } from "./identityFile.js";
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
  readonly prompt: () => Promise<string> | string;
  /** The IDENTITY file, backed up before each spawn and rotated to the newest `keep`. */
  readonly identity?: {
    readonly path: string;
    readonly backupDir: string;
    readonly keep: number;
    /** Told when a backup fails; the spawn goes on (a missed backup must not keep the first mate down). */
    readonly onBackupFailed?: (reason: string) => void;
  };
}

/** The `.mcp.json`-style server entry that loads the channel through the shim. */
export const channelServerEntry = (socketPath: string) => {
  const [command, ...args] = nodeScriptArgv("driver-mcp", "shim/bin");
  return { command: command!, args, env: { FIRST_MATE_SOCKET: socketPath } };
};

const claudeArgv = (
  agent: Extract<AgentChoice, { kind: "claude" }>,
  mcpConfigPath: string,
  promptPath: string,
): string[] => [
  "/bin/sh",
  "-c",
  // The prompt goes through a file: it is read by the shell, never typed into the pane.
  'config="$1"; prompt="$(cat "$2")"; shift 2; exec "$0" --mcp-config "$config" --dangerously-load-development-channels server:first-mate --append-system-prompt "$prompt" "$@"',
  agent.binary,
  mcpConfigPath,
  promptPath,
  ...agent.extraArgs,
];

/**
 * The host's launcher: for each start, a fresh single-use spawn token (in a 0600 file, only its hash to the core),
 * the prompt in a file, and for Claude Code an MCP config that loads the first-mate channel shim.
 */
export const createFirstMateLauncher = (options: LauncherOptions): FirstMateLauncher => ({
  async prepare({ attempt, session, window }): Promise<PreparedLaunch> {
    const token = createSpawnToken();
    const dir = join(options.stateDir, "launch");
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (options.identity) {
      const backup = await backupIdentity(
        options.identity.path,
        options.identity.backupDir,
        options.identity.keep,
        attempt,
      );
      if (E.isLeft(backup)) options.identity.onBackupFailed?.(backup.left);
    }
    const tokenPath = join(dir, `first-mate-${attempt}.token`);
    // A leftover from an earlier host with the same attempt number is replaced, never reused.
    await rm(tokenPath, { force: true });
    await writeFile(tokenPath, token.token, { mode: 0o600, flag: "wx" });
    const promptPath = join(dir, `first-mate-${attempt}.prompt.md`);
    await writeFile(promptPath, await options.prompt(), { mode: 0o600 });
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
        argv = claudeArgv(options.agent, mcpConfigPath, promptPath);
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
    return { request: { session, window, argv, cwd: options.cwd, env }, tokenHash: token.hash };
  },
});
