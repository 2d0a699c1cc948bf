/**
 * GPT-2's byte-to-unicode table, and UTF-8 bytes of one code point.
 *
 * Byte-level BPE (GPT-2, RoBERTa, Llama-3, Qwen2) first writes the text's UTF-8 bytes as
 * printable characters: the 188 printable Latin-1 bytes stand for themselves, the other 68 bytes
 * (controls, space, 0x7F–0xA0, 0xAD) take U+0100 onwards in byte order, so " " is "Ġ" and "\n"
 * is "Ċ". Followed: openai/gpt-2 src/encoder.py `bytes_to_unicode` and
 * huggingface/tokenizers pre_tokenizers/byte_level.rs `bytes_char`.
 */

/** BYTE_TO_CHAR[b] is the character standing for byte b. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table = new Array<string>(256);
  for (const b of printable) table[b] = String.fromCharCode(b);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    if (table[b] === undefined) table[b] = String.fromCharCode(256 + next++);
  }
  return table;
})();

/** The byte a byte-level character stands for, or undefined for a character outside the table. */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** UTF-8 bytes of the code point at `text[at]` (a lone surrogate encodes as U+FFFD, as TextEncoder does). */
export function utf8OfCodePointAt(text: string, at: number): number[] {
  let cp = text.codePointAt(at) ?? 0xfffd;
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 63)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
}
