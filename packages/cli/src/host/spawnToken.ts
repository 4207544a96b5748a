/**
 * Spawn tokens: a secret the first mate receives in its environment and
 * presents to the channel server. Only its sha-256 hash is stored.
 */
import { createHash, randomBytes } from "node:crypto";

/**
 * A first mate's spawn token and its sha-256 (hex). Only the hash is stored; the token goes to the agent through a
 * private file.
 */
export interface SpawnToken {
  readonly token: string;
  readonly hash: string;
}

/** The sha-256 of a token, in hex: what the marker and the channel server compare against. */
export const hashToken = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex");

/** A fresh spawn token: 32 random bytes, base64url, with its hash. */
export const createSpawnToken = (): SpawnToken => {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashToken(token) };
};
