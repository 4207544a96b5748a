/**
 * The host keeps the first mate's claim (the spawn token hash and the hash
 * of the resume secret the channel server granted for it) in its store, so a
 * restarted host still knows the first mate's resume secret and still
 * refuses the spent spawn token.
 *
 * Guarantees: one key, one claim (the newest); what is read is parsed with
 * zod, and anything else counts as no claim. A failed write throws, so the
 * channel server refuses the hello rather than granting an unrecorded claim.
 */
import type { FirstMateClaim, FirstMateClaimStore } from "@first-mate/driver-mcp";
import * as E from "fp-ts/lib/Either.js";
import { z } from "zod";
import type { HostStore } from "./hostStore.js";

/** The store key of the claim. */
export const FIRST_MATE_CLAIM_KEY = "first_mate_claim";

const Hash = z.string().regex(/^[0-9a-f]{64}$/);
const ClaimSchema = z.object({ tokenHash: Hash, resumeHash: Hash });

/** A claim store over the host store's key-value table. */
export const createStoredClaimStore = (store: Pick<HostStore, "getKv" | "setKv">): FirstMateClaimStore => ({
  async read(): Promise<FirstMateClaim | null> {
    const raw = await store.getKv(FIRST_MATE_CLAIM_KEY);
    if (E.isLeft(raw)) return null;
    const parsed = ClaimSchema.safeParse(raw.right);
    return parsed.success ? parsed.data : null;
  },
  async write(claim: FirstMateClaim): Promise<void> {
    const written = await store.setKv(FIRST_MATE_CLAIM_KEY, claim);
    if (E.isLeft(written)) throw new Error(`cannot record the first mate's claim: ${written.left.message}`);
  },
});
