/**
 * The real agent CLIs the conformance suite runs: pinned versions, where
 * they are installed, and an isolated, offline home for each run.
 *
 * The cache directory (default `.agents-cache/` at the repository root,
 * git-ignored; `FIRST_MATE_AGENTS_CACHE` overrides it) holds one npm
 * prefix with the three packages; `installAgents.ts` fills it and reuses it
 * when the pinned versions are already there.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** The pinned versions (the ones the platform notes were measured with). */
export const PINNED_AGENTS = {
  "@anthropic-ai/claude-code": "2.1.328",
  "@openai/codex": "0.169.0",
  "@google/gemini-cli": "0.61.0",
} as const;

/** The npm prefix the agents are installed under. */
export const agentsCacheDir = (): string =>
  resolve(process.env.FIRST_MATE_AGENTS_CACHE ?? join(import.meta.dirname, "..", ".agents-cache"));

/** The version of `name` installed in the cache, or null. */
export const installedVersion = (name: string, cache = agentsCacheDir()): string | null => {
  const manifest = join(cache, "node_modules", name, "package.json");
  if (!existsSync(manifest)) return null;
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version?: string }).version ?? null;
};

/** The installed command of each agent. */
export const agentBinary = (name: "claude" | "codex" | "gemini", cache = agentsCacheDir()): string =>
  join(cache, "node_modules", ".bin", name);

/** A made-up key: offline, Claude Code never checks it, but wants one approved to skip its dialog. */
export const FAKE_ANTHROPIC_KEY = "sk-ant-api03-first-mate-conformance-0000000000000000";

/**
 * Prepares an isolated HOME in which Claude Code reaches its prompt offline
 * (onboarding done, the `trusted` directories trusted, the made-up key approved) and Codex has
 * its CODEX_HOME. Returns the environment every agent pane gets.
 */
export const isolatedAgentHome = (home: string, trusted: readonly string[]): Record<string, string> => {
  mkdirSync(join(home, ".codex"), { recursive: true });
  mkdirSync(join(home, ".claude"), { recursive: true });
  writeFileSync(
    join(home, ".claude.json"),
    JSON.stringify({
      hasCompletedOnboarding: true,
      projects: Object.fromEntries(trusted.map((dir) => [dir, { hasTrustDialogAccepted: true }])),
      customApiKeyResponses: { approved: [FAKE_ANTHROPIC_KEY.slice(-20)], rejected: [] },
    }),
  );
  return {
    HOME: home,
    CODEX_HOME: join(home, ".codex"),
    XDG_CONFIG_HOME: join(home, ".config"),
    ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    GEMINI_API_KEY: "first-mate-conformance",
    NO_BROWSER: "1",
    // MCP tools are offered to the model directly, not behind a tool search.
    ENABLE_TOOL_SEARCH: "false",
  };
};

/**
 * The variables that tell a program it runs under CI (`CI`, `CONTINUOUS_INTEGRATION`, `CI_*`). Under them
 * Gemini CLI runs headless: it prints that the folder is not trusted and exits. A user's terminal has none,
 * so the agents' tmux server is started without them.
 */
export const ciVariables = (env: Readonly<Record<string, string | undefined>>): string[] =>
  Object.keys(env).filter((name) => name === "CI" || name === "CONTINUOUS_INTEGRATION" || name.startsWith("CI_"));
