import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { backupIdentity, ensureIdentityFile, identityBackupDir, identityPath } from "../../src/host/identityFile.js";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "fm-identity-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("identity backups", () => {
  it("copies the identity byte for byte before a spawn, mode 0600", async () => {
    const path = identityPath(dir);
    writeFileSync(path, "I am the first mate. ünïcode ✓\n");
    const result = await backupIdentity(path, identityBackupDir(dir), 10, 1, 1_000);
    if (E.isLeft(result)) throw new Error(result.left);
    expect(result.right.backup).not.toBeNull();
    expect(readFileSync(result.right.backup!, "utf8")).toBe("I am the first mate. ünïcode ✓\n");
    expect(statSync(identityBackupDir(dir)).mode & 0o777).toBe(0o700);
  });

  it("keeps only the newest N backups, oldest removed first, and never touches files it did not name", async () => {
    const path = identityPath(dir);
    const backups = identityBackupDir(dir);
    writeFileSync(path, "v0");
    await backupIdentity(path, backups, 3, 0, 500);
    writeFileSync(join(backups, "notes-from-the-human.md"), "keep me");
    for (let attempt = 1; attempt <= 12; attempt++) {
      writeFileSync(path, `v${attempt}`);
      const result = await backupIdentity(path, backups, 3, attempt, 1_000 + attempt);
      expect(E.isRight(result)).toBe(true);
    }
    const kept = readdirSync(backups)
      .filter((name) => name.startsWith("identity-"))
      .sort();
    expect(kept).toHaveLength(3);
    expect(kept.map((name) => readFileSync(join(backups, name), "utf8"))).toEqual(["v10", "v11", "v12"]);
    expect(readFileSync(join(backups, "notes-from-the-human.md"), "utf8")).toBe("keep me");
  });

  it("the default keeps ten", async () => {
    const path = identityPath(dir);
    for (let attempt = 1; attempt <= 14; attempt++) {
      writeFileSync(path, `v${attempt}`);
      await backupIdentity(path, identityBackupDir(dir), 10, attempt, 2_000 + attempt);
    }
    expect(readdirSync(identityBackupDir(dir))).toHaveLength(10);
  });

  it("no identity file yet: nothing to back up, not an error", async () => {
    const result = await backupIdentity(identityPath(dir), identityBackupDir(dir), 10, 1);
    expect(result).toEqual(E.right({ backup: null, removed: [] }));
  });

  it("ensureIdentityFile starts one, and never overwrites the first mate's", async () => {
    const path = identityPath(dir);
    await ensureIdentityFile(path, dir);
    expect(readFileSync(path, "utf8")).toContain("Your IDENTITY");
    writeFileSync(path, "mine");
    await ensureIdentityFile(path, dir);
    expect(readFileSync(path, "utf8")).toBe("mine");
  });
});
