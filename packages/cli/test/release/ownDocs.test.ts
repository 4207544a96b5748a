/**
 * The project speaks of itself in its own documents: no tracked file cites
 * a specification the repository does not hold, docs/ has the documents
 * the READMEs point to, and every link into docs/design.md names a section
 * that exists there.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
const tracked = execFileSync("git", ["ls-files"], { cwd: root, encoding: "utf8" }).split("\n").filter(Boolean);
const text = (file: string) => readFileSync(join(root, file), "utf8");

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, "")
    .replace(/ /g, "-");

describe("the project's own documentation", () => {
  it("no tracked file cites a SPEC section (there is no SPEC in the repository; docs/design.md is the reference)", () => {
    const citation = ["SPEC", "§"].join(" ");
    const citing = tracked.filter((file) => existsSync(join(root, file)) && text(file).includes(citation));
    expect(citing).toEqual([]);
  });

  it("docs/ holds the design, embedding and operations documents and an index", () => {
    for (const file of ["docs/README.md", "docs/design.md", "docs/embedding.md", "docs/operations.md"])
      expect(existsSync(join(root, file)), file).toBe(true);
  });

  it("every link to a section of docs/design.md names a heading that exists", () => {
    const anchors = new Set(
      text("docs/design.md")
        .split("\n")
        .filter((line) => line.startsWith("## "))
        .map((line) => anchorOf(line.slice(3))),
    );
    const links = tracked
      .filter((file) => file.endsWith(".md") && existsSync(join(root, file)))
      .flatMap((file) => [...text(file).matchAll(/design\.md#([a-z0-9-]+)/g)].map((match) => `${file}#${match[1]}`));
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((link) => !anchors.has(link.split("#")[1]!))).toEqual([]);
  });
});
