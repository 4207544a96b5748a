/**
 * Installs the pinned agent CLIs into the cache directory (see agents.ts),
 * or does nothing when they are already there. Run by `npm run test:agents`
 * before the suite.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { agentBinary, agentsCacheDir, installedVersion, PINNED_AGENTS } from "./agents.js";

const cache = agentsCacheDir();
const missing = Object.entries(PINNED_AGENTS).filter(([name, version]) => installedVersion(name, cache) !== version);
if (missing.length === 0) {
  process.stderr.write(`agents: pinned versions already in ${cache}\n`);
} else {
  mkdirSync(cache, { recursive: true });
  writeFileSync(join(cache, "package.json"), `${JSON.stringify({ name: "first-mate-agents-cache", private: true })}\n`);
  const specs = Object.entries(PINNED_AGENTS).map(([name, version]) => `${name}@${version}`);
  process.stderr.write(`agents: installing ${specs.join(" ")} into ${cache}\n`);
  const ran = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--no-save", "--prefix", cache, ...specs], {
    stdio: "inherit",
  });
  if (ran.status !== 0) process.exit(ran.status ?? 1);
  const still = Object.entries(PINNED_AGENTS).filter(([name, version]) => installedVersion(name, cache) !== version);
  if (still.length > 0) {
    process.stderr.write(`agents: not installed: ${still.map(([name]) => name).join(", ")}\n`);
    process.exit(1);
  }
}

// Claude Code's npm package puts its native binary in place in a postinstall script; an npm that
// skipped install scripts leaves a placeholder. Run the script then, and check every binary starts.
const runs = (binary: string) => spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 60_000 }).status === 0;
if (!runs(agentBinary("claude", cache))) {
  const pkg = join(cache, "node_modules", "@anthropic-ai", "claude-code");
  spawnSync(process.execPath, [join(pkg, "install.cjs")], { cwd: pkg, stdio: "inherit" });
}
for (const name of ["claude", "codex", "gemini"] as const)
  if (!runs(agentBinary(name, cache))) {
    process.stderr.write(`agents: ${agentBinary(name, cache)} --version fails\n`);
    process.exit(1);
  }
