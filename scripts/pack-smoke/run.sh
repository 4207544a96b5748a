#!/usr/bin/env bash
# The packed-install smoke test: what an adopter gets from npm.
#
# Packs every published package (each `prepack` builds it), checks each
# tarball (LICENSE, README, no build cache, every `exports` target
# present), installs the tarballs into a fresh project, then:
#   - `first-mate --version` and `first-mate --help` exit 0;
#   - every entry point of every package imports from an .mjs file;
#   - consumer.ts, using the main entry points, and a generated file that
#     imports every entry point type-check with skipLibCheck false under
#     moduleResolution nodenext;
#   - `first-mate demo` runs from the installed package.
# Packages are discovered (packages/*/package.json, not private), so a new
# package is covered without editing this file. Needs tmux for the demo.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/scripts/pack-smoke"
work="$(mktemp -d "${TMPDIR:-/tmp}/first-mate-pack-smoke-XXXXXX")"
trap 'rm -rf "$work"' EXIT
step() { printf '\n== %s\n' "$*"; }
fail() { printf 'pack smoke test FAILED: %s\n' "$*" >&2; exit 1; }

step "pack every package"
mkdir -p "$work/tarballs"
mapfile -t packages < <(cd "$root" && node -e '
  const { readdirSync, readFileSync, existsSync } = require("node:fs");
  for (const dir of readdirSync("packages").sort()) {
    const file = `packages/${dir}/package.json`;
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, "utf8"));
    if (!pkg.private) console.log(`packages/${dir}`);
  }')
[ "${#packages[@]}" -gt 0 ] || fail "no packages found"
for dir in "${packages[@]}"; do
  (cd "$root" && npm pack -w "$dir" --pack-destination "$work/tarballs" --silent >/dev/null)
done
ls "$work/tarballs"

step "check every tarball"
for tarball in "$work"/tarballs/*.tgz; do
  listing="$(tar -tzf "$tarball")"
  name="$(basename "$tarball")"
  grep -qx 'package/LICENSE' <<<"$listing" || fail "$name has no LICENSE"
  grep -qx 'package/README.md' <<<"$listing" || fail "$name has no README.md"
  grep -qx 'package/CHANGELOG.md' <<<"$listing" || fail "$name has no CHANGELOG.md"
  if grep -q 'tsbuildinfo' <<<"$listing"; then fail "$name ships a build cache (.tsbuildinfo)"; fi
  if grep -q '^package/test/' <<<"$listing"; then fail "$name ships its tests"; fi
  # Every file an `exports` condition (other than the workspace-only source one) names is in the tarball.
  tar -xzf "$tarball" -C "$work" package/package.json
  node -e '
    const pkg = require(process.argv[1]);
    const listing = new Set(process.argv[2].split("\n"));
    const targets = [];
    const walk = (value) => {
      if (typeof value === "string") targets.push(value);
      else if (value && typeof value === "object")
        for (const [condition, inner] of Object.entries(value)) if (condition !== "@first-mate/source") walk(inner);
    };
    walk(pkg.exports);
    for (const bin of Object.values(pkg.bin ?? {})) targets.push(bin);
    const missing = targets.filter((target) => !listing.has(`package/${target.replace(/^\.\//, "")}`));
    if (missing.length) { console.error(`${pkg.name}: exports/bin name missing files: ${missing.join(", ")}`); process.exit(1); }
    for (const field of ["repository", "homepage", "publishConfig"])
      if (!pkg[field]) { console.error(`${pkg.name}: no ${field}`); process.exit(1); }
    if (pkg.publishConfig.access !== "public") { console.error(`${pkg.name}: publishConfig.access is not public`); process.exit(1); }
    if (!pkg.exports["./package.json"]) { console.error(`${pkg.name}: ./package.json is not exported`); process.exit(1); }
  ' "$work/package/package.json" "$listing" || fail "$name: exports, bin or metadata"
  rm -rf "$work/package"
done

step "install the tarballs into a fresh project"
mkdir -p "$work/consumer"
cd "$work/consumer"
# better-sqlite3 builds its native module in an install script; npm 11 runs only approved ones.
cat > package.json <<'JSON'
{ "name": "first-mate-consumer", "private": true, "type": "module", "allowScripts": { "better-sqlite3": true, "esbuild": true } }
JSON
# @types/node: every package's public types use Node's (documented); fast-check: the optional peer of
# @first-mate/core/testing; vitest: the peer of @first-mate/store-contract (a vitest suite).
npm install --no-audit --no-fund --loglevel=error "$work"/tarballs/*.tgz "@types/node@^20.19.0" "fast-check@^4.11.0" \
  "vitest@~3.2.7"

step "first-mate --version and --help"
version="$(npx --no-install first-mate --version)"
expected="$(node -p 'require("@first-mate/cli/package.json").version')"
[ "$version" = "$expected" ] || fail "first-mate --version printed '$version', not '$expected'"
npx --no-install first-mate --help >help.txt || fail "first-mate --help exited $?"
grep -q 'Usage: first-mate' help.txt || fail "first-mate --help printed no usage"
echo "first-mate $version; --help ok"

step "every entry point imports from .mjs"
# A package that peers on vitest (a test suite, e.g. store-contract) can only be imported
# inside a vitest run: its entries go to a .test.mjs file that the installed vitest runs.
node -e '
  const { readdirSync, readFileSync, writeFileSync } = require("node:fs");
  const plain = [];
  const underVitest = [];
  const types = [];
  for (const dir of readdirSync("node_modules/@first-mate").sort()) {
    const pkg = JSON.parse(readFileSync(`node_modules/@first-mate/${dir}/package.json`, "utf8"));
    const needsVitest = Boolean(pkg.peerDependencies?.vitest);
    for (const [key, value] of Object.entries(pkg.exports)) {
      if (key === "./package.json") continue;
      const specifier = key === "." ? pkg.name : `${pkg.name}/${key.slice(2)}`;
      const id = `m${plain.length + underVitest.length}`;
      const check = `if (Object.keys(${id}).length === 0) throw new Error("${specifier} exports nothing");\nconsole.log("imported ${specifier}: " + Object.keys(${id}).length + " exports");`;
      (needsVitest ? underVitest : plain).push(`import * as ${id} from "${specifier}";\n${check}`);
      if (typeof value === "object" && value.types) types.push(`export * as ${id} from "${specifier}";`);
    }
  }
  writeFileSync("entries.mjs", plain.join("\n") + "\n");
  writeFileSync("entries.test.mjs", `import { expect, test } from "vitest";\n${underVitest.join("\n")}\ntest("imports", () => expect(true).toBe(true));\n`);
  writeFileSync("entries.ts", types.join("\n") + "\n");
'
node entries.mjs
npx --no-install vitest run entries.test.mjs

step "type-check a consumer (skipLibCheck false, moduleResolution nodenext)"
cp "$here/consumer.ts" "$here/tsconfig.json" .
"$root/node_modules/.bin/tsc" -p tsconfig.json
echo "consumer.ts and entries.ts type-check"

step "first-mate demo from the installed package"
npx --no-install first-mate demo --json >demo.json || fail "first-mate demo exited $?"
node -e '
  const summary = JSON.parse(require("node:fs").readFileSync("demo.json", "utf8"));
  if (summary.firstMateStarts < 1 || !summary.logSurvivedRespawn) { console.error(summary); process.exit(1); }
  console.log(`demo ok: ${summary.firstMateStarts} first-mate starts, ${summary.digestPushes} pushes`);
'
printf '\npack smoke test passed\n'
