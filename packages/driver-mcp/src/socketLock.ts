/**
 * The lock that serialises starting a channel server on one socket path: a
 * `<socket>.lock` file created exclusively, holding the owner's pid, kept
 * for the server's life. Without it two hosts starting at once could both
 * find no live server, both unlink and both listen, and one would be left
 * listening on a socket file the other replaced (an orphan no client can
 * reach).
 *
 * Guarantees: at most one live process holds the lock; a lock left by a
 * dead process is taken over; `release` removes only our own lock.
 * Does not: guard against a process of the same user deleting the file
 * (nothing can; see docs/threat-model.md).
 */
import { readFile, unlink, writeFile } from "node:fs/promises";
import * as E from "fp-ts/lib/Either.js";
import type { ChannelServerError } from "./channelServerError.js";

/** Release a held lock (idempotent). */
export type ReleaseSocketLock = () => Promise<void>;

const errnoOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error
    ? String((error as { code: unknown }).code)
    : undefined;

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoOf(error) === "EPERM";
  }
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Take the lock for `socketPath`, or say who holds it. */
export const acquireSocketLock = async (
  socketPath: string,
): Promise<E.Either<ChannelServerError, ReleaseSocketLock>> => {
  const lockPath = `${socketPath}.lock`;
  const mine = `${process.pid}\n`;
  for (let attempt = 0; attempt < 50; attempt += 1) {
    try {
      await writeFile(lockPath, mine, { flag: "wx", mode: 0o600 });
      let released = false;
      return E.right(async () => {
        if (released) return;
        released = true;
        try {
          if ((await readFile(lockPath, "utf8")) === mine) await unlink(lockPath);
        } catch {
          // already gone
        }
      });
    } catch (error) {
      if (errnoOf(error) !== "EEXIST") {
        return E.left({
          _tag: "ChannelSocketFailed",
          path: lockPath,
          message: error instanceof Error ? error.message : String(error),
        });
      }
    }
    let holder: string;
    try {
      holder = await readFile(lockPath, "utf8");
    } catch {
      continue; // released meanwhile: try again
    }
    const pid = /^\d+\n$/.test(holder) ? Number(holder) : null;
    if (pid === null) {
      // Being written right now, or garbage: give its writer a moment before calling it stale.
      if (attempt < 10) {
        await sleep(10);
        continue;
      }
    } else if (isAlive(pid)) {
      return E.left({
        _tag: "ChannelSocketInUse",
        path: socketPath,
        message: `another channel server (pid ${pid}) holds ${lockPath}`,
      });
    }
    try {
      // Stale: remove it only if it is still the one we judged.
      if ((await readFile(lockPath, "utf8")) === holder) await unlink(lockPath);
    } catch {
      // gone already
    }
  }
  return E.left({ _tag: "ChannelSocketInUse", path: socketPath, message: `could not take ${lockPath}` });
};
