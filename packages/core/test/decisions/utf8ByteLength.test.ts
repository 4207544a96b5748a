/**
 * utf8ByteLength counts what TextEncoder writes, for every string: ASCII,
 * two- and three-byte characters, surrogate pairs and lone surrogates.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utf8ByteLength } from "../../src/domain/utf8ByteLength.js";

const encoder = new TextEncoder();

/** Any sequence of UTF-16 units, lone surrogates and pairs made likely. */
const unitsArb = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 0x7f }),
      fc.integer({ min: 0x80, max: 0x7ff }),
      fc.integer({ min: 0x800, max: 0xffff }),
      fc.integer({ min: 0xd800, max: 0xdfff }),
    ),
    { maxLength: 40 },
  )
  .map((units) => String.fromCharCode(...units));

describe("utf8ByteLength", () => {
  it("says the length TextEncoder writes, for any string", () => {
    fc.assert(
      fc.property(fc.oneof(unitsArb, fc.string({ unit: "binary", maxLength: 40 })), (text) => {
        expect(utf8ByteLength(text)).toBe(encoder.encode(text).length);
      }),
      { numRuns: 1000 },
    );
  });
});
