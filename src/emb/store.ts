/**
 * EmbeddingStore: one embedding set in memory.
 *
 * Contract: `vectors` is one row-major Float32Array of shape [count, dim] (row i = token i),
 * `norms[i]` = ‖row i‖₂ (accumulated in float64, stored as float32), and one Vocabulary
 * (vocabulary.ts: the tokens in one string and one open-addressing table) finds a token's row.
 * Memory: the float32 rows + count norms + the vocabulary, within 1.2× the raw float32 size at
 * GloVe scale (`byteLength` adds them up; the benchmark prints it against count·dim·4).
 * Lookup is exact first, then case-insensitive (the first row in file order whose lower-case form
 * matches), so "Apple" finds "apple" in a lower-case GloVe vocabulary and vice versa.
 */
import { matrix } from '../core/linalg';
import type { Matrix } from '../core/types';
import { Vocabulary } from './vocabulary';

export interface EmbeddingStoreInit {
  readonly name: string;
  readonly dim: number;
  /** The tokens, row by row: a vocabulary (the parser builds one) or a list (the first of equal tokens wins). */
  readonly tokens: Vocabulary | readonly string[];
  /** [count, dim]; may be a view on a larger buffer (only the first count·dim values are used). */
  readonly vectors: Float32Array;
  /** Precomputed ‖row‖₂; computed here when absent. */
  readonly norms?: Float32Array;
  readonly dimNames?: readonly string[];
}

export class EmbeddingStore {
  readonly name: string;
  readonly dim: number;
  readonly count: number;
  readonly vocabulary: Vocabulary;
  readonly dimNames: readonly string[] | undefined;
  readonly vectors: Float32Array;
  readonly norms: Float32Array;

  constructor(init: EmbeddingStoreInit) {
    const vocabulary = init.tokens instanceof Vocabulary ? init.tokens : Vocabulary.fromTokens(init.tokens);
    if (!(init.tokens instanceof Vocabulary) && vocabulary.count !== init.tokens.length) {
      throw new RangeError(`EmbeddingStore: the tokens repeat (${init.tokens.length} given, ${vocabulary.count} distinct); one row per token`);
    }
    const count = vocabulary.count;
    if (!Number.isInteger(init.dim) || init.dim < 0) throw new RangeError(`EmbeddingStore: dim must be a whole number ≥ 0, got ${init.dim}`);
    if (init.vectors.length < count * init.dim) {
      throw new RangeError(`EmbeddingStore: ${count} tokens × ${init.dim} dims need ${count * init.dim} values, got ${init.vectors.length}`);
    }
    if (init.dimNames !== undefined && init.dimNames.length !== init.dim) {
      throw new RangeError(`EmbeddingStore: ${init.dimNames.length} dimension names for ${init.dim} dimensions`);
    }
    this.name = init.name;
    this.dim = init.dim;
    this.count = count;
    this.vocabulary = vocabulary;
    this.dimNames = init.dimNames;
    this.vectors = init.vectors.length === count * init.dim ? init.vectors : init.vectors.subarray(0, count * init.dim);
    this.norms = init.norms ?? computeNorms(this.vectors, count, init.dim);
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

  /** Row i as a view (no copy). Shape [dim]. */
  vector(i: number): Float32Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new RangeError(`EmbeddingStore.vector: row ${i} is outside 0..${this.count - 1}`);
    return this.vectors.subarray(i * this.dim, (i + 1) * this.dim);
  }

  /** The given rows copied into one matrix. Shape [indices.length, dim]. */
  rows(indices: readonly number[]): Matrix {
    const dim = this.dim;
    const out = new Float32Array(indices.length * dim);
    indices.forEach((row, r) => out.set(this.vector(row), r * dim));
    return matrix(indices.length, dim, out);
  }

  /**
   * Bytes this store holds: the whole buffer under the rows (it may be a little larger than the
   * rows when the parser sized it from an estimate), the norms and the vocabulary.
   */
  get byteLength(): number {
    return this.vectors.buffer.byteLength + this.norms.byteLength + this.vocabulary.byteLength;
  }
}

/** ‖row‖₂ of each row, accumulated in float64. Shape [count]. */
export function computeNorms(vectors: Float32Array, count: number, dim: number): Float32Array {
  const norms = new Float32Array(count);
  for (let i = 0, o = 0; i < count; i++, o += dim) {
    let sum = 0;
    for (let d = 0; d < dim; d++) {
      const v = vectors[o + d]!;
      sum += v * v;
    }
    norms[i] = Math.sqrt(sum);
  }
  return norms;
}
