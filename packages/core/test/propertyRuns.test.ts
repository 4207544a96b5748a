/**
 * Every property of the core's suite runs at least 1000 cases: each
 * `fc.assert` names its `numRuns`, and none asks for fewer. fast-check's
 * default (100) is easy to leave in by accident; this catches it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MIN_RUNS = 1000;
const here = fileURLToPath(new URL(".", import.meta.url));

const testFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith(".test.ts") ? [path] : [];
  });

/** Each `fc.assert` call of a source with the runs it asks for (null: none named, or more than one in reach). */
const propertyRuns = (source: string): (number | null)[] => {
  const starts = [...source.matchAll(/\bfc\.assert\(/g)].map((match) => match.index);
  return starts.map((start, i) => {
    // The options of a call come before the next call starts.
    const region = source.slice(start, starts[i + 1] ?? source.length);
    const runs = [...region.matchAll(/\bnumRuns:\s*([\d_]+)/g)];
    return runs.length === 1 ? Number(runs[0]![1]!.replaceAll("_", "")) : null;
  });
};

describe("property runs", () => {
  it("the reader finds a missing or small numRuns", () => {
    const source = [
      "fc.assert(fc.property(a, (x) => x), { numRuns: 1000 });",
      "fc.assert(fc.property(a, (x) => x));",
      "fc.assert(fc.property(a, (x) => x), { numRuns: 300, seed: 1 });",
      "fc.assert(fc.property(a, (x) => x), { numRuns: 2_000 });",
    ].join("\n");
    expect(propertyRuns(source)).toEqual([1000, null, 300, 2000]);
  });

  it(`every property in the core's suite runs at least ${MIN_RUNS} cases`, () => {
    const found: string[] = [];
    const short: string[] = [];
    // This file's own examples above are not properties.
    for (const file of testFiles(here).filter((path) => path !== fileURLToPath(import.meta.url))) {
      const name = relative(here, file);
      propertyRuns(readFileSync(file, "utf8")).forEach((runs, index) => {
        found.push(`${name}#${index + 1}`);
        if (runs === null || runs < MIN_RUNS) short.push(`${name}, property ${index + 1}: ${runs ?? "default"} runs`);
      });
    }
    expect(found.length).toBeGreaterThan(50);
    expect(short).toEqual([]);
  });
});
