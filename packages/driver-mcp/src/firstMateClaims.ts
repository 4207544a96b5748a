/**
 * The first mate's spawn token is single-use. The first verified hello
 * consumes it: the server then hands that connection a resume secret (the
 * shim keeps it in memory only) and keeps the secret's hash here, keyed by
 * the spawn token's hash, for reconnects and host restarts. A later hello
 * with the spent spawn token is refused: whoever holds it (read from a
 * process environment or a leftover file) can no longer act as the first
 * mate.
 *
 * Guarantees: at most one claim per spawn token; only hashes are kept; the
 * store holds one claim (the newest marker's), so it never grows.
 * Does not: protect a secret that a same-user process reads out of the
 * shim's memory (ptrace); see docs/threat-model.md.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { ToolHost } from "@first-mate/core";

/** The claim on one spawn token: the hashes of the token and of the resume secret handed out for it. */
export interface FirstMateClaim {
  readonly tokenHash: string;
  readonly resumeHash: string;
}

/** Where claims are kept. The host keeps them in its store; the default keeps them in memory. */
export interface FirstMateClaimStore {
  read(): Promise<FirstMateClaim | null>;
  write(claim: FirstMateClaim): Promise<void>;
}

/** A claim store in memory (one claim). */
export const createMemoryClaimStore = (): FirstMateClaimStore => {
  let current: FirstMateClaim | null = null;
  return {
    read: async () => current,
    write: async (claim) => {
      current = claim;
    },
  };
};

const byHost = new WeakMap<ToolHost, FirstMateClaimStore>();

/** The default claim store of a tool host: one per host, so a server restarted over the same host keeps its claims. */
export const defaultClaimStoreFor = (host: ToolHost): FirstMateClaimStore => {
  let store = byHost.get(host);
  if (store === undefined) {
    store = createMemoryClaimStore();
    byHost.set(host, store);
  }
  return store;
};

const sha256 = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();

/** Constant-time: does `secret` hash to the hex digest `expectedHex`? */
export const secretMatches = (secret: string, expectedHex: string): boolean => {
  const expected = Buffer.from(expectedHex, "hex");
  const actual = sha256(secret);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
};

/** A fresh resume secret and its hex hash. */
export const createResumeSecret = (): { readonly secret: string; readonly hash: string } => {
  const secret = randomBytes(32).toString("base64url");
  return { secret, hash: sha256(secret).toString("hex") };
};
