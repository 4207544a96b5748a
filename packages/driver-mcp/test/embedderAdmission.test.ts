import { createHash } from "node:crypto";
import type { EmbedderHost } from "@first-mate/core";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { admitEmbedder, embedderTokenMatches } from "../src/embedderSession.js";

const sha256 = (value: string): string => createHash("sha256").update(value, "utf8").digest("hex");
const host = {} as EmbedderHost;

describe("embedder admission", () => {
  it("a token matches a hash exactly when it is the token that was hashed", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), fc.string({ minLength: 1, maxLength: 80 }), (a, b) => {
        expect(embedderTokenMatches(a, sha256(b))).toBe(a === b);
        expect(embedderTokenMatches(a, sha256(a))).toBe(true);
        expect(embedderTokenMatches(a, sha256(a).toUpperCase())).toBe(true);
      }),
    );
  });

  it("a malformed configured hash or a missing token never matches", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 70 }), (token, hash) => {
        fc.pre(!/^[0-9a-f]{64}$/i.test(hash));
        expect(embedderTokenMatches(token, hash)).toBe(false);
        expect(embedderTokenMatches(undefined, sha256(token))).toBe(false);
      }),
    );
  });

  it("admission: no access configured, no token, a wrong token, the right token", () => {
    const access = { host, tokenHash: sha256("right") };
    const tag = (result: ReturnType<typeof admitEmbedder>) => (E.isLeft(result) ? result.left._tag : "admitted");
    expect(tag(admitEmbedder({ role: "embedder", token: "right" }, undefined))).toBe("HelloRoleUnsupported");
    expect(tag(admitEmbedder({ role: "embedder" }, access))).toBe("HelloUnauthorized");
    expect(tag(admitEmbedder({ role: "embedder", token: "wrong" }, access))).toBe("HelloUnauthorized");
    expect(tag(admitEmbedder({ role: "embedder", token: sha256("right") }, access))).toBe("HelloUnauthorized");
    expect(admitEmbedder({ role: "embedder", token: "right" }, access)).toEqual(E.right(access));
  });
});
