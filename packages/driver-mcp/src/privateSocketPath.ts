/**
 * Making a unix socket path safe to listen on: the directory is private
 * (created 0700; an existing one must be ours and not group/world
 * accessible), and a socket file left by a dead server is replaced while a
 * live one is refused.
 *
 * Does not: create the socket itself, or touch anything that is not a socket.
 */
import { lstat, mkdir, unlink } from "node:fs/promises";
import { connect } from "node:net";
import { dirname } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import type { ChannelServerError } from "./channelServerError.js";

const errnoOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error
    ? String((error as { code: unknown }).code)
    : undefined;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Whether something accepts connections on `socketPath` right now. */
export const isSocketLive = (socketPath: string, timeoutMs = 500): Promise<boolean> =>
  new Promise((resolve) => {
    const probe = connect(socketPath);
    const done = (live: boolean) => {
      clearTimeout(timer);
      probe.destroy();
      resolve(live);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    probe.once("connect", () => done(true));
    probe.once("error", () => done(false));
  });

/** Create (0700) or check the socket's directory. */
export const ensurePrivateDirectory = async (directory: string): Promise<E.Either<ChannelServerError, void>> => {
  try {
    await mkdir(directory, { recursive: true, mode: 0o700 });
    const info = await lstat(directory);
    if (!info.isDirectory()) {
      return E.left({ _tag: "ChannelSocketInsecure", path: directory, message: `${directory} is not a directory` });
    }
    const uid = process.getuid?.();
    if (uid !== undefined && info.uid !== uid) {
      return E.left({
        _tag: "ChannelSocketInsecure",
        path: directory,
        message: `${directory} is owned by uid ${info.uid}, not by this process (uid ${uid})`,
      });
    }
    if ((info.mode & 0o077) !== 0) {
      return E.left({
        _tag: "ChannelSocketInsecure",
        path: directory,
        message: `${directory} is accessible to group or others (mode ${(info.mode & 0o777).toString(8)}); use a 0700 directory`,
      });
    }
    return E.right(undefined);
  } catch (error) {
    return E.left({ _tag: "ChannelSocketFailed", path: directory, message: messageOf(error) });
  }
};

/** Everything needed before `listen(socketPath)`: private directory, no live server, no stale file. */
export const preparePrivateSocketPath = async (socketPath: string): Promise<E.Either<ChannelServerError, void>> => {
  const directory = await ensurePrivateDirectory(dirname(socketPath));
  if (E.isLeft(directory)) return directory;
  let existing: Awaited<ReturnType<typeof lstat>>;
  try {
    existing = await lstat(socketPath);
  } catch (error) {
    if (errnoOf(error) === "ENOENT") return E.right(undefined);
    return E.left({ _tag: "ChannelSocketFailed", path: socketPath, message: messageOf(error) });
  }
  if (!existing.isSocket()) {
    return E.left({
      _tag: "ChannelSocketFailed",
      path: socketPath,
      message: `${socketPath} exists and is not a socket; refusing to replace it`,
    });
  }
  if (await isSocketLive(socketPath)) {
    return E.left({
      _tag: "ChannelSocketInUse",
      path: socketPath,
      message: `another channel server is listening on ${socketPath}`,
    });
  }
  try {
    await unlink(socketPath);
    return E.right(undefined);
  } catch (error) {
    if (errnoOf(error) === "ENOENT") return E.right(undefined);
    return E.left({ _tag: "ChannelSocketFailed", path: socketPath, message: messageOf(error) });
  }
};
