import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

/** Every source file the main entry reaches through relative imports. */
const reachableFrom = (entry: string): ReadonlyMap<string, string> => {
  const seen = new Map<string, string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    const text = readFileSync(file, "utf8");
    seen.set(file, text);
    for (const match of text.matchAll(/from\s+"(\.{1,2}\/[^"]+)"/g)) {
      const spec = match[1] ?? "";
      visit(join(dirname(file), spec.replace(/\.js$/, ".ts")));
    }
  };
  visit(entry);
  return seen;
};

// What would make the main entry effectful: Node modules, the wall clock,
// timers, randomness, or anything under runtime/.
const IMPURE = [
  /from\s+"node:/,
  /\bDate\.now\s*\(/,
  /new Date\(\s*\)/,
  /\bsetTimeout\s*\(/,
  /\bsetInterval\s*\(/,
  /\bMath\.random\s*\(/,
  /\bprocess\.(env|argv|pid|hrtime|exit|cwd)\b/,
];

describe("the main entry of @first-mate/core is pure", () => {
  const files = reachableFrom(join(SRC, "index.ts"));

  it("reaches the domain, decisions and step but nothing under runtime/", () => {
    const paths = [...files.keys()].map((f) => f.slice(SRC.length + 1));
    expect(paths).toContain("step.ts");
    expect(paths.filter((p) => p.startsWith("runtime/"))).toEqual([]);
  });

  it("no reachable file imports IO, reads the clock, sets a timer or draws randomness", () => {
    const offences = [...files].flatMap(([file, text]) =>
      IMPURE.filter((re) => re.test(text)).map((re) => `${file.slice(SRC.length + 1)}: ${re.source}`),
    );
    expect(offences).toEqual([]);
  });

  it("the runtime entry exports the effectful pieces", async () => {
    const runtime = await import("@first-mate/core/runtime");
    const core = (await import("@first-mate/core")) as Record<string, unknown>;
    expect(typeof runtime.createRuntime).toBe("function");
    expect(typeof runtime.systemClock.now).toBe("function");
    expect(core.createRuntime).toBeUndefined();
    expect(core.systemClock).toBeUndefined();
  });
});
