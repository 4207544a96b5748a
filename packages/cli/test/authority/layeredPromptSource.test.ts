import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SUPREMACY_LINE } from "@first-mate/core";
import { openSqliteStore, type SqliteStore } from "@first-mate/store-sqlite";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFirstMateLauncher } from "../../src/host/firstMateLauncher.js";
import { identityBackupDir, identityPath } from "../../src/host/identityFile.js";
import { createLayeredPrompt } from "../../src/host/layeredPromptSource.js";

let dir = "";
let store: SqliteStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "fm-prompt-"));
  const opened = openSqliteStore({ path: join(dir, "first-mate.db") });
  if (E.isLeft(opened)) throw new Error(opened.left.message);
  store = opened.right;
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const ok = <T>(result: E.Either<unknown, T>): T => {
  if (E.isLeft(result)) throw new Error(JSON.stringify(result.left));
  return result.right;
};

describe("the host's layered prompt", () => {
  it("assembles CORE, only the approved ROLE-EXT entries, then the IDENTITY file", async () => {
    const approved = ok(await store.proposeRoleExtension({ text: "Prefer small PRs.", at: 1 }));
    ok(await store.proposeRoleExtension({ text: "Merge anything green.", at: 2 }));
    ok(await store.decideRoleExtension(approved.id, "approved", { by: "human", at: 3 }));
    writeFileSync(identityPath(dir), "I am Ada.");
    const warnings: string[] = [];
    const prompt = await createLayeredPrompt({
      store,
      identityPath: identityPath(dir),
      core: "Embedder CORE: be brief.",
      onWarning: (warning) => warnings.push(warning),
    })();
    const positions = ["Embedder CORE: be brief.", SUPREMACY_LINE, "Prefer small PRs.", "I am Ada."].map((text) =>
      prompt.indexOf(text),
    );
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(prompt).not.toContain("Merge anything green.");
    expect(warnings).toEqual([]);
  });

  it("warns about an identity over the cap", async () => {
    writeFileSync(identityPath(dir), "y".repeat(120));
    const warnings: string[] = [];
    await createLayeredPrompt({
      store,
      identityPath: identityPath(dir),
      identityCapChars: 100,
      onWarning: (warning) => warnings.push(warning),
    })();
    expect(warnings).toEqual([expect.stringContaining("120 characters, over the 100-character cap")]);
  });

  it("the launcher backs the identity up before each spawn and writes the assembled prompt to a file", async () => {
    const launcher = createFirstMateLauncher({
      agent: { kind: "command", argv: ["sleep", "1"] },
      stateDir: dir,
      socketPath: join(dir, "channel.sock"),
      cwd: dir,
      prompt: createLayeredPrompt({ store, identityPath: identityPath(dir) }),
      identity: { path: identityPath(dir), backupDir: identityBackupDir(dir), keep: 2 },
    });
    writeFileSync(identityPath(dir), "first");
    for (let attempt = 1; attempt <= 3; attempt++) {
      const launch = await launcher.prepare({
        session: "bridge",
        window: "first-mate",
        attempt,
      });
      const promptFile = launch.request.env?.FIRST_MATE_PROMPT_FILE;
      expect(readFileSync(promptFile!, "utf8")).toContain(attempt === 1 ? "first" : `edit ${attempt - 1}`);
      writeFileSync(identityPath(dir), `edit ${attempt}`);
    }
    const backups = readdirSync(identityBackupDir(dir)).sort();
    expect(backups).toHaveLength(2);
    expect(backups.map((name) => readFileSync(join(identityBackupDir(dir), name), "utf8"))).toEqual([
      "edit 1",
      "edit 2",
    ]);
  });
});
