/**
 * `npm run docs`: the API reference, built by TypeDoc from the doc comments
 * of every public entry point (entryPoints.ts) into `docs/api/`. Fails on
 * TypeDoc errors (a broken `{@link}`, an entry point that does not
 * compile). Whether every export has a comment is checkDocumented.ts.
 */
import { resolve } from "node:path";
import { Application, LogLevel } from "typedoc";
import { discoverEntryPoints } from "./entryPoints.js";

const root = resolve(import.meta.dirname, "..", "..");
const out = resolve(root, "docs", "api");
const entries = discoverEntryPoints(root);
const app = await Application.bootstrapWithPlugins({
  name: "first-mate",
  entryPoints: entries.map((entry) => entry.source),
  entryPointStrategy: "resolve",
  tsconfig: resolve(root, "tsconfig.docs.json"),
  readme: resolve(root, "docs", "README.md"),
  excludePrivate: true,
  excludeInternal: true,
  validation: { invalidLink: true, notExported: false, notDocumented: false },
  treatWarningsAsErrors: false,
  logLevel: LogLevel.Warn,
});
const project = await app.convert();
if (!project) {
  console.error("TypeDoc could not convert the entry points");
  process.exit(1);
}
// Name each module by its import specifier (TypeDoc would name it by its path, e.g. "core/src/runtime").
for (const module of project.children ?? []) {
  const file = module.sources?.[0]?.fullFileName;
  const entry = entries.find((candidate) => candidate.source === file);
  if (entry) module.name = entry.specifier;
}
app.validate(project);
await app.generateDocs(project, out);
if (app.logger.hasErrors()) process.exit(1);
console.log(`API docs for ${project.children?.length ?? 0} entry points in ${out}`);
