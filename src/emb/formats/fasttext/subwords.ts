/**
 * fastText's character n-grams: which bucket rows make up a word's vector.
 *
 * Contract (matching gensim/models/fasttext.py ft_ngram_hashes → compute_ngrams_bytes and
 * ft_hash_bytes, which follow fastText's src/dictionary.cc computeSubwords and hash):
 *   - the word is wrapped as "<word>" and taken as UTF-8 bytes; an n-gram starts at each
 *     character (a byte that is not 10xxxxxx) and spans n = 1..maxn characters; it is kept when
 *     n ≥ minn, except the 1-grams "<" and ">" at the two ends;
 *   - hash = 32-bit FNV-1a over the n-gram's bytes, each byte sign-extended from int8 first
 *     (fastText's `h ^ uint32_t(int8_t(c))`: bytes ≥ 0x80 xor in 0xFFFFFF80 | c, the quirk gensim
 *     reproduces), bucket = hash mod bucket count;
 *   - repeated n-grams count each time (the list is not a set).
 * Vectors: in-vocabulary words as gensim's FastTextKeyedVectors.adjust_vectors (the word's row plus
 * its n-gram rows, summed in float32 in that order, divided by their number); a word outside the
 * vocabulary is the mean of its n-gram rows alone (get_vector), also in float32 — so both equal
 * gensim's to the last bit. (One place where gensim and fastText differ: fastText gives "</s>" its
 * own row only; gensim, and so we, average in the n-grams of "<</s>>" as for any other word.)
 */
import type { SubwordVectors } from '../../store';

const FNV_OFFSET = 2166136261;
const FNV_PRIME = 16777619;

/** Bucket of each character n-gram of `<word>` (UTF-8 bytes), in fastText's order. */
export function ngramBuckets(wordBytes: Uint8Array, minn: number, maxn: number, bucket: number): number[] {
  const out: number[] = [];
  if (bucket <= 0 || maxn <= 0) return out;
  const bytes = new Uint8Array(wordBytes.length + 2);
  bytes[0] = 0x3c; // <
  bytes.set(wordBytes, 1);
  bytes[bytes.length - 1] = 0x3e; // >
  const length = bytes.length;
  for (let i = 0; i < length; i++) {
    if ((bytes[i]! & 0xc0) === 0x80) continue;
    let h = FNV_OFFSET;
    let j = i;
    for (let n = 1; j < length && n <= maxn; n++) {
      // extend by one character: its lead byte and continuation bytes, hashed as they are added
      h = hashByte(h, bytes[j++]!);
      while (j < length && (bytes[j]! & 0xc0) === 0x80) h = hashByte(h, bytes[j++]!);
      if (n >= minn && !(n === 1 && (i === 0 || j === length))) out.push(h % bucket);
    }
  }
  return out;
}

function hashByte(h: number, byte: number): number {
  const signed = byte >= 0x80 ? (byte | 0xffffff00) >>> 0 : byte;
  return Math.imul((h ^ signed) >>> 0, FNV_PRIME) >>> 0;
}

/** The n-gram rows of a fastText model: [bucket, dim] in blocks of rowsPerBlock rows. */
export class FastTextSubwords implements SubwordVectors {
  private readonly encoder = new TextEncoder();

  constructor(
    readonly dim: number,
    readonly minn: number,
    readonly maxn: number,
    readonly bucket: number,
    readonly blocks: readonly Float32Array[],
    readonly rowsPerBlock: number,
  ) {}

  /** Row of bucket b. Shape [dim]. */
  row(b: number): Float32Array {
    const block = Math.floor(b / this.rowsPerBlock);
    const o = (b - block * this.rowsPerBlock) * this.dim;
    return this.blocks[block]!.subarray(o, o + this.dim);
  }

  /** Buckets of a word's n-grams. */
  bucketsOf(word: string): number[] {
    return ngramBuckets(this.encoder.encode(word), this.minn, this.maxn, this.bucket);
  }

  vectorOf(word: string): Float32Array | undefined {
    const buckets = this.bucketsOf(word);
    if (buckets.length === 0) return undefined;
    const sum = new Float32Array(this.dim); // float32 sums, as gensim's get_vector
    for (const b of buckets) {
      const row = this.row(b);
      for (let d = 0; d < this.dim; d++) sum[d]! += row[d]!;
    }
    for (let d = 0; d < this.dim; d++) sum[d]! /= buckets.length;
    return sum;
  }

  get byteLength(): number {
    const buffers = new Set<ArrayBufferLike>(this.blocks.map((b) => b.buffer));
    let bytes = 0;
    for (const buffer of buffers) bytes += buffer.byteLength;
    return bytes;
  }
}
