/**
 * Vocabulary: the tokens of an embedding set, compact enough for GloVe-size files.
 *
 * Contract: rows 0..count−1 each have one token; `indexOf` finds a token exactly, `lookup` also
 * case-insensitively (exact, else the lower-case form, else the first row in file order whose
 * lower-case form matches), `search` filters the whole vocabulary for a quick pick. Tokens never
 * contain "\n" (the format is line-based), which is what lets them share one string.
 *
 * Layout (why not string[] + Map): 400,000 tokens as separate strings in a Map cost about 30 MB,
 * 0.2× the float32 rows of a 100-dimension file, and a Map grows by rehashing everything in one
 * step (tens of milliseconds at that size, which the extension host must never be held for).
 * Here:
 *   - `text`: every token followed by "\n", in file order (rows dropped as duplicates may still
 *     sit between them; nothing points at those);
 *   - `starts[i]`, `ends[i]`: where row i's token is in `text` (end exclusive, at its "\n");
 *   - `table`: open addressing with linear probing, row + 1 per slot (0 = empty), keyed by a hash
 *     of the token's lower-case form, sized up front to 1.6× the rows (load ≤ 0.625) and never
 *     rehashed. Exact and case-insensitive lookups probe the same cluster.
 * Memory: the text (1 byte per character while every token is Latin-1, else 2) + 8 bytes per row
 * + 6.4 bytes per row for the table — about 0.06× the float32 rows of GloVe 400k × 100 — and,
 * from the first `search`, a lower-cased copy of the text.
 * Building is a generator that yields every SLICE_ROWS rows (slices.ts), so loaders can pause it.
 */
import { SLICE_ROWS, runToEnd } from './slices';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the lower-case form of text[start, end). */
function foldedHash(text: string, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) {
    let c = text.charCodeAt(i);
    // Non-ASCII: lower-casing may depend on neighbours (final sigma) or change the length (İ).
    if (c >= 0x80) return foldedHashOf(text.slice(start, end).toLowerCase());
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h >>> 0;
}

/** FNV-1a over a string that is already lower-case. */
function foldedHashOf(lower: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < lower.length; i++) h = Math.imul(h ^ lower.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

/** Slots for `rows` rows: load factor ≤ 0.625, so a miss probes about three slots on average. */
function tableSize(rows: number): number {
  return Math.max(8, Math.ceil(rows * 1.6));
}

/** The home slot of hash `h` in a table of `size` slots (multiply-shift range reduction: no modulo). */
function homeSlot(h: number, size: number): number {
  return Math.min(size - 1, Math.floor((h / 4294967296) * size));
}

export class Vocabulary {
  readonly count: number;
  private readonly text: string;
  private readonly starts: Uint32Array;
  private readonly ends: Uint32Array;
  private readonly table: Int32Array;
  /** `text` lower-cased (with a leading "\n"), for `search`; built on first use. */
  private lowered: string | undefined | null;

  private constructor(text: string, starts: Uint32Array, ends: Uint32Array, count: number, table: Int32Array) {
    this.text = text;
    this.count = count;
    this.starts = starts.length === count ? starts : starts.slice(0, count);
    this.ends = ends.length === count ? ends : ends.slice(0, count);
    this.table = table;
  }

  /**
   * Builds a vocabulary from `text` (tokens each followed by "\n", `rows` of them), keeping the
   * first of equal tokens. Yields every SLICE_ROWS rows; its value is the vocabulary and, per row
   * of `text`, the vocabulary row it became or −1 − (the earlier row) for a duplicate.
   */
  static *build(text: string, rows: number): Generator<void, { vocabulary: Vocabulary; rowOf: Int32Array }> {
    const starts = new Uint32Array(rows);
    const ends = new Uint32Array(rows);
    const rowOf = new Int32Array(rows);
    const size = tableSize(rows);
    const table = new Int32Array(size);
    let count = 0;
    let at = 0;
    for (let r = 0; r < rows; r++) {
      const start = at;
      const end = text.indexOf('\n', at);
      if (end < 0) throw new RangeError(`Vocabulary.build: ${rows} tokens expected, the text holds ${r}`);
      at = end + 1;
      let slot = homeSlot(foldedHash(text, start, end), size);
      let duplicateOf = -1;
      for (let entry = table[slot]!; entry !== 0; entry = table[slot]!) {
        const row = entry - 1;
        if (ends[row]! - starts[row]! === end - start && sameSpan(text, starts[row]!, start, end - start)) {
          duplicateOf = row;
          break;
        }
        if (++slot === size) slot = 0;
      }
      if (duplicateOf >= 0) {
        rowOf[r] = -1 - duplicateOf;
      } else {
        starts[count] = start;
        ends[count] = end;
        table[slot] = count + 1;
        rowOf[r] = count++;
      }
      if ((r + 1) % SLICE_ROWS === 0) yield;
    }
    return { vocabulary: new Vocabulary(text, starts, ends, count, table), rowOf };
  }

  /**
   * The same as `build` over the tokens' UTF-8 bytes (bytes[0, length): `rows` valid UTF-8
   * tokens, each followed by "\n"), so a worker thread can build the table where the bytes are
   * and hand over only typed arrays (`fromParts` joins them to the decoded text on the other side):
   * offsets count UTF-16 code units of the decoded text, hashes and equality are those of `build`
   * (equal valid UTF-8 bytes are equal strings; a non-ASCII token is decoded for its lower case).
   * `skip[r]` = 1 leaves token row r out (its bytes stay in the text; rowOf[r] = SKIPPED_ROW).
   */
  static *buildFromUtf8(bytes: Uint8Array, length: number, rows: number, skip?: Uint8Array): Generator<void, { parts: VocabularyParts; rowOf: Int32Array }> {
    // 1. Per token, in file order: its hash, where its bytes start, where its text starts (UTF-16).
    const hashes = new Int32Array(rows);
    const byteStarts = new Uint32Array(rows + 1);
    const unitStarts = new Uint32Array(rows + 1);
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    let at = 0;
    let unit = 0;
    for (let r = 0; r < rows; r++) {
      const start = at;
      let h = FNV_OFFSET;
      let wide = 0;
      let ascii = true;
      let end = start;
      for (; end < length; end++) {
        let c = bytes[end]!;
        if (c === 0x0a) break;
        if (c >= 0x80) {
          ascii = false;
          if ((c & 0xc0) === 0x80) wide--;
          else if (c >= 0xf0) wide++;
        } else if (c >= 0x41 && c <= 0x5a) c += 0x20;
        h = Math.imul(h ^ c, FNV_PRIME);
      }
      if (end >= length) throw new RangeError(`Vocabulary.buildFromUtf8: ${rows} tokens expected, the bytes hold ${r}`);
      if (!ascii) h = foldedHashOf(decoder.decode(bytes.subarray(start, end)).toLowerCase());
      hashes[r] = h;
      byteStarts[r] = start;
      unitStarts[r] = unit;
      at = end + 1;
      unit += end - start + wide + 1;
      if ((r + 1) % SLICE_ROWS === 0) yield;
    }
    byteStarts[rows] = at;
    unitStarts[rows] = unit;
    // 2. Tokens grouped by the stretch of the table their home slot is in (a stable counting sort):
    // inserting stretch by stretch keeps the probes inside a few KiB of the table, where one
    // token after another in file order would miss the cache on every probe (3M tokens: ~1 s).
    const size = tableSize(rows);
    const stretches = Math.max(1, Math.min(1 << 12, size >>> 7));
    const stretchOf = (h: number) => Math.floor((homeSlot(h >>> 0, size) * stretches) / size);
    const firsts = new Uint32Array(stretches + 1);
    for (let r = 0; r < rows; r++) if (!skip?.[r]) firsts[stretchOf(hashes[r]!) + 1]!++;
    for (let k = 0; k < stretches; k++) firsts[k + 1]! += firsts[k]!;
    const kept = firsts[stretches]!;
    // The token row, hash and byte start in insertion order, side by side, so the insert loop
    // reads them in sequence (indexing hashes[r] by a shuffled r missed the cache every time).
    const order = new Uint32Array(kept);
    const orderedHash = new Int32Array(kept);
    const orderedStart = new Uint32Array(kept);
    const orderedLength = new Uint32Array(kept);
    const fill = firsts.slice(0, stretches);
    for (let r = 0; r < rows; r++) {
      if (skip?.[r]) continue;
      const at = fill[stretchOf(hashes[r]!)]!++;
      order[at] = r;
      orderedHash[at] = hashes[r]!;
      orderedStart[at] = byteStarts[r]!;
      orderedLength[at] = byteStarts[r + 1]! - 1 - byteStarts[r]!;
    }
    yield;
    // 3. Insert (entry = token row + 1, beside its hash); the first of equal tokens is inserted first.
    const slots = new Int32Array(2 * size);
    const duplicateOf = new Int32Array(rows).fill(-1);
    for (let i = 0; i < kept; i++) {
      const r = order[i]!;
      const h = orderedHash[i]!;
      const start = orderedStart[i]!;
      const byteLength = orderedLength[i]!;
      let slot = homeSlot(h >>> 0, size);
      let duplicate = false;
      for (let entry = slots[2 * slot]!; entry !== 0; entry = slots[2 * slot]!) {
        const other = entry - 1;
        if (slots[2 * slot + 1] === h && byteStarts[other + 1]! - 1 - byteStarts[other]! === byteLength && sameBytes(bytes, byteStarts[other]!, start, byteLength)) {
          duplicateOf[r] = other;
          duplicate = true;
          break;
        }
        if (++slot === size) slot = 0;
      }
      if (!duplicate) {
        slots[2 * slot] = r + 1;
        slots[2 * slot + 1] = h;
      }
      if ((i + 1) % SLICE_ROWS === 0) yield;
    }
    // 4. Vocabulary rows in file order; then the table's entries from token rows to vocabulary rows.
    const rowOf = new Int32Array(rows);
    const starts = new Uint32Array(rows);
    const ends = new Uint32Array(rows);
    let count = 0;
    for (let r = 0; r < rows; r++) {
      if (skip?.[r]) rowOf[r] = SKIPPED_ROW;
      else if (duplicateOf[r]! >= 0) rowOf[r] = -1 - rowOf[duplicateOf[r]!]!;
      else {
        starts[count] = unitStarts[r]!;
        ends[count] = unitStarts[r + 1]! - 1;
        rowOf[r] = count++;
      }
      if ((r + 1) % SLICE_ROWS === 0) yield;
    }
    const table = new Int32Array(size);
    for (let slot = 0; slot < size; slot++) {
      const entry = slots[2 * slot]!;
      if (entry !== 0) table[slot] = rowOf[entry - 1]! + 1;
    }
    return { parts: { starts: starts.slice(0, count), ends: ends.slice(0, count), table, count }, rowOf };
  }

  /** The vocabulary of `buildFromUtf8`'s parts over the decoded text of its bytes. */
  static fromParts(text: string, parts: VocabularyParts): Vocabulary {
    if (parts.count > 0 && parts.ends[parts.count - 1]! >= text.length) {
      throw new RangeError(`Vocabulary.fromParts: the text (${text.length} characters) ends before row ${parts.count - 1}'s token`);
    }
    return new Vocabulary(text, parts.starts, parts.ends, parts.count, parts.table);
  }

  /** A vocabulary of these tokens (the first of equal tokens is kept; later ones get no row). */
  static fromTokens(tokens: readonly string[]): Vocabulary {
    for (const token of tokens) {
      if (token.includes('\n')) throw new RangeError(`Vocabulary: a token cannot contain a line break: ${JSON.stringify(token)}`);
    }
    const text = tokens.length === 0 ? '' : `${tokens.join('\n')}\n`;
    return runToEnd(Vocabulary.build(text, tokens.length)).vocabulary;
  }

  /** The text and the typed arrays (the inverse of fromParts), to hand the vocabulary to another thread. */
  toParts(): { readonly text: string; readonly parts: VocabularyParts } {
    return { text: this.text, parts: { starts: this.starts, ends: this.ends, table: this.table, count: this.count } };
  }

  /** The token of row i. */
  token(i: number): string {
    if (!(i >= 0 && i < this.count)) throw new RangeError(`Vocabulary.token: row ${i} is outside 0..${this.count - 1}`);
    return this.text.slice(this.starts[i], this.ends[i]);
  }

  /** Every token, in row order (a new array: for tests and small sets, not for GloVe-size ones). */
  toArray(): string[] {
    return Array.from({ length: this.count }, (_, i) => this.token(i));
  }

  /** Approximate bytes held: the text, the row offsets, the table, and the lower-cased text once a search built it. */
  get byteLength(): number {
    const textBytes = (text: string) => text.length * (isLatin1(text) ? 1 : 2);
    return textBytes(this.text) + (this.lowered ? textBytes(this.lowered) : 0) + this.starts.byteLength + this.ends.byteLength + this.table.byteLength;
  }

  /** Row of exactly this token, or −1. */
  indexOf(token: string): number {
    const table = this.table;
    for (let slot = homeSlot(foldedHash(token, 0, token.length), table.length), entry = table[slot]!; entry !== 0; entry = table[slot]!) {
      if (this.equals(entry - 1, token)) return entry - 1;
      if (++slot === table.length) slot = 0;
    }
    return -1;
  }

  /** Row of this token: exact, else its lower-case form, else the first case variant in file order; −1 when absent. */
  lookup(token: string): number {
    const lower = token.toLowerCase();
    const table = this.table;
    let lowerRow = -1;
    let variantRow = -1;
    for (let slot = homeSlot(foldedHashOf(lower), table.length), entry = table[slot]!; entry !== 0; entry = table[slot]!) {
      if (++slot === table.length) slot = 0;
      const row = entry - 1;
      if (this.equals(row, token)) return row;
      if (lowerRow >= 0) continue;
      if (this.equals(row, lower)) lowerRow = row;
      else if ((variantRow < 0 || row < variantRow) && this.token(row).toLowerCase() === lower) variantRow = row;
    }
    return lowerRow >= 0 ? lowerRow : variantRow;
  }

  /**
   * Rows of at most `limit` tokens matching `query` case-insensitively, best first: the exact
   * word (its exact-case spelling first), then words that start with the query, then words that
   * contain it; file order inside each group (GloVe and word2vec list frequent words first). An
   * empty query gives the first `limit` rows. Native substring search over one lower-cased text,
   * so a keystroke over 400,000 words costs a few milliseconds.
   */
  search(query: string, limit: number): number[] {
    const max = Math.max(0, Math.floor(limit));
    if (max === 0) return [];
    const trimmed = query.trim();
    const needle = trimmed.toLowerCase();
    if (needle.length === 0) return Array.from({ length: Math.min(max, this.count) }, (_, i) => i);
    if (needle.includes('\n')) return [];
    const exact: number[] = [];
    const prefix: number[] = [];
    const contains: number[] = [];
    const lowered = this.loweredText();
    if (lowered === null) {
      // Lower-casing changed the text's length (a rare character such as İ): compare word by word.
      for (let row = 0; row < this.count; row++) {
        const word = this.token(row).toLowerCase();
        const at = word.indexOf(needle);
        if (at < 0) continue;
        if (at === 0 && word.length === needle.length) exact.push(row);
        else if (at === 0) {
          if (prefix.length < max) prefix.push(row);
        } else if (contains.length < max) contains.push(row);
      }
    } else {
      // lowered = "\n" + lower(text): a token's first character follows a "\n".
      const onRow = (position: number): number => {
        const row = this.rowAt(position - 1);
        return row >= 0 && position - 1 + needle.length <= this.ends[row]! ? row : -1;
      };
      for (let at = lowered.indexOf(`\n${needle}\n`); at >= 0; at = lowered.indexOf(`\n${needle}\n`, at + 1)) {
        const row = onRow(at + 1);
        if (row >= 0 && this.starts[row] === at) exact.push(row);
      }
      for (let at = lowered.indexOf(`\n${needle}`); at >= 0 && prefix.length < max; at = lowered.indexOf(`\n${needle}`, at + 1)) {
        const row = onRow(at + 1);
        if (row >= 0 && this.starts[row] === at && this.ends[row]! - this.starts[row]! !== needle.length) prefix.push(row);
      }
      for (let at = lowered.indexOf(needle); at >= 0 && contains.length < max; at = lowered.indexOf(needle, at + 1)) {
        const row = onRow(at);
        // Words that start with the needle are prefix (or exact) matches, even where it occurs again inside them.
        if (row >= 0 && contains[contains.length - 1] !== row && !lowered.startsWith(needle, this.starts[row]! + 1)) contains.push(row);
      }
    }
    exact.sort((a, b) => Number(this.equals(b, trimmed)) - Number(this.equals(a, trimmed)) || a - b);
    return [...exact, ...prefix, ...contains].slice(0, max);
  }

  /** The row whose token span holds `position` of `text` (or −1 when it falls on a dropped duplicate or a "\n"). */
  private rowAt(position: number): number {
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= position) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && position < this.ends[hi]! ? hi : -1;
  }

  private loweredText(): string | null {
    if (this.lowered === undefined) {
      const lowered = `\n${this.text.toLowerCase()}`;
      this.lowered = lowered.length === this.text.length + 1 ? lowered : null;
    }
    return this.lowered;
  }

  private equals(row: number, token: string): boolean {
    const start = this.starts[row]!;
    return this.ends[row]! - start === token.length && this.text.startsWith(token, start);
  }
}

/** rowOf of a token row that `buildFromUtf8` was told to skip. */
export const SKIPPED_ROW = -0x80000000;

/** What `buildFromUtf8` builds: typed arrays only, so they can cross to another thread. */
export interface VocabularyParts {
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
  readonly table: Int32Array;
  readonly count: number;
}

/** Whether bytes[a, a + length) and bytes[b, b + length) are equal. */
function sameBytes(bytes: Uint8Array, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (bytes[a + i] !== bytes[b + i]) return false;
  return true;
}

/** Whether text[a, a + length) and text[b, b + length) are equal. */
function sameSpan(text: string, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (text.charCodeAt(a + i) !== text.charCodeAt(b + i)) return false;
  return true;
}

function isLatin1(text: string): boolean {
  // A sample is enough for a memory estimate; V8 widens the whole string for one wide character.
  for (let i = 0; i < text.length; i += 1 + (i >> 10)) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}
