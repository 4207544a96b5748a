/**
 * The embedder token file: a fresh secret per host start, written where
 * only this user can read it, so an orchestrator on the same machine can
 * prove it may use the embedder surface of the channel socket.
 *
 * Guarantees: the token is 32 random bytes (base64url); the file is mode
 * 0600 from the moment it has content (written to a private temp file and
 * renamed into place), in a directory created 0700; the server only ever
 * sees its sha-256. `removeEmbedderTokenFile` removes the file only while
 * it still holds this host's token, never a successor's.
 *
 * Does not: lock the file; two hosts on one state directory each write
 * their own token and the last one wins (the other's embedders are refused).
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { hashToken } from "./spawnToken.js";

/** The file name under the host's state directory. */
export const EMBEDDER_TOKEN_FILE_NAME = "embedder.token";

/** Where a host with this state directory writes its embedder token. */
export const embedderTokenPath = (stateDir: string): string => join(stateDir, EMBEDDER_TOKEN_FILE_NAME);

/** An embedder token (32 random bytes, base64url) and its sha-256, which is all the channel server keeps. */
export interface EmbedderToken {
  readonly token: string;
  /** Hex sha-256, what the channel server is given. */
  readonly hash: string;
}

/** The embedder token file could not be written, read or removed; the message names the file. */
export type EmbedderTokenFileError = { readonly _tag: "EmbedderTokenFileFailed"; readonly message: string };

/** A fresh embedder token (not yet written anywhere). */
export const createEmbedderToken = (): EmbedderToken => {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashToken(token) };
};

const failed = (path: string, error: unknown): EmbedderTokenFileError => ({
  _tag: "EmbedderTokenFileFailed",
  message: `${path}: ${error instanceof Error ? error.message : String(error)}`,
});

/** Write `token` to `path`, mode 0600, replacing any previous file atomically. */
export const writeEmbedderTokenFile = async (
  path: string,
  token: EmbedderToken,
): Promise<E.Either<EmbedderTokenFileError, string>> => {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(temporary, `${token.token}\n`, { mode: 0o600, flag: "wx" });
    await chmod(temporary, 0o600);
    await rename(temporary, path);
    return E.right(path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    return E.left(failed(path, error));
  }
};

/** Read an embedder token file (what an orchestrator does); surrounding whitespace is ignored. */
export const readEmbedderTokenFile = async (path: string): Promise<E.Either<EmbedderTokenFileError, string>> => {
  try {
    const token = (await readFile(path, "utf8")).trim();
    return token.length > 0 ? E.right(token) : E.left(failed(path, new Error("the token file is empty")));
  } catch (error) {
    return E.left(failed(path, error));
  }
};

/** Remove the file if it still holds `token`; a successor's token is left alone. */
export const removeEmbedderTokenFile = async (path: string, token: EmbedderToken): Promise<void> => {
  const current = await readEmbedderTokenFile(path);
  if (E.isRight(current) && current.right === token.token) await unlink(path).catch(() => undefined);
};
