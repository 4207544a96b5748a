/**
 * The entry points whose exports are the public API: every `exports` entry
 * of every published package (`packages/*`, not private), found from the
 * package.json files so a new package or entry is covered without editing
 * this list. `./package.json` is not code and is left out.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** One entry point: its import specifier and its source file. */
export interface EntryPoint {
  readonly specifier: string;
  readonly source: string;
}

interface PackageJson {
  readonly name: string;
  readonly private?: boolean;
  readonly exports?: Record<string, string | Record<string, string>>;
}

/** Every entry point of every published package under `root/packages`. */
export const discoverEntryPoints = (root: string): EntryPoint[] => {
  const entries: EntryPoint[] = [];
  const packagesDir = join(root, "packages");
  for (const dir of readdirSync(packagesDir).sort()) {
    const file = join(packagesDir, dir, "package.json");
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, "utf8")) as PackageJson;
    if (pkg.private) continue;
    for (const [key, value] of Object.entries(pkg.exports ?? {})) {
      if (key === "./package.json" || typeof value === "string") continue;
      const source = value["@first-mate/source"];
      if (!source) throw new Error(`${pkg.name} exports ${key} without a "@first-mate/source" condition`);
      entries.push({
        specifier: key === "." ? pkg.name : `${pkg.name}/${key.slice(2)}`,
        source: resolve(packagesDir, dir, source),
      });
    }
  }
  return entries;
};
