/**
 * Who is the first mate: the caller's pane must be the marked pane AND the
 * sha-256 of its spawn token must equal the marker's token hash (docs/design.md, Channel server and tools).
 *
 * Guarantees: comparison of hashes is constant-time; a missing token, a
 * missing marker or a malformed hash is simply "not the first mate".
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Marker } from "@first-mate/core";

/** The hex sha-256 of a spawn token, as stored in the marker. */
export const hashToken = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex");

/**
 * True only when `pane` is the marked pane and the connection proved the
 * marker's current spawn token (a marker that moved takes effect at once).
 */
export const isProvenFirstMate = (pane: string, provenTokenHash: string | null, marker: Marker | null): boolean =>
  marker !== null && provenTokenHash !== null && pane === marker.paneId && provenTokenHash === marker.tokenHash;

/** True only when `pane` is the marked pane and `token` hashes to the marker's hash. */
export const isFirstMate = (pane: string, token: string | undefined, marker: Marker | null): boolean => {
  if (!marker || token === undefined || pane !== marker.paneId) return false;
  const expected = Buffer.from(marker.tokenHash, "hex");
  const actual = createHash("sha256").update(token, "utf8").digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
};
