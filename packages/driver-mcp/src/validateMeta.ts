/**
 * Channel meta validation at the edge: Claude Code silently drops meta keys
 * outside `[A-Za-z0-9_]`, so such keys are refused here instead of lost there.
 *
 * Guarantees: a Right value has only well-formed keys and string values.
 */
import type { ChannelError, ChannelMeta } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";

/** What a channel meta key may contain: letters, digits and `_` (Claude Code drops other keys silently). */
export const META_KEY_PATTERN = /^[A-Za-z0-9_]+$/;

/** Pure: the meta unchanged, or a `ChannelInvalidMeta` naming the offending keys. */
export const validateMeta = (meta: unknown): E.Either<ChannelError, ChannelMeta> => {
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) {
    return E.left({ _tag: "ChannelInvalidMeta", message: "meta must be an object of string values" });
  }
  const entries = Object.entries(meta);
  const badKeys = entries.filter(([key]) => !META_KEY_PATTERN.test(key)).map(([key]) => JSON.stringify(key));
  if (badKeys.length > 0) {
    return E.left({
      _tag: "ChannelInvalidMeta",
      message: `meta keys must match [A-Za-z0-9_]+: ${badKeys.join(", ")}`,
    });
  }
  const badValues = entries.filter(([, value]) => typeof value !== "string").map(([key]) => key);
  if (badValues.length > 0) {
    return E.left({ _tag: "ChannelInvalidMeta", message: `meta values must be strings: ${badValues.join(", ")}` });
  }
  return E.right(meta as ChannelMeta);
};
