/**
 * The first mate's IDENTITY file (docs/design.md, Authority): where it lives, a starter text,
 * and the backup taken before each spawn, rotated to keep the newest N.
 *
 * Guarantees: a backup is a byte-for-byte copy (mode 0600) named so that
 * names sort oldest first; rotation only ever removes files it named
 * itself; a missing identity file is not an error (nothing to back up).
 */
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";

/** How many identity backups are kept by default. */
export const DEFAULT_IDENTITY_BACKUPS = 10;

/** The identity file in the host's state directory. */
export const identityPath = (stateDir: string): string => join(stateDir, "identity.md");
/** Where its backups go. */
export const identityBackupDir = (stateDir: string): string => join(stateDir, "identity-backups");

const BACKUP_NAME = /^identity-\d{15}-\d{6}\.md$/;

const STARTER = `<!-- Your IDENTITY: yours to edit. Who you are, how you work with this human and this fleet,
what you have learnt. Keep it short and current; the kit backs it up before each start. -->
`;

/** The identity text, or null when there is no file yet. */
export const readIdentity = async (path: string): Promise<string | null> => {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
};

/** Create the identity file with a starter comment when it does not exist. */
export const ensureIdentityFile = async (path: string, dir: string): Promise<void> => {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(path, STARTER, { mode: 0o600, flag: "wx" }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
};

/**
 * The newest backup (by name: names sort oldest first) whose text is within
 * `capChars` characters, or null when there is none.
 */
export const newestBackupWithin = async (
  backupDir: string,
  capChars: number,
): Promise<{ readonly path: string; readonly text: string } | null> => {
  let names: string[];
  try {
    names = (await readdir(backupDir)).filter((file) => BACKUP_NAME.test(file)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  for (const name of names.reverse()) {
    const path = join(backupDir, name);
    const text = await readFile(path, "utf8");
    if (text.length <= capChars) return { path, text };
  }
  return null;
};

/** What one backup did: the new backup's path, and the older backups the rotation removed. */
export interface IdentityBackup {
  /** The new backup's path, or null when there was no identity file. */
  readonly backup: string | null;
  /** Older backups removed by the rotation. */
  readonly removed: readonly string[];
}

/**
 * Copy the identity file into `backupDir` (named by time and `attempt`),
 * then keep only the newest `keep` backups.
 */
export const backupIdentity = async (
  path: string,
  backupDir: string,
  keep: number,
  attempt: number,
  now: number = Date.now(),
): Promise<E.Either<string, IdentityBackup>> => {
  try {
    await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return E.right({ backup: null, removed: [] });
    return E.left(`identity file ${path}: ${(error as Error).message}`);
  }
  try {
    await mkdir(backupDir, { recursive: true, mode: 0o700 });
    const name = `identity-${String(now).padStart(15, "0")}-${String(attempt % 1_000_000).padStart(6, "0")}.md`;
    const backup = join(backupDir, name);
    await copyFile(path, backup);
    const ours = (await readdir(backupDir)).filter((file) => BACKUP_NAME.test(file)).sort();
    const excess = ours.slice(0, Math.max(0, ours.length - keep)).map((file) => join(backupDir, file));
    for (const file of excess) await rm(file, { force: true });
    return E.right({ backup, removed: excess });
  } catch (error) {
    return E.left(`identity backup in ${backupDir}: ${(error as Error).message}`);
  }
};
