/**
 * What every published package must carry, read from the package.json
 * files and from `npm pack --dry-run` (the file list a tarball would have).
 * Each test is named after a packaging defect it pins; packages are
 * discovered, so a new one is held to the same rules. The full install
 * from tarballs is `npm run test:pack`.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");

interface Manifest {
  readonly name: string;
  readonly private?: boolean;
  readonly license?: string;
  readonly repository?: { readonly url?: string; readonly directory?: string };
  readonly homepage?: string;
  readonly publishConfig?: { readonly access?: string };
  readonly exports?: Record<string, unknown>;
  readonly scripts?: Record<string, string>;
  readonly bin?: Record<string, string>;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { readonly optional?: boolean }>;
  readonly files?: readonly string[];
}

const packages = readdirSync(join(root, "packages"))
  .filter((dir) => existsSync(join(root, "packages", dir, "package.json")))
  .map((dir) => ({
    dir: `packages/${dir}`,
    manifest: JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")) as Manifest,
  }))
  .filter(({ manifest }) => !manifest.private);

const byName = (name: string) => packages.find(({ manifest }) => manifest.name === name)!.manifest;

describe("package manifests", () => {
  it("finds the published packages", () => {
    expect(packages.map(({ manifest }) => manifest.name)).toEqual(
      expect.arrayContaining([
        "@first-mate/cli",
        "@first-mate/core",
        "@first-mate/driver-mcp",
        "@first-mate/driver-tmux",
        "@first-mate/store-sqlite",
      ]),
    );
  });

  it("the CLI is published under a scoped name with the first-mate bin (the name first-mate belongs to another package)", () => {
    const cli = byName("@first-mate/cli");
    expect(cli.bin).toEqual({ "first-mate": "./dist/bin.js" });
    expect(packages.every(({ manifest }) => manifest.name.startsWith("@first-mate/"))).toBe(true);
  });

  it("prepack builds every package (a fresh clone packed empty packages)", () => {
    for (const { manifest } of packages) expect(manifest.scripts?.prepack, manifest.name).toBe("tsc -b");
  });

  it("every package has repository, homepage and publishConfig.access public", () => {
    for (const { dir, manifest } of packages) {
      expect(manifest.repository?.url, manifest.name).toMatch(/^git\+https:\/\//);
      expect(manifest.repository?.directory, manifest.name).toBe(dir);
      expect(manifest.homepage, manifest.name).toMatch(/^https:\/\//);
      expect(manifest.publishConfig?.access, manifest.name).toBe("public");
      expect(manifest.license, manifest.name).toBe("MIT");
    }
  });

  it("every package exports ./package.json", () => {
    for (const { manifest } of packages)
      expect(manifest.exports?.["./package.json"], manifest.name).toBe("./package.json");
  });

  it("type dependencies a consumer needs are dependencies, and optional peers are declared", () => {
    expect(byName("@first-mate/store-sqlite").dependencies?.["@types/better-sqlite3"]).toBeDefined();
    const core = byName("@first-mate/core");
    expect(core.peerDependencies?.["fast-check"]).toBeDefined();
    expect(core.peerDependenciesMeta?.["fast-check"]?.optional).toBe(true);
    for (const { manifest } of packages) {
      expect(manifest.peerDependencies?.["@types/node"], manifest.name).toBeDefined();
      expect(manifest.peerDependenciesMeta?.["@types/node"]?.optional, manifest.name).toBe(true);
    }
  });

  it("the LICENSE text is at the root and in every package, the same", () => {
    const license = readFileSync(join(root, "LICENSE"), "utf8");
    expect(license).toMatch(/^MIT License/);
    for (const { dir } of packages) expect(readFileSync(join(root, dir, "LICENSE"), "utf8"), dir).toBe(license);
  });

  it("every package has a CHANGELOG.md with a first entry, and changesets is configured for public access", () => {
    for (const { dir } of packages)
      expect(readFileSync(join(root, dir, "CHANGELOG.md"), "utf8"), dir).toMatch(/^## \d+\.\d+\.\d+/m);
    const config = JSON.parse(readFileSync(join(root, ".changeset", "config.json"), "utf8")) as { access: string };
    expect(config.access).toBe("public");
  });

  it("the build cache is written outside dist/, so a tarball cannot pick it up", () => {
    for (const { dir } of packages) {
      const tsconfig = readFileSync(join(root, dir, "tsconfig.json"), "utf8");
      const cache = /"tsBuildInfoFile":\s*"([^"]+)"/.exec(tsconfig)?.[1];
      expect(cache, dir).toBeDefined();
      expect(cache!.replace(/^\.\//, "").startsWith("dist"), dir).toBe(false);
    }
  });

  it("no tarball ships a build cache (.tsbuildinfo) or tests, and every tarball has LICENSE, README.md and CHANGELOG.md", async () => {
    for (const { dir, manifest } of packages) {
      const { stdout } = await promisify(execFile)(
        "npm",
        ["pack", "--dry-run", "--json", "--ignore-scripts", "-w", dir],
        { cwd: root, maxBuffer: 16 * 1024 * 1024 },
      );
      const [packed] = JSON.parse(stdout) as { files: { path: string }[] }[];
      const files = packed!.files.map((file) => file.path);
      expect(files, manifest.name).toEqual(
        expect.arrayContaining(["LICENSE", "README.md", "CHANGELOG.md", "package.json"]),
      );
      expect(
        files.filter((file) => file.includes("tsbuildinfo")),
        manifest.name,
      ).toEqual([]);
      expect(
        files.filter((file) => file.startsWith("test/")),
        manifest.name,
      ).toEqual([]);
    }
  }, 120_000);
});
