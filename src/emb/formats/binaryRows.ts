/**
 * What the binary readers (word2vec, fastText) share: located problems, token text collected as
 * bytes and decoded once, UTF-8 checks with a visible marker, and the final assembly of rows into
 * an EmbeddingStore (duplicates and dropped rows compacted away, block by block).
 *
 * Tokens: every row's token bytes go into one growing byte buffer, "\n" after each, decoded with
 * one TextDecoder call at the end (3M tokens do not become 3M decoder calls). A token that is not
 * valid UTF-8 is stored decoded with U+FFFD for each bad sequence and gets a problem naming its
 * byte offset; a "\n" inside a token (the vocabulary is "\n"-separated) is shown as U+2424.
 */
import { SLICE_ROWS } from '../slices';
import { EmbeddingStore, type SubwordVectors } from '../store';
import { MAX_PROBLEMS, type EmbLayout, type EmbProblem, type EmbProblemCode, type ParsedEmb } from '../types';
import { Vocabulary } from '../vocabulary';
import { PAUSE, type BinaryReader, type ReadStep } from './byteWindow';

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
const TEXT_PIECE = 4 << 20;

/** A void-yielding sliced generator as a reader's PAUSE steps. */
function* pausing<T>(steps: Generator<void, T>): BinaryReader<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    yield PAUSE;
  }
}

/** The tokens of a binary file, as bytes, "\n" after each. */
export class TokenText {
  private bytes: Uint8Array = new Uint8Array(1 << 16);
  private length = 0;
  rows = 0;

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

  /** The bytes so far (to hand to another thread), and a TokenText made from such a snapshot. */
  snapshot(): { readonly bytes: Uint8Array; readonly rows: number } {
    return { bytes: this.bytes.subarray(0, this.length), rows: this.rows };
  }

  static fromSnapshot(snapshot: { readonly bytes: Uint8Array; readonly rows: number }): TokenText {
    const text = new TokenText();
    text.bytes = snapshot.bytes;
    text.length = snapshot.bytes.length;
    text.rows = snapshot.rows;
    return text;
  }

  /** All tokens decoded (invalid sequences were already replaced), in pieces of about 4 MiB. */
  *textSteps(): Generator<void, string> {
    const decoder = new TextDecoder('utf-8');
    const parts: string[] = [];
    for (let at = 0; at < this.length; at += TEXT_PIECE) {
      parts.push(decoder.decode(this.bytes.subarray(at, Math.min(this.length, at + TEXT_PIECE)), { stream: true }));
      yield;
    }
    parts.push(decoder.decode());
    return parts.join('');
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

/**
 * Builds the vocabulary (the first of equal tokens wins; later ones get a problem), drops rows
 * with non-finite values, compacts the kept rows to the front (block-aware, forward copies only),
 * and returns the ParsedEmb. Yields PAUSE every SLICE_ROWS rows.
 */
export function* assembleBinary(input: RowsToAssemble): BinaryReader<ParsedEmb> {
  const { rowsRead, hasToken, norms } = input;
  // 1. Non-finite rows leave before the vocabulary sees their tokens.
  const text = yield* pausing(input.tokens.textSteps());
  let tokenRows: Int32Array | number[] = [];
  let vocabularyText = text;
  let allFinite = true;
  for (let r = 0; r < rowsRead && allFinite; r++) {
    if (hasToken[r] && !Number.isFinite(norms[r]!)) allFinite = false;
    if (r % (SLICE_ROWS * 64) === 0) yield PAUSE;
  }
  if (allFinite) {
    // The common case: every token goes to the vocabulary as read, no string per token.
    const rowsWithTokens = new Int32Array(input.tokens.rows);
    for (let r = 0, t = 0; r < rowsRead; r++) {
      if (hasToken[r]) rowsWithTokens[t++] = r;
      if (r % (SLICE_ROWS * 64) === 0) yield PAUSE;
    }
    tokenRows = rowsWithTokens;
  } else {
    ({ tokenRows, vocabularyText } = yield* dropNonFinite(input, text));
  }
  yield PAUSE;
  return yield* vocabularyAndCompaction(input, tokenRows, vocabularyText);
}

/** Rows with NaN or ∞ leave (with a problem) before the vocabulary sees their tokens. */
function* dropNonFinite(input: RowsToAssemble, text: string): Generator<ReadStep, { tokenRows: number[]; vocabularyText: string }> {
  const { rowsRead, hasToken, norms, rowOffset, problems } = input;
  const tokenRows: number[] = [];
  const keptText: string[] = [];
  let cursor = 0;
  for (let r = 0; r < rowsRead; r++) {
    if (!hasToken[r]) continue;
    const next = text.indexOf('\n', cursor);
    const token = text.slice(cursor, next);
    cursor = next + 1;
    if (!Number.isFinite(norms[r]!)) {
      problems.add('non-finite', 'error', rowOffset[r]!, `the row of "${shorten(token)}" has a value that is not a finite number (NaN or infinity); the row is skipped.`);
      continue;
    }
    tokenRows.push(r);
    keptText.push(token);
    if (r % SLICE_ROWS === 0) yield PAUSE;
  }
  keptText.push('');
  return { tokenRows, vocabularyText: keptText.join('\n') };
}

/** Step 2 of assembleBinary, continued. */
function* vocabularyAndCompaction(input: RowsToAssemble, tokenRows: Int32Array | number[], vocabularyText: string): BinaryReader<ParsedEmb> {
  const { dim, blocks, rowsPerBlock: per, norms, rowOffset, problems } = input;
  // 2. Vocabulary: duplicates keep their first row.
  const steps = Vocabulary.build(vocabularyText, tokenRows.length);
  let built: { vocabulary: Vocabulary; rowOf: Int32Array };
  for (;;) {
    const step = steps.next();
    if (step.done) {
      built = step.value;
      break;
    }
    yield PAUSE;
  }
  const { vocabulary, rowOf } = built;
  // 3. Compact: row tokenRows[t] moves to vocabulary row rowOf[t] (increasing in t, ≤ the file row).
  const count = vocabulary.count;
  const keptNorms = new Float32Array(count);
  for (let t = 0; t < tokenRows.length; t++) {
    const from = tokenRows[t]!;
    const to = rowOf[t]!;
    if (to < 0) {
      const first = tokenRows[-1 - to]!;
      problems.add('duplicate-token', 'warning', rowOffset[from]!, `"${shorten(vocabulary.token(-1 - to))}" already has a row (at byte ${rowOffset[first]!}); the first row is used and this one is skipped.`);
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
  const store = new EmbeddingStore({ name: input.name, dim, tokens: vocabulary, vectors: blocks, rowsPerBlock: per, norms: keptNorms, subwords: input.subwords });
  if (count === 0 && !problems.list.some((p) => p.severity === 'error')) {
    problems.add('empty-file', 'error', 0, 'the file has no embedding rows.');
  }
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
