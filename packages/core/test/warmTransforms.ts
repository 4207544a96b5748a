/**
 * Global setup of the core's test project: every source and test file of
 * the core is transformed at once, before the suites ask for it.
 *
 * Without it, each worker imports its first suite one module at a time:
 * it asks for a module, waits while the main process transforms it, runs
 * it, finds its imports and asks again. For the ~180 files of the core that
 * chain left both workers and the main process mostly idle for the first
 * second or more of `npx vitest run packages/core` on 2 cores. Asked all at
 * once, the transforms overlap and the workers find them done.
 *
 * Only when modules are ready changes: the same transforms, cached by the
 * same server, serve the same code. The setup does not wait for them (a
 * worker asking for a module still being transformed joins that transform).
 *
 * It also fails the run if longestSuites.ts names a suite that is not there.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { LONGEST_SUITES } from "./longestSuites.js";

const typeScriptFilesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name));

/** Transforms `files` for the server side as a suite would import them, all at once; a failure is left for the import. */
const transformAll = (project: TestProject, files: readonly string[]): Promise<unknown> =>
  // A file that fails to transform fails again, with its error, when a suite imports it.
  Promise.all(files.map((file) => project.vite.transformRequest(file, { ssr: true }).catch(() => undefined)));

export default function warmTransforms(project: TestProject): void {
  const core = join(project.config.root, "packages", "core");
  const tests = typeScriptFilesUnder(join(core, "test"));
  const missing = LONGEST_SUITES.filter((suite) => !tests.includes(join(core, "test", suite)));
  if (missing.length > 0)
    throw new Error(`packages/core/test/longestSuites.ts names suites that are not there: ${missing.join(", ")}`);
  // The sources first: every suite imports most of them, so they are what the workers wait for first.
  void transformAll(project, typeScriptFilesUnder(join(core, "src"))).then(() => transformAll(project, tests));
}
