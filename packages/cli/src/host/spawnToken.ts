/**
 * Spawn tokens: a secret the first mate receives in its environment and
 * presents to the channel server. Only its sha-256 hash is stored.
 */
import { createHash, randomBytes } from "node:crypto";

export interface SpawnToken {
  readonly token: string;
  readonly hash: string;
}

export const hashToken = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex");

export const createSpawnToken = (): SpawnToken => {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashToken(token) };
};
