import type { PaneId } from "@first-mate/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hashToken, isFirstMate } from "../src/firstMateIdentity.js";

const marker = (paneId: string, token: string) => ({
  paneId: paneId as PaneId,
  tokenHash: hashToken(token),
  spawnedAt: 0,
  attempt: 1,
});

describe("isFirstMate", () => {
  it("holds only for the marked pane with the token whose hash the marker keeps", () => {
    fc.assert(
      fc.property(fc.nat(50), fc.nat(50), fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b, t1, t2) => {
        const expected = a === b && t1 === t2;
        expect(isFirstMate(`%${b}`, t2, marker(`%${a}`, t1))).toBe(expected);
      }),
      { numRuns: 2_000 },
    );
  });

  it("is false without a token, without a marker, or with a malformed hash", () => {
    expect(isFirstMate("%1", undefined, marker("%1", "t"))).toBe(false);
    expect(isFirstMate("%1", "t", null)).toBe(false);
    expect(isFirstMate("%1", "t", { ...marker("%1", "t"), tokenHash: "abc" })).toBe(false);
  });
});
