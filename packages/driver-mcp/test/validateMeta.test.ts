import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { META_KEY_PATTERN, validateMeta } from "../src/validateMeta.js";

const goodKey = fc.stringMatching(/^[A-Za-z0-9_]{1,12}$/);

describe("validateMeta", () => {
  it("accepts exactly the metas whose keys are all [A-Za-z0-9_]+ with string values", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(goodKey, fc.string({ maxLength: 6 })), fc.string()), (meta) => {
        const allGood = Object.keys(meta).every((key) => META_KEY_PATTERN.test(key));
        expect(E.isRight(validateMeta(meta))).toBe(allGood);
      }),
      { numRuns: 2_000 },
    );
  });

  it("returns a well-formed meta unchanged", () => {
    fc.assert(
      fc.property(fc.dictionary(goodKey, fc.string()), (meta) => {
        expect(validateMeta(meta)).toEqual(E.right(meta));
      }),
    );
  });

  it("names the offending key, and refuses non-string values and non-objects", () => {
    const result = validateMeta({ ok: "1", "dash-key": "2" });
    expect(E.isLeft(result) && result.left).toMatchObject({ _tag: "ChannelInvalidMeta" });
    expect(E.isLeft(result) && result.left.message).toContain('"dash-key"');
    expect(E.isLeft(validateMeta({ seq: 3 }))).toBe(true);
    for (const value of [null, "meta", 4, ["a"]]) expect(E.isLeft(validateMeta(value))).toBe(true);
  });
});
