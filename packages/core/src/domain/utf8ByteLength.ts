/**
 * The length of a string in UTF-8, counted without encoding it.
 *
 * Pure. Counts what `TextEncoder` writes: one to three bytes per UTF-16
 * unit, four per surrogate pair, and three for a lone surrogate (it is
 * written as U+FFFD). The render cap measures every line it adds this way:
 * encoding each one only to read its length allocated a buffer per line.
 */

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/** Pure: how many bytes `text` takes in UTF-8 (what `new TextEncoder().encode(text).length` says). */
export const utf8ByteLength = (text: string): number => {
  let length = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (isHighSurrogate(code) && index + 1 < text.length && isLowSurrogate(text.charCodeAt(index + 1))) {
      length += 4;
      index++;
    } else length += 3;
  }
  return length;
};
