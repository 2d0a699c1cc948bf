/**
 * What the binary readers (word2vec, fastText) share: located problems, token text collected as
 * bytes and decoded once, UTF-8 checks with a visible marker, and the final assembly of rows into
 * an EmbeddingStore in two parts: assembleRows (the vocabulary's table from the token bytes,
 * duplicates and dropped rows compacted away, block by block: typed arrays only, so it runs in
 * the worker that read the rows) and finishAssembled (the token text decoded, the store: on the
 * thread that keeps it).
 *
 * Tokens: every row's token bytes go into one growing byte buffer, "\n" after each, decoded at
 * the end (3M tokens do not become 3M decoder calls; see textSteps). A token that is not
 * valid UTF-8 is stored decoded with U+FFFD for each bad sequence and gets a problem naming its
 * byte offset; a "\n" inside a token (the vocabulary is "\n"-separated) is shown as U+2424.
 */
import { SLICE_ROWS } from '../slices';
import { EmbeddingStore, type SubwordVectors } from '../store';
import { MAX_PROBLEMS, type EmbLayout, type EmbProblem, type EmbProblemCode, type ParsedEmb } from '../types';
import { SKIPPED_ROW, Vocabulary, type VocabularyParts } from '../vocabulary';
import { PAUSE, type BinaryReader } from './byteWindow';

const NO_RANGE = { line: 0, startColumn: 0, endColumn: 0 } as const;

/** Problems of a binary file, located by byte offset, capped at MAX_PROBLEMS (the rest counted). */
export class BinaryProblems {
  readonly list: EmbProblem[] = [];
  omitted = 0;

  add(code: EmbProblemCode, severity: EmbProblem['severity'], byteOffset: number, message: string): void {
    if (this.list.length >= MAX_PROBLEMS) {
      this.omitted++;
      return;
    }
    this.list.push({ code, severity, range: NO_RANGE, byteOffset, message: message.charAt(0).toUpperCase() + message.slice(1) });
  }

  sorted(): EmbProblem[] {
    return this.list.sort((a, b) => (a.byteOffset ?? 0) - (b.byteOffset ?? 0));
  }
}

const NEWLINE_MARK = new TextEncoder().encode('\u2424');

/** True when bytes[start, end) are valid UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF). */
export function isValidUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const c = bytes[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (need === 0) return false;
    const min = need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000;
    let code = c & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      if (i + k >= end) return false;
      const next = bytes[i + k]!;
      if ((next & 0xc0) !== 0x80) return false;
      code = (code << 6) | (next & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}

/** Bytes of token text decoded per step. */
const TEXT_PIECE = 1 << 20;
/** ASCII token text up to this size is decoded in one call (see textSteps). */
const ONE_DECODE_BYTES = 32 << 20;

/** A void-yielding sliced generator as a reader's PAUSE steps. */
function* pausing<T>(steps: Generator<void, T>): BinaryReader<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    yield PAUSE;
  }
}

/**
 * ‖values[o, o + dim)‖₂, the binary readers' norm: float64 sums over four interleaved lanes
 * (d mod 4, the last dim mod 4 values into lane 0), added (0 + 1) + (2 + 3). Four independent
 * chains, not one: a single chain waits on each add's latency, which made the norms of a
 * 3M × 300 file cost about a second. Every square of a float32 is exact in float64, so the order
 * changes the float32 norm only when the sum lies within ~1e-14 of a rounding boundary.
 * word2vec/read.ts copyRow sums in this same order while it copies.
 */
export function rowNorm(values: Float32Array, o: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  for (const end4 = dim - 3; d < end4; d += 4) {
    const a = values[o + d]!;
    const b = values[o + d + 1]!;
    const c = values[o + d + 2]!;
    const e = values[o + d + 3]!;
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += e * e;
  }
  for (; d < dim; d++) {
    const v = values[o + d]!;
    s0 += v * v;
  }
  return Math.sqrt(s0 + s1 + (s2 + s3));
}

/** The tokens of a binary file, as bytes, "\n" after each. */
export class TokenText {
  private bytes: Uint8Array = new Uint8Array(1 << 16);
  private length = 0;
  rows = 0;
  /** True while every byte added is ASCII. */
  private ascii = true;

  /**
   * Appends one token (bytes[start, end) of the file, at file offset `offset`), reporting
   * anything that is not plain UTF-8 text. Returns false when the token is empty (not added).
   */
  add(source: Uint8Array, start: number, end: number, offset: number, problems: BinaryProblems): boolean {
    if (end === start) {
      problems.add('empty-token', 'error', offset, 'the token is empty (a space where a token should start); this row is skipped.');
      return false;
    }
    let ascii = true;
    let newline = false;
    for (let i = start; i < end; i++) {
      const c = source[i]!;
      if (c >= 0x80) ascii = false;
      else if (c === 0x0a) newline = true;
    }
    this.reserve(end - start + 4);
    if (!ascii || newline) this.ascii = false; // a line break becomes U+2424, three bytes
    if (ascii || isValidUtf8(source, start, end)) {
      // A byte loop: most tokens are a few bytes, and a view per token (3M of them) costs more.
      const bytes = this.bytes;
      for (let i = start, o = this.length; i < end; i++, o++) bytes[o] = source[i]!;
      this.length += end - start;
    } else {
      problems.add('invalid-utf8', 'warning', offset, `the token's bytes are not valid UTF-8; it is shown with \uFFFD in place of each bad sequence.`);
      const shown = new TextEncoder().encode(new TextDecoder('utf-8', { fatal: false }).decode(source.subarray(start, end)));
      this.reserve(shown.length + 4);
      this.bytes.set(shown, this.length);
      this.length += shown.length;
    }
    if (newline) {
      problems.add('token-newline', 'warning', offset, 'the token contains a line break; it is shown as \u2424.');
      this.replaceNewlines(this.length - (end - start));
    }
    this.bytes[this.length++] = 0x0a;
    this.rows++;
    return true;
  }

  /** Appends a token the caller checked: non-empty, printable ASCII (no byte below 0x20 or from 0x7f). */
  addPlain(source: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.length + n + 1 > this.bytes.length) this.reserve(n + 1);
    const bytes = this.bytes;
    let o = this.length;
    for (let i = start; i < end; i++) bytes[o++] = source[i]!;
    bytes[o++] = 0x0a;
    this.length = o;
    this.rows++;
  }

  /** The bytes so far (bytes[0, length); valid until the next `add`). */
  view(): { readonly bytes: Uint8Array; readonly length: number } {
    return { bytes: this.bytes, length: this.length };
  }

  /** The bytes so far (to hand to another thread), and a TokenText made from such a snapshot. */
  snapshot(): { readonly bytes: Uint8Array; readonly rows: number; readonly ascii: boolean } {
    return { bytes: this.bytes.subarray(0, this.length), rows: this.rows, ascii: this.ascii };
  }

  static fromSnapshot(snapshot: { readonly bytes: Uint8Array; readonly rows: number; readonly ascii: boolean }): TokenText {
    const text = new TokenText();
    text.bytes = snapshot.bytes;
    text.length = snapshot.bytes.length;
    text.rows = snapshot.rows;
    text.ascii = snapshot.ascii;
    return text;
  }

  /**
   * All tokens decoded (invalid sequences were already replaced). ASCII text (most vocabularies)
   * up to ONE_DECODE_BYTES is one decode (~0.6 ms a MiB, and a flat one-byte string); other text
   * in pieces of TEXT_PIECE joined with + (a rope: V8 flattens it on first use, ~1.3 ms a MiB),
   * because decoding mixed UTF-8 runs ~3 ms a MiB and Array.join of the pieces cost 90 ms for
   * 23 MiB, both too long for one slice of the host thread.
   */
  *textSteps(): Generator<void, string> {
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    if (this.ascii && this.length <= ONE_DECODE_BYTES) return decoder.decode(this.bytes.subarray(0, this.length));
    let text = '';
    for (let at = 0; at < this.length; at += TEXT_PIECE) {
      text += decoder.decode(this.bytes.subarray(at, Math.min(this.length, at + TEXT_PIECE)), { stream: true });
      yield;
    }
    return text + decoder.decode();
  }

  private replaceNewlines(from: number): void {
    const tail = this.bytes.slice(from, this.length);
    this.length = from;
    for (const c of tail) {
      if (c === 0x0a) {
        this.reserve(NEWLINE_MARK.length);
        this.bytes.set(NEWLINE_MARK, this.length);
        this.length += NEWLINE_MARK.length;
      } else {
        this.reserve(1);
        this.bytes[this.length++] = c;
      }
    }
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
}

export interface RowsToAssemble {
  readonly name: string;
  readonly layout: EmbLayout;
  readonly format: 'word2vec' | 'fasttext';
  readonly dim: number;
  readonly tokens: TokenText;
  /** Rows as read, in blocks of rowsPerBlock; row r of the file (r < rowsRead) is at r. */
  readonly blocks: readonly Float32Array[];
  readonly rowsPerBlock: number;
  readonly rowsRead: number;
  /** Per file row: 1 when its token went into `tokens` (0: dropped before, e.g. an empty token). */
  readonly hasToken: Uint8Array;
  /** Per file row: ‖row‖₂ (NaN or ∞ for a row with a non-finite value, which is dropped). */
  readonly norms: Float32Array;
  /** Per file row: where it starts in the file (for duplicate and non-finite problems). */
  readonly rowOffset: Float64Array;
  readonly problems: BinaryProblems;
  readonly subwords?: SubwordVectors;
}

/** Rows assembled (vocabulary table built, rows compacted) but the token text not yet decoded: what a worker hands over. */
export interface AssembledRows {
  readonly name: string;
  readonly layout: EmbLayout;
  readonly format: 'word2vec' | 'fasttext';
  readonly dim: number;
  readonly tokens: TokenText;
  readonly vocabulary: VocabularyParts;
  /** The kept rows, compacted to the front, in blocks of rowsPerBlock. */
  readonly blocks: readonly Float32Array[];
  readonly rowsPerBlock: number;
  /** Per kept row: ‖row‖₂. */
  readonly norms: Float32Array;
  readonly problems: BinaryProblems;
  readonly subwords?: SubwordVectors;
}

/** Every step of the assembly: assembleRows (where the rows were read), then finishAssembled. */
export function* assembleBinary(input: RowsToAssemble): BinaryReader<ParsedEmb> {
  return yield* finishAssembled(yield* assembleRows(input));
}

/**
 * Builds the vocabulary's table from the token bytes (the first of equal tokens wins; later ones
 * get a problem), drops rows with non-finite values, and compacts the kept rows to the front
 * (block-aware, forward copies only). Typed arrays and bytes only, so it runs in the worker that
 * read the rows. Yields PAUSE every SLICE_ROWS rows.
 */
export function* assembleRows(input: RowsToAssemble): BinaryReader<AssembledRows> {
  const { rowsRead, hasToken, norms, rowOffset, problems, dim, blocks, rowsPerBlock: per } = input;
  const tokenCount = input.tokens.rows;
  // 1. The file row of each token; rows with NaN or ∞ leave before the vocabulary sees their tokens.
  const tokenRows = new Int32Array(tokenCount);
  let skip: Uint8Array | undefined;
  for (let r = 0, t = 0; r < rowsRead; r++) {
    if (!hasToken[r]) continue;
    if (!Number.isFinite(norms[r]!)) (skip ??= new Uint8Array(tokenCount))[t] = 1;
    tokenRows[t++] = r;
    if (r % (SLICE_ROWS * 64) === 0) yield PAUSE;
  }
  const tokenAt = lazyTokens(input.tokens);
  if (skip) {
    for (let t = 0; t < tokenCount; t++) {
      if (skip[t]) problems.add('non-finite', 'error', rowOffset[tokenRows[t]!]!, `the row of "${shorten(tokenAt(t))}" has a value that is not a finite number (NaN or infinity); the row is skipped.`);
    }
  }
  // 2. Vocabulary: duplicates keep their first row.
  const { bytes, length } = input.tokens.view();
  const { parts, rowOf } = yield* pausing(Vocabulary.buildFromUtf8(bytes, length, tokenCount, skip));
  // 3. Compact: row tokenRows[t] moves to vocabulary row rowOf[t] (increasing in t, ≤ the file row).
  const keptNorms = new Float32Array(parts.count);
  let tokenOfRow: Int32Array | undefined; // vocabulary row → its token row, built at the first duplicate
  for (let t = 0; t < tokenCount; t++) {
    const from = tokenRows[t]!;
    const to = rowOf[t]!;
    if (to === SKIPPED_ROW) continue;
    if (to < 0) {
      if (!tokenOfRow) {
        tokenOfRow = new Int32Array(parts.count);
        for (let k = 0; k < tokenCount; k++) if (rowOf[k]! >= 0) tokenOfRow[rowOf[k]!] = k;
      }
      const first = tokenRows[tokenOfRow[-1 - to]!]!;
      problems.add('duplicate-token', 'warning', rowOffset[from]!, `"${shorten(tokenAt(t))}" already has a row (at byte ${rowOffset[first]!}); the first row is used and this one is skipped.`);
      continue;
    }
    keptNorms[to] = norms[from]!;
    if (to !== from) {
      const source = blocks[Math.floor(from / per)]!;
      const target = blocks[Math.floor(to / per)]!;
      const s = (from % per) * dim;
      const d = (to % per) * dim;
      if (source === target) target.copyWithin(d, s, s + dim);
      else target.set(source.subarray(s, s + dim), d);
    }
    if (t % SLICE_ROWS === 0) yield PAUSE;
  }
  if (parts.count === 0 && !problems.list.some((p) => p.severity === 'error')) {
    problems.add('empty-file', 'error', 0, 'the file has no embedding rows.');
  }
  return {
    name: input.name,
    layout: input.layout,
    format: input.format,
    dim,
    tokens: input.tokens,
    vocabulary: parts,
    blocks,
    rowsPerBlock: per,
    norms: keptNorms,
    problems,
    subwords: input.subwords,
  };
}

/** token(t) over the token bytes, for problem messages (the offsets are found on first use). */
function lazyTokens(tokens: TokenText): (t: number) => string {
  let starts: Uint32Array | undefined;
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  return (t) => {
    const { bytes, length } = tokens.view();
    if (!starts) {
      starts = new Uint32Array(tokens.rows + 1);
      for (let i = 0, k = 1; i < length; i++) if (bytes[i] === 0x0a) starts[k++] = i + 1;
    }
    return decoder.decode(bytes.subarray(starts[t], starts[t + 1]! - 1));
  };
}

/** The token text decoded and joined to the vocabulary's table, and the store: the part that needs this thread's strings. */
export function* finishAssembled(input: AssembledRows): BinaryReader<ParsedEmb> {
  const text = yield* pausing(input.tokens.textSteps());
  const vocabulary = Vocabulary.fromParts(text, input.vocabulary);
  const { dim, blocks, rowsPerBlock, norms, problems } = input;
  const store = new EmbeddingStore({ name: input.name, dim, tokens: vocabulary, vectors: blocks, rowsPerBlock, norms, subwords: input.subwords });
  return {
    store,
    problems: problems.sorted(),
    layout: input.layout,
    format: input.format,
    dimNames: undefined,
    lineOfToken: new Int32Array(0),
    spaced: new Set<number>(),
    problemsOmitted: problems.omitted,
  };
}

/** A token cut for a message. */
export function shorten(token: string): string {
  return token.length > 40 ? `${token.slice(0, 40)}…` : token;
}

/** An empty result with one error (a file that cannot be read at all). */
export function failed(name: string, layout: EmbLayout, format: 'word2vec' | 'fasttext', problems: BinaryProblems): ParsedEmb {
  return {
    store: new EmbeddingStore({ name, dim: 0, tokens: [], vectors: new Float32Array(0) }),
    problems: problems.sorted(),
    layout,
    format,
    dimNames: undefined,
    lineOfToken: new Int32Array(0),
    spaced: new Set<number>(),
    problemsOmitted: problems.omitted,
  };
}
