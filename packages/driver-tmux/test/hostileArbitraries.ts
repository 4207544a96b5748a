/** fast-check arbitraries for names and text that try to break parsing and quoting. */
import fc from "fast-check";

const HOSTILE_CHARACTERS = [
  "\t",
  "\n",
  "\r",
  '"',
  "'",
  "#",
  "{",
  "}",
  "(",
  ")",
  ";",
  "\\",
  ":",
  ".",
  "%",
  "$",
  "`",
  " ",
  "-",
  "=",
  "\u001f",
  "\u0001",
  "\u007f",
  "\u0085",
  "é",
  "漢",
  "🚀",
  "a",
  "Z",
  "0",
  "9",
];

/** Strings mixing the characters above with arbitrary unicode graphemes (never NUL, never lone surrogates). */
export const hostileString = (constraints: { minLength?: number; maxLength?: number } = {}) =>
  fc
    .array(
      fc.oneof(fc.constantFrom(...HOSTILE_CHARACTERS), fc.string({ unit: "grapheme", minLength: 1, maxLength: 2 })),
      {
        minLength: constraints.minLength ?? 0,
        maxLength: constraints.maxLength ?? 12,
      },
    )
    .map((parts) => parts.join("").replaceAll("\u0000", ""));
