/**
 * How to start one of first-mate's own scripts as a process: from built
 * JavaScript when running from `dist`, or from TypeScript sources through
 * tsx when running from `src` (tests, development).
 */
import { accessSync, constants, existsSync, realpathSync } from "node:fs";
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

/** A file shipped inside one of first-mate's packages (e.g. driver-mcp's hook/first_mate_hook.py). */
export const packageFile = (name: "cli" | "driver-mcp", relative: string): string => join(packageRoot(name), relative);

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * A Python 3 to run the fast hook with, or null. The system interpreter
 * comes first: version-manager shims (pyenv) are shell scripts that add
 * their own start-up to every hook run.
 */
export const findPython3 = (env: NodeJS.ProcessEnv = process.env): string | null => {
  const onPath = (env.PATH ?? "")
    .split(":")
    .filter(Boolean)
    .map((dir) => join(dir, "python3"));
  for (const candidate of ["/usr/bin/python3", "/usr/local/bin/python3", ...onPath]) {
    if (executable(candidate)) return candidate;
  }
  return null;
};
