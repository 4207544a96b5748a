/**
 * How to start one of first-mate's own scripts as a process: from built
 * JavaScript when running from `dist`, or from TypeScript sources through
 * tsx when running from `src` (tests, development).
 */
import { existsSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const runningFromSource = import.meta.url.endsWith(".ts");

/** A package's root directory, found from its resolved entry (src/ or dist/). */
const packageRoot = (name: "cli" | "driver-mcp"): string => {
  if (name === "cli") return join(here, "..", "..");
  try {
    const entry = fileURLToPath(import.meta.resolve("@first-mate/driver-mcp"));
    return dirname(dirname(entry));
  } catch {
    // Some loaders (a test runner's) have no import.meta.resolve: look for the installed package instead.
    for (let dir = here; dirname(dir) !== dir; dir = dirname(dir)) {
      const candidate = join(dir, "node_modules", "@first-mate", "driver-mcp");
      if (existsSync(join(candidate, "package.json"))) return realpathSync(candidate);
    }
    throw new Error("cannot find @first-mate/driver-mcp from the first-mate package");
  }
};

/**
 * argv that runs `script` (a path under the package's src/, without
 * extension), e.g. nodeScriptArgv("driver-mcp", "shim/bin").
 */
export const nodeScriptArgv = (name: "cli" | "driver-mcp", script: string): string[] => {
  const root = packageRoot(name);
  if (runningFromSource) {
    return [
      process.execPath,
      "--conditions=@first-mate/source",
      "--import",
      require.resolve("tsx"),
      join(root, "src", `${script}.ts`),
    ];
  }
  const built = join(root, "dist", `${script}.js`);
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first`);
  return [process.execPath, built];
};
