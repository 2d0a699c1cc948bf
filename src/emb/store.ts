/**
 * EmbeddingStore: one embedding set in memory, whatever format it came from.
 *
 * Contract: the rows are float32, row-major, in blocks (rowMemory.ts): block b holds rows
 * [b·rowsPerBlock, min(count, (b+1)·rowsPerBlock)) as one Float32Array of shape [rows, dim];
 * every block but the last holds exactly rowsPerBlock rows. One block is the common case; sets
 * above ROW_BLOCK_BYTES (1 GiB) of floats have several, so no single ArrayBuffer limit applies.
 * Consumers read rows through `vector(i)`, `value(i, d)`, `rows(indices)` or the blocks
 * themselves (`blocks`, `rowsPerBlock`), never through one flat array.
 * `norms[i]` = ‖row i‖₂ (accumulated in float64, stored as float32), and one Vocabulary
 * (vocabulary.ts: the tokens in one string and one open-addressing table) finds a token's row.
 * Memory: the float32 rows + count norms + the vocabulary (+ the fastText n-gram rows when the set
 * has subwords), within 1.15× the raw float32 size with the neighbour index (floatScan.ts reads
 * the rows in place); `byteLength` adds them up and the benchmarks print it against count·dim·4.
 * Lookup is exact first, then case-insensitive (the first row in file order whose lower-case form
 * matches), so "Apple" finds "apple" in a lower-case GloVe vocabulary and vice versa. Sets with
 * subword information (fastText .bin) also give vectors for words they do not contain
 * (`vectorFor`).
 */
import { matrix } from '../core/linalg';
import type { Matrix } from '../core/types';
import { Vocabulary } from './vocabulary';

/** Vectors for words outside the vocabulary, built from pieces of them (formats/fasttext/subwords.ts). */
export interface SubwordVectors {
  /** The word's vector (shape [dim]), or undefined when no piece of it has a vector. */
  vectorOf(word: string): Float32Array | undefined;
  readonly byteLength: number;
}

/** A word's vector: its row, or one built from its subwords (index −1). */
export interface WordVector {
  readonly vector: Float32Array;
  /** The row, or −1 when the vector was built from subwords. */
  readonly index: number;
  readonly fromSubwords: boolean;
}

export interface EmbeddingStoreInit {
  readonly name: string;
  readonly dim: number;
  /** The tokens, row by row: a vocabulary (the parser builds one) or a list (the first of equal tokens wins). */
  readonly tokens: Vocabulary | readonly string[];
  /**
   * The rows: one array of shape [count, dim] (it may be a view on a larger buffer: only the
   * first count·dim values are used), or blocks of `rowsPerBlock` rows each (the last may hold
   * more than it needs; only the rows up to count are used).
   */
  readonly vectors: Float32Array | readonly Float32Array[];
  /** Rows in each block when `vectors` is a list of blocks. */
  readonly rowsPerBlock?: number;
  /** Precomputed ‖row‖₂; computed here when absent. */
  readonly norms?: Float32Array;
  readonly dimNames?: readonly string[];
  readonly subwords?: SubwordVectors;
}

export class EmbeddingStore {
  readonly name: string;
  readonly dim: number;
  readonly count: number;
  readonly vocabulary: Vocabulary;
  readonly dimNames: readonly string[] | undefined;
  /** The rows, in blocks of rowsPerBlock rows (see the file comment). */
  readonly blocks: readonly Float32Array[];
  readonly rowsPerBlock: number;
  readonly norms: Float32Array;
  readonly subwords: SubwordVectors | undefined;

  constructor(init: EmbeddingStoreInit) {
    const vocabulary = init.tokens instanceof Vocabulary ? init.tokens : Vocabulary.fromTokens(init.tokens);
    if (!(init.tokens instanceof Vocabulary) && vocabulary.count !== init.tokens.length) {
      throw new RangeError(`EmbeddingStore: the tokens repeat (${init.tokens.length} given, ${vocabulary.count} distinct); one row per token`);
    }
    const count = vocabulary.count;
    const dim = init.dim;
    if (!Number.isInteger(dim) || dim < 0) throw new RangeError(`EmbeddingStore: dim must be a whole number ≥ 0, got ${dim}`);
    if (init.dimNames !== undefined && init.dimNames.length !== dim) {
      throw new RangeError(`EmbeddingStore: ${init.dimNames.length} dimension names for ${dim} dimensions`);
    }
    const given = init.vectors instanceof Float32Array ? [init.vectors] : init.vectors;
    const per = init.vectors instanceof Float32Array ? Math.max(1, count) : (init.rowsPerBlock ?? Math.max(1, count));
    if (!Number.isInteger(per) || per < 1) throw new RangeError(`EmbeddingStore: rowsPerBlock must be a whole number ≥ 1, got ${per}`);
    const blocks: Float32Array[] = [];
    for (let b = 0, start = 0; start < count || b === 0; b++, start += per) {
      const rows = Math.min(per, count - start);
      const block = given[b];
      if (block === undefined || block.length < rows * dim) {
        throw new RangeError(`EmbeddingStore: ${count} tokens × ${dim} dims need ${count * dim} values, got ${given.reduce((n, v) => n + v.length, 0)}`);
      }
      blocks.push(block.length === rows * dim ? block : block.subarray(0, rows * dim));
      if (count === 0) break;
    }
    this.name = init.name;
    this.dim = dim;
    this.count = count;
    this.vocabulary = vocabulary;
    this.dimNames = init.dimNames;
    this.blocks = blocks;
    this.rowsPerBlock = per;
    this.norms = init.norms ?? computeBlockNorms(blocks, dim);
    this.subwords = init.subwords;
    if (this.norms.length !== count) throw new RangeError(`EmbeddingStore: ${this.norms.length} norms for ${count} tokens`);
  }

  /** The token of row i. */
  token(i: number): string {
    return this.vocabulary.token(i);
  }

  /** Row of exactly this token, or −1. */
  indexOf(token: string): number {
    return this.vocabulary.indexOf(token);
  }

  /** Row of this token: exact match, else its lower-case form, else any case variant (first in file order); −1 when absent. */
  lookup(token: string): number {
    return this.vocabulary.lookup(token);
  }

  /**
   * The vector of a word: its row (lookup's rules), else — for sets with subwords — one built
   * from its pieces; undefined when neither exists.
   */
  vectorFor(word: string): WordVector | undefined {
    const index = this.lookup(word);
    if (index >= 0) return { vector: this.vector(index), index, fromSubwords: false };
    const built = this.subwords?.vectorOf(word);
    return built ? { vector: built, index: -1, fromSubwords: true } : undefined;
  }

  /** Row i as a view (no copy). Shape [dim]. */
  vector(i: number): Float32Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new RangeError(`EmbeddingStore.vector: row ${i} is outside 0..${this.count - 1}`);
    const b = Math.floor(i / this.rowsPerBlock);
    const o = (i - b * this.rowsPerBlock) * this.dim;
    return this.blocks[b]!.subarray(o, o + this.dim);
  }

  /** Value d of row i. */
  value(i: number, d: number): number {
    const b = Math.floor(i / this.rowsPerBlock);
    return this.blocks[b]![(i - b * this.rowsPerBlock) * this.dim + d]!;
  }

  /** The given rows copied into one matrix. Shape [indices.length, dim]. */
  rows(indices: readonly number[]): Matrix {
    const dim = this.dim;
    const out = new Float32Array(indices.length * dim);
    indices.forEach((row, r) => out.set(this.vector(row), r * dim));
    return matrix(indices.length, dim, out);
  }

  /**
   * Bytes this store holds: the whole buffers under the rows (a buffer may be a little larger
   * than its rows: the parser sizes it from an estimate, the scan kernel keeps scratch after
   * them), the norms, the vocabulary and the subword rows.
   */
  get byteLength(): number {
    const buffers = new Set<ArrayBufferLike>(this.blocks.map((b) => b.buffer));
    let rows = 0;
    for (const buffer of buffers) rows += buffer.byteLength;
    return rows + this.norms.byteLength + this.vocabulary.byteLength + (this.subwords?.byteLength ?? 0);
  }
}

/** ‖row‖₂ of each row, accumulated in float64. Shape [count]. */
export function computeNorms(vectors: Float32Array, count: number, dim: number): Float32Array {
  const norms = new Float32Array(count);
  normsInto(norms, 0, vectors, count, dim);
  return norms;
}

/** ‖row‖₂ of `count` rows of `vectors` into norms[at, at + count), accumulated in float64. */
export function normsInto(norms: Float32Array, at: number, vectors: Float32Array, count: number, dim: number): void {
  for (let i = 0, o = 0; i < count; i++, o += dim) {
    let sum = 0;
    for (let d = 0; d < dim; d++) {
      const v = vectors[o + d]!;
      sum += v * v;
    }
    norms[at + i] = Math.sqrt(sum);
  }
}

function computeBlockNorms(blocks: readonly Float32Array[], dim: number): Float32Array {
  const count = dim === 0 ? 0 : blocks.reduce((n, b) => n + b.length / dim, 0);
  const norms = new Float32Array(count);
  let at = 0;
  for (const block of blocks) {
    const rows = dim === 0 ? 0 : block.length / dim;
    normsInto(norms, at, block, rows, dim);
    at += rows;
  }
  return norms;
}

/**
 * Every row copied into one array of shape [count, dim] (tests, comparisons, small exports). One
 * array: it throws above the engine's typed-array limit, where the blocks are the only way.
 */
export function copyAllRows(store: EmbeddingStore): Float32Array {
  const out = new Float32Array(store.count * store.dim);
  let at = 0;
  for (const block of store.blocks) {
    out.set(block, at);
    at += block.length;
  }
  return out;
}
