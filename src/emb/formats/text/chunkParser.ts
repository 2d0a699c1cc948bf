/**
 * The row parser: turns whole lines of a `.emb` file into float32 rows, one block at a time.
 *
 * Contract: given the file's dimension (found by the preamble scan), `push(bytes, final)` parses
 * every complete line of `bytes` and returns how many bytes it consumed (the unfinished last line
 * stays with the caller, who prepends it to the next block). Valid rows are written straight into
 * the vector buffer; a row with any problem is left out and its problems are recorded with
 * chunk-local 0-based lines and UTF-16 columns. The same class runs in the main thread (tests,
 * small files, the fallback) and in the parse workers, so both give identical results.
 *
 * Legend: dim values per row; row r occupies vectors[r·dim, (r+1)·dim).
 * Passes per line: 1. skip separators, find the token; 2. scan values into the row (fast path),
 * noticing the line break on the way (one pass over the bytes, no separate search for \n);
 * 3. only when anything is off (a value that is not a number, too few or too many fields, a line
 * that starts with #) re-read the line field by field to say exactly what and where (slow path).
 */
import * as numbers from './numbers';
import { NumberStatus } from './numbers';
import { decodeUtf8, utf16Length } from './lines';
import type { EmbProblem } from '../../types';

export interface ChunkContext {
  readonly dim: number;
  /** Chunk-local line to skip: the word2vec header or the column-header row; −1 for none. */
  readonly skipLine: number;
  /** Where rows go first (e.g. a region of a SharedArrayBuffer); replaced by a private buffer when full. */
  readonly target?: Float32Array;
  /** At most this many problems are recorded; the rest are only counted. */
  readonly maxProblems: number;
}

/** What a chunk hands to `assemble` (structured-cloneable, so a worker can post it). */
export interface ChunkResult {
  readonly rowCount: number;
  /** Rows [rowCount, dim] at the start of this array (it may be longer). */
  readonly vectors: Float32Array;
  /** True when `vectors` is still the `target` given in the context. */
  readonly inTarget: boolean;
  readonly norms: Float32Array;
  /** Every stored token followed by "\n", in row order. */
  readonly tokens: string;
  readonly lineOfRow: Int32Array;
  /** UTF-16 column where the token starts, and the UTF-16 length of the line after the token. */
  readonly tokenColumn: Int32Array;
  readonly tailLength: Int32Array;
  /** Rows whose token contains spaces. */
  readonly spacedRows: Int32Array;
  readonly problems: EmbProblem[];
  readonly problemsOmitted: number;
  /** Line breaks in the chunk: the next chunk's first line is this chunk's first line + breaks. */
  readonly breaks: number;
  /** Lines that held an entry (valid or not): what a word2vec header's count should say. */
  readonly entryLines: number;
}

interface Field {
  start: number;
  end: number;
}

// Hot functions bound once: unbundled CommonJS (tsx, tests) would otherwise call them through an
// export getter per value, which costs more than the parsing itself.
const scanNumber = numbers.scanNumber;
const isNumberField = numbers.isNumberField;
const scanned = numbers.scanned;

const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

function isSeparator(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c;
}

/** The digits of [start, intEnd) and of the fraction after the "." at intEnd, up to end, as one integer (double). */
function digitsValue(bytes: Uint8Array, start: number, intEnd: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) if (i !== intEnd) value = value * 10 + (bytes[i]! - 0x30);
  return value;
}

const TOKEN_SHOWN = 40;

/** "apple" for messages, cut to a readable length. */
export function quoteToken(token: string): string {
  const shown = token.length > TOKEN_SHOWN ? `${token.slice(0, TOKEN_SHOWN)}…` : token;
  return JSON.stringify(shown);
}

export class ChunkParser {
  private readonly dim: number;
  private readonly skipLine: number;
  private readonly maxProblems: number;
  /** Line breaks seen so far (\n, \r\n or a lone \r, as the editor counts lines). */
  private breaks = 0;

  private vectors: Float32Array;
  private norms: Float32Array;
  private lineOfRow: Int32Array;
  private tokenColumn: Int32Array;
  private tailLength: Int32Array;
  private tokenBytes: Uint8Array;
  private tokenLength = 0;
  private readonly spacedRows: number[] = [];
  private readonly problems: EmbProblem[] = [];
  private problemsOmitted = 0;
  private rowCount = 0;
  private entryLines = 0;
  private inTarget: boolean;
  private capacity: number;

  // The line being parsed (fields of the slow path reuse this array).
  private bytes: Uint8Array = new Uint8Array(0);
  private lineStart = 0;
  private line = 0;
  private readonly fields: Field[] = [];

  constructor(context: ChunkContext) {
    this.dim = context.dim;
    this.skipLine = context.skipLine;
    this.maxProblems = context.maxProblems;
    this.inTarget = context.target !== undefined;
    this.capacity = context.target && this.dim > 0 ? Math.floor(context.target.length / this.dim) : 1024;
    this.vectors = context.target ?? new Float32Array(this.capacity * Math.max(1, this.dim));
    this.norms = new Float32Array(this.capacity);
    this.lineOfRow = new Int32Array(this.capacity);
    this.tokenColumn = new Int32Array(this.capacity);
    this.tailLength = new Int32Array(this.capacity);
    this.tokenBytes = new Uint8Array(Math.max(1024, this.capacity * 8));
  }

  /** Parses the complete lines of `bytes`; returns the number of bytes consumed. */
  push(bytes: Uint8Array, final: boolean): number {
    this.bytes = bytes;
    let pos = 0;
    while (pos < bytes.length) {
      const next = this.parseLine(pos, final);
      if (next < 0) break;
      pos = next;
    }
    return pos;
  }

  /** Everything parsed so far. Call once, after the final push. */
  finish(): ChunkResult {
    const rows = this.rowCount;
    const tokens = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(this.tokenBytes.subarray(0, this.tokenLength));
    return {
      rowCount: rows,
      vectors: this.vectors,
      inTarget: this.inTarget,
      norms: this.norms.slice(0, rows),
      tokens,
      lineOfRow: this.lineOfRow.slice(0, rows),
      tokenColumn: this.tokenColumn.slice(0, rows),
      tailLength: this.tailLength.slice(0, rows),
      spacedRows: Int32Array.from(this.spacedRows),
      problems: this.problems,
      problemsOmitted: this.problemsOmitted,
      breaks: this.breaks,
      entryLines: this.entryLines,
    };
  }

  /**
   * One line from `start`, in a single pass over its bytes: the line ends at \n, \r\n or a lone
   * \r (found while scanning the fields, not by a separate search). Returns the offset after the
   * line break, or −1 when the line is not complete in this block (nothing is recorded then).
   */
  private parseLine(start: number, final: boolean): number {
    const bytes = this.bytes;
    const length = bytes.length;
    const line = this.breaks;
    let i = start;
    while (i < length && isSeparator(bytes[i]!)) i++;
    let c = i < length ? bytes[i]! : -1;
    if (c === 0x0a || c === 0x0d || c === -1) return this.lineBreak(i, final); // blank line
    if (line === this.skipLine || c === 0x23) {
      const end = this.contentEnd(i);
      if (!this.complete(end, final)) return -1;
      this.lineStart = start;
      this.line = line;
      if (line !== this.skipLine) this.hashLine(i, end);
      return this.lineBreak(end, final);
    }
    // 1. The token: everything up to the first separator.
    const tokenStart = i;
    while (i < length && !isSeparator((c = bytes[i]!)) && c !== 0x0a && c !== 0x0d) i++;
    const tokenEnd = i;
    // 2. Fast path: exactly dim numbers. Values are written into the next row before the line is
    //    known to be complete; the row only counts once committed.
    const dim = this.dim;
    if (this.rowCount === this.capacity) this.grow();
    const vectors = this.vectors;
    const base = this.rowCount * dim;
    let count = 0;
    let clean = true;
    for (;;) {
      while (i < length && isSeparator(bytes[i]!)) i++;
      if (i === length || (c = bytes[i]!) === 0x0a || c === 0x0d) break;
      if (count < dim) {
        // Inline fast path for the common form -?digits(.digits)? with ≤ 15 digits (see numbers.ts
        // for why m / 10^k is exact); anything else goes through scanNumber.
        let p = i;
        const negative = c === 0x2d;
        if (negative) p++;
        // Digits accumulate in int32 (a multiply-add chain in integers is several times shorter
        // than in doubles); past 9 digits that could overflow, so the value is re-read in doubles.
        let mantissa = 0;
        let d = 0;
        const intStart = p;
        while (p < length && (d = bytes[p]! - 0x30) >>> 0 <= 9) {
          mantissa = (Math.imul(mantissa, 10) + d) | 0;
          p++;
        }
        const intEnd = p;
        let digits = intEnd - intStart;
        let exponent = 0;
        if (p < length && bytes[p] === 0x2e) {
          const fractionStart = ++p;
          while (p < length && (d = bytes[p]! - 0x30) >>> 0 <= 9) {
            mantissa = (Math.imul(mantissa, 10) + d) | 0;
            p++;
          }
          exponent = fractionStart - p;
          digits -= exponent;
        }
        if (digits > 9) mantissa = digitsValue(bytes, intStart, intEnd, p);
        if (digits > 0 && digits <= 15 && exponent >= -22 && (p === length || isSeparator((d = bytes[p]!)) || d === 0x0a || d === 0x0d)) {
          // The Float32Array store rounds to float32 (round to nearest even, like Math.fround).
          const value = exponent === 0 ? mantissa : mantissa / POW10[-exponent]!;
          vectors[base + count] = negative ? -value : value;
          i = p;
        } else {
          scanNumber(bytes, i, this.contentEnd(i));
          i = scanned.end;
          if (scanned.status !== NumberStatus.Ok) clean = false;
          else vectors[base + count] = scanned.value;
        }
      } else {
        while (i < length && !isSeparator((c = bytes[i]!)) && c !== 0x0a && c !== 0x0d) i++;
      }
      count++;
    }
    const end = i;
    if (!this.complete(end, final)) return -1;
    this.lineStart = start;
    this.line = line;
    this.entryLines++;
    if (clean && count === dim && dim > 0) this.commit(tokenStart, tokenEnd, end, false);
    // 3. Slow path: say what is wrong, or read a token that contains spaces.
    else this.slowEntry(tokenStart, end);
    return this.lineBreak(end, final);
  }

  /** Where the line holding `i` ends (its \n or \r, or the end of the block). */
  private contentEnd(i: number): number {
    const bytes = this.bytes;
    const length = bytes.length;
    let c = 0;
    while (i < length && (c = bytes[i]!) !== 0x0a && c !== 0x0d) i++;
    return i;
  }

  /** Whether a line whose content ends at `end` is complete in this block. */
  private complete(end: number, final: boolean): boolean {
    if (final) return true;
    const length = this.bytes.length;
    // At the block's end, or a \r as its last byte (a \n may follow in the next block): wait.
    return end < length && !(this.bytes[end] === 0x0d && end + 1 === length);
  }

  /** Counts the line break at `end` and returns the offset after it (−1: incomplete). */
  private lineBreak(end: number, final: boolean): number {
    const bytes = this.bytes;
    const length = bytes.length;
    if (end >= length) return final ? length : -1;
    if (bytes[end] === 0x0d) {
      if (end + 1 < length) {
        this.breaks++;
        return bytes[end + 1] === 0x0a ? end + 2 : end + 1;
      }
      if (!final) return -1;
    }
    this.breaks++;
    return end + 1;
  }

  /** A line starting with #: a comment, unless it is a token like "#" or "#1" followed by dim numbers (GloVe has those). */
  private hashLine(start: number, end: number): void {
    const fields = this.splitFields(start, end);
    if (this.dim === 0 || fields.length !== this.dim + 1) return;
    for (let f = 1; f < fields.length; f++) {
      const field = fields[f]!;
      if (!isNumberField(this.bytes, field.start, field.end)) return;
    }
    this.entryLines++;
    if (this.rowCount === this.capacity) this.grow();
    this.slowEntry(start, end);
  }

  private slowEntry(start: number, end: number): void {
    const bytes = this.bytes;
    const dim = this.dim;
    const fields = this.splitFields(start, end);
    const found = fields.length - 1;
    const tokenField = fields[0]!;
    let tokenEnd = tokenField.end;
    let firstValue = 1;
    let spaced = false;
    if (dim === 0) {
      this.problem('value-count', start, end, `Expected numbers after ${this.tokenText(start, tokenEnd)}, found ${found === 0 ? 'none' : found}; no line of this file has any values, so its dimension is unknown.`);
      return;
    }
    if (found > dim) {
      // More fields than 1 + dim: a token with spaces (GloVe 840B has ". . ." and "at&t corp"), unless
      // every extra field is a number, which means a row with too many values.
      const extra = found - dim;
      for (let f = 1; f <= extra; f++) {
        const field = fields[f]!;
        if (!isNumberField(bytes, field.start, field.end)) spaced = true;
      }
      if (!spaced) {
        this.problem('value-count', start, end, `Expected ${dim} values after ${this.tokenText(start, tokenEnd)}, found ${found}.`);
        return;
      }
      tokenEnd = fields[extra]!.end;
      firstValue = extra + 1;
    } else if (found < dim) {
      this.problem('value-count', start, end, `Expected ${dim} values after ${this.tokenText(start, tokenEnd)}, found ${found === 0 ? 'none' : found}.`);
      return;
    }
    const base = this.rowCount * dim;
    let clean = true;
    for (let f = firstValue; f < fields.length; f++) {
      const field = fields[f]!;
      scanNumber(bytes, field.start, field.end);
      const status = scanned.end === field.end ? scanned.status : NumberStatus.NotANumber;
      if (status === NumberStatus.Ok) {
        this.vectors[base + f - firstValue] = scanned.value;
        continue;
      }
      clean = false;
      const text = decodeUtf8(bytes, field.start, field.end);
      const which = `Value ${f - firstValue + 1} of ${this.tokenText(start, tokenEnd)}`;
      if (status === NumberStatus.NotANumber) {
        this.problem('not-a-number', field.start, field.end, `${which} is ${quoteToken(text)}, which is not a number.`);
      } else if (status === NumberStatus.NonFiniteLiteral) {
        this.problem('non-finite', field.start, field.end, `${which} is ${text}; embedding values must be finite numbers.`);
      } else {
        this.problem('non-finite', field.start, field.end, `${which} is ${text}, beyond the float32 range (±3.4e38).`);
      }
    }
    if (clean) this.commit(start, tokenEnd, end, spaced);
  }

  private commit(tokenStart: number, tokenEnd: number, lineEnd: number, spaced: boolean): void {
    const row = this.rowCount;
    const dim = this.dim;
    const vectors = this.vectors;
    const base = row * dim;
    let sum = 0;
    for (let d = 0; d < dim; d++) {
      const v = vectors[base + d]!;
      sum += v * v;
    }
    this.norms[row] = Math.sqrt(sum);
    this.lineOfRow[row] = this.line;
    this.tokenColumn[row] = tokenStart - this.lineStart;
    // Values and separators are ASCII, so bytes after the token are UTF-16 units too.
    this.tailLength[row] = lineEnd - tokenEnd;
    const length = tokenEnd - tokenStart;
    if (this.tokenLength + length + 1 > this.tokenBytes.length) {
      const grown = new Uint8Array(Math.max(this.tokenBytes.length * 2, this.tokenLength + length + 1));
      grown.set(this.tokenBytes.subarray(0, this.tokenLength));
      this.tokenBytes = grown;
    }
    this.tokenBytes.set(this.bytes.subarray(tokenStart, tokenEnd), this.tokenLength);
    this.tokenLength += length;
    this.tokenBytes[this.tokenLength++] = 0x0a;
    if (spaced) this.spacedRows.push(row);
    this.rowCount = row + 1;
  }

  private grow(): void {
    const capacity = Math.max(1024, Math.ceil(this.capacity * 1.5));
    const dim = Math.max(1, this.dim);
    const vectors = new Float32Array(capacity * dim);
    vectors.set(this.vectors.subarray(0, this.rowCount * this.dim));
    this.vectors = vectors;
    this.inTarget = false;
    const grow32 = <T extends Float32Array | Int32Array>(array: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(array.subarray(0, this.rowCount) as never);
      return next;
    };
    this.norms = grow32(this.norms, (n) => new Float32Array(n));
    this.lineOfRow = grow32(this.lineOfRow, (n) => new Int32Array(n));
    this.tokenColumn = grow32(this.tokenColumn, (n) => new Int32Array(n));
    this.tailLength = grow32(this.tailLength, (n) => new Int32Array(n));
    this.capacity = capacity;
  }

  private splitFields(start: number, end: number): Field[] {
    const bytes = this.bytes;
    const fields = this.fields;
    fields.length = 0;
    let i = start;
    for (;;) {
      while (i < end && isSeparator(bytes[i]!)) i++;
      if (i === end) return fields;
      const fieldStart = i;
      while (i < end && !isSeparator(bytes[i]!)) i++;
      fields.push({ start: fieldStart, end: i });
    }
  }

  private tokenText(start: number, end: number): string {
    return quoteToken(decodeUtf8(this.bytes, start, end));
  }

  private column(offset: number): number {
    return utf16Length(this.bytes, this.lineStart, offset);
  }

  private problem(code: EmbProblem['code'], start: number, end: number, message: string): void {
    if (this.problems.length >= this.maxProblems) {
      this.problemsOmitted++;
      return;
    }
    const startColumn = this.column(start);
    this.problems.push({
      code,
      severity: 'error',
      range: { line: this.line, startColumn, endColumn: startColumn + utf16Length(this.bytes, start, end) },
      message,
    });
  }
}
