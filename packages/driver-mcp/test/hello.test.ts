import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { parseHello, parseHelloRefusal, serializeHello, serializeHelloRefusal } from "../src/hello.js";
import { MAX_HELLO_BYTES } from "../src/limits.js";

describe("parseHello", () => {
  it("never throws, whatever the line", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.json()), (line) => {
        expect(() => parseHello(line)).not.toThrow();
      }),
      { numRuns: 3_000 },
    );
  });

  it("round-trips every well-formed agent hello; a missing role means agent", () => {
    fc.assert(
      fc.property(fc.nat(), fc.option(fc.string({ minLength: 1, maxLength: 64 }), { nil: undefined }), (n, token) => {
        const pane = `%${n}`;
        const line = serializeHello(token === undefined ? { pane } : { pane, token }).trimEnd();
        const expected = token === undefined ? { role: "agent", pane } : { role: "agent", pane, token };
        expect(parseHello(line)).toEqual(E.right(expected));
      }),
    );
  });

  it("refuses, with a typed error: too long, not JSON, not an object, bad pane, reserved or unknown role", () => {
    const tag = (line: string) => {
      const result = parseHello(line);
      return E.isLeft(result) ? result.left._tag : "ok";
    };
    expect(tag(JSON.stringify({ pane: "%1", token: "t".repeat(MAX_HELLO_BYTES) }))).toBe("HelloTooLong");
    expect(tag("{pane: %1}")).toBe("HelloNotJson");
    expect(tag("[1]")).toBe("HelloInvalid");
    expect(tag('{"pane":"1"}')).toBe("HelloInvalid");
    expect(tag('{"pane":"%1","token":""}')).toBe("HelloInvalid");
    expect(tag('{"pane":"%1","role":"hook"}')).toBe("HelloInvalid");
    expect(tag('{"pane":"%1","role":"hook","payload":{"hook_event_name":"Stop"}}')).toBe("ok");
    expect(tag('{"pane":"%1","role":"hook","payload":[1]}')).toBe("HelloInvalid");
    expect(tag('{"pane":"%1","role":"embedder"}')).toBe("ok");
    expect(tag('{"role":"embedder","token":"t"}')).toBe("ok");
    expect(tag('{"role":"embedder","pane":"7","token":"t"}')).toBe("HelloInvalid");
    expect(tag('{"pane":"%1","role":"captain"}')).toBe("HelloInvalid");
    expect(tag('{"pane":"%1","role":"agent","extra":true}')).toBe("ok");
  });

  it("a refusal line is recognised as such, a JSON-RPC error is not", () => {
    const refusal = serializeHelloRefusal({ _tag: "HelloInvalid", message: "bad" }).trimEnd();
    expect(parseHelloRefusal(refusal)).toEqual({ code: "HelloInvalid", message: "bad" });
    expect(parseHelloRefusal('{"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"y"}}')).toBeNull();
    expect(parseHelloRefusal("garbage")).toBeNull();
  });
});
