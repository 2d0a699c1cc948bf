/**
 * Which format an embedding file is in, from its first bytes: the one place formats are told apart.
 *
 * Contract: `detectFormat(head)` looks at up to DETECT_BYTES from the start of the file and says
 *   - 'fasttext': int32 LE magic 793712314 followed by version 11 or 12 (fastText ≥ 0.2;
 *     fastText's src/fasttext.cc writes them first), or the older layout without the magic, whose
 *     first ints are dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn,
 *     lrUpdateRate and a double t (gensim's _fasttext_bin.py _OLD_HEADER_FORMAT), when every one
 *     of them is in a plausible range;
 *   - 'word2vec' (binary): an ASCII header "V D\n" (two whole numbers) followed by bytes that are
 *     not text (a NUL or another control byte, or bytes that are not UTF-8) within the first row;
 *   - 'text' otherwise (.emb, GloVe, word2vec text, .vec: formats/text).
 * A magic with an unknown version is still 'fasttext', so the reader can say which version it saw.
 * `parseFormatSetting` maps the CLI's --format and the headlight.embeddings.format setting.
 */
import type { EmbFormat } from '../types';

export const DETECT_BYTES = 1 << 16;
export const FASTTEXT_MAGIC = 793712314;
export const FASTTEXT_VERSIONS: readonly number[] = [11, 12];

export interface Detection {
  readonly format: EmbFormat;
  /** Why, for logs and `headlight check`. */
  readonly reason: string;
}

export function detectFormat(head: Uint8Array): Detection {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (head.length >= 8 && view.getInt32(0, true) === FASTTEXT_MAGIC) {
    const version = view.getInt32(4, true);
    return { format: 'fasttext', reason: `fastText magic ${FASTTEXT_MAGIC}, version ${version}` };
  }
  if (looksLikeOldFastText(view)) return { format: 'fasttext', reason: 'fastText header without magic (fastText before 0.2)' };
  const header = word2vecBinaryHeader(head);
  if (header && !looksLikeText(head.subarray(header.length, Math.min(head.length, header.length + header.dim * 4 + 256)))) {
    return { format: 'word2vec', reason: `word2vec binary header "${header.count} ${header.dim}" followed by binary data` };
  }
  return { format: 'text', reason: 'text' };
}

/** The "V D\n" header of a word2vec binary file, if the bytes start with one. */
export function word2vecBinaryHeader(bytes: Uint8Array): { count: number; dim: number; length: number } | undefined {
  let i = 0;
  const numbers: number[] = [];
  while (i < bytes.length && i < 64) {
    const c = bytes[i]!;
    if (c === 0x0a) break;
    if (c === 0x20 || c === 0x09 || c === 0x0d) {
      i++;
      continue;
    }
    if (c < 0x30 || c > 0x39) return undefined;
    let value = 0;
    while (i < bytes.length && bytes[i]! >= 0x30 && bytes[i]! <= 0x39) value = value * 10 + (bytes[i++]! - 0x30);
    numbers.push(value);
  }
  if (i >= bytes.length || bytes[i] !== 0x0a || numbers.length !== 2) return undefined;
  return { count: numbers[0]!, dim: numbers[1]!, length: i + 1 };
}

/** True when the bytes read as text: UTF-8 with no control bytes other than tab, CR and LF. */
function looksLikeText(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
    if (c === 0x7f) return false;
  }
  try {
    // A multi-byte sequence cut at the end of the sample is still text.
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, lastCharBoundary(bytes)));
    return true;
  } catch {
    return false;
  }
}

function lastCharBoundary(bytes: Uint8Array): number {
  let end = bytes.length;
  for (let back = 0; back < 4 && end > 0; back++) {
    const c = bytes[end - 1]!;
    if (c < 0x80) return end;
    end--;
    if (c >= 0xc0) return end; // a lead byte: drop it with its missing continuation
  }
  return bytes.length;
}

function looksLikeOldFastText(view: DataView): boolean {
  if (view.byteLength < 12 * 4 + 8) return false;
  const int = (i: number) => view.getInt32(i * 4, true);
  const [dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate] = Array.from({ length: 12 }, (_, i) => int(i));
  const t = view.getFloat64(48, true);
  return (
    dim! >= 1 && dim! <= 100_000 &&
    ws! >= 1 && ws! <= 1000 &&
    epoch! >= 1 && epoch! <= 100_000 &&
    minCount! >= 0 && neg! >= 0 && neg! <= 1000 &&
    wordNgrams! >= 1 && wordNgrams! <= 100 &&
    loss! >= 1 && loss! <= 4 &&
    model! >= 1 && model! <= 3 &&
    bucket! >= 0 && minn! >= 0 && maxn! >= 0 && maxn! <= 100 && minn! <= Math.max(maxn!, 100) &&
    lrUpdateRate! >= 1 &&
    t > 0 && t <= 1
  );
}

/** The setting's or the flag's value as a format, or 'auto'; undefined for a value it does not know. */
export function parseFormatSetting(value: string | undefined): EmbFormat | 'auto' | undefined {
  switch (value) {
    case undefined:
    case '':
    case 'auto':
      return 'auto';
    case 'text':
      return 'text';
    case 'word2vec':
    case 'word2vec-binary':
      return 'word2vec';
    case 'fasttext':
    case 'fasttext-bin':
      return 'fasttext';
    default:
      return undefined;
  }
}
