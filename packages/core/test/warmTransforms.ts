/**
 * Global setup of the core's test project: every source and test file of
 * the core is transformed before the suites ask for it, in the order the
 * first suites will ask.
 *
 * Without it, each worker imports its first suite one module at a time:
 * it asks for a module, waits while the main process transforms it, runs
 * it, finds its imports and asks again. For the ~180 files of the core that
 * chain left both workers and the main process mostly idle for the first
 * second or more of `npx vitest run packages/core` on 2 cores.
 *
 * A worker imports a suite depth first, in the order its imports are
 * written. So the transforms follow that order from the setup files and the
 * longest suites (the first ones queued, longestSuites.ts), two at a time
 * so that each is done early; the rest of the sources and suites follow.
 * It also fails the run if longestSuites.ts names a suite that is not there.
 *
 * Only when modules are ready changes: the same transforms, cached by the
 * same server, serve the same code. The setup does not wait for them (a
 * worker asking for a module still being transformed joins that transform).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { TestProject } from "vitest/node";
import { LONGEST_SUITES } from "./longestSuites.js";

const typeScriptFilesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name));

/** Relative imports and re-exports as written, in order, but for `import type` / `export type` (erased by the transform). */
const RELATIVE_IMPORT = /^(?:import|export)\s+(?!type\s)(?:[^;]*?\sfrom\s+)?"(\.{1,2}\/[^"]+)\.js"/gms;

/** `entries` and every core file they import, depth first in written order, as a worker asks for them. */
const importOrder = (entries: readonly string[], known: ReadonlySet<string>): string[] => {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file) || !known.has(file)) return;
    seen.add(file);
    order.push(file);
    for (const [, path] of readFileSync(file, "utf8").matchAll(RELATIVE_IMPORT))
      visit(resolve(dirname(file), `${path}.ts`));
  };
  for (const entry of entries) visit(entry);
  return order;
};

/** Transforms `files` for the server side as a suite imports them, `inFlight` at a time, in order; a failure is left for the import. */
const transformInOrder = async (project: TestProject, files: readonly string[], inFlight: number): Promise<void> => {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++]!;
      // A file that fails to transform fails again, with its error, when a suite imports it.
      await project.vite.transformRequest(file, { ssr: true }).catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
};

export default function warmTransforms(project: TestProject): void {
  const core = join(project.config.root, "packages", "core");
  const sources = typeScriptFilesUnder(join(core, "src"));
  const tests = typeScriptFilesUnder(join(core, "test"));
  const longest = LONGEST_SUITES.map((suite) => join(core, "test", suite));
  const missing = LONGEST_SUITES.filter((_, index) => !tests.includes(longest[index]!));
  if (missing.length > 0)
    throw new Error(`packages/core/test/longestSuites.ts names suites that are not there: ${missing.join(", ")}`);
  const setupFiles = project.config.setupFiles;
  const first = importOrder([...setupFiles, ...longest], new Set([...sources, ...tests]));
  const firstSet = new Set(first);
  const order = [
    ...first,
    ...sources.filter((file) => !firstSet.has(file)),
    ...tests.filter((file) => !firstSet.has(file)),
  ];
  // Two at a time: each is done soon after it is asked for, and the main process still answers the workers
  // between them (all at once, the first suites started ~0.2 s later; one at a time, no sooner).
  void transformInOrder(project, order, 2);
}
