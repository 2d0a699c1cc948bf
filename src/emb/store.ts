/**
 * EmbeddingStore: one embedding set in memory.
 *
 * Contract: `vectors` is one row-major Float32Array of shape [count, dim] (row i = token i),
 * `norms[i]` = ‖row i‖₂ (accumulated in float64, stored as float32), and one Map finds a token's
 * row. Memory: the float32 rows + count norms (+ the vocabulary), within 1.2× the raw float32 size.
 * Lookup is exact first, then case-insensitive (the first row in file order whose lower-case form
 * matches), so "Apple" finds "apple" in a lower-case GloVe vocabulary and vice versa.
 */
import { matrix } from '../core/linalg';
import type { Matrix } from '../core/types';

export interface EmbeddingStoreInit {
  readonly name: string;
  readonly dim: number;
  readonly tokens: readonly string[];
  /** [count, dim]; may be a view on a larger buffer (only the first count·dim values are used). */
  readonly vectors: Float32Array;
  /** Precomputed ‖row‖₂; computed here when absent. */
  readonly norms?: Float32Array;
  readonly dimNames?: readonly string[];
  /** A token → row map built by the caller (the parser builds it while checking duplicates). */
  readonly index?: Map<string, number>;
}

export class EmbeddingStore {
  readonly name: string;
  readonly dim: number;
  readonly count: number;
  readonly tokens: readonly string[];
  readonly dimNames: readonly string[] | undefined;
  readonly vectors: Float32Array;
  readonly norms: Float32Array;
  private readonly exact: Map<string, number>;
  /** lower-case form → first row whose token differs from its lower-case form; built on first miss. */
  private folded: Map<string, number> | undefined;

  constructor(init: EmbeddingStoreInit) {
    const count = init.tokens.length;
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
    this.tokens = init.tokens;
    this.dimNames = init.dimNames;
    this.vectors = init.vectors.length === count * init.dim ? init.vectors : init.vectors.subarray(0, count * init.dim);
    this.norms = init.norms ?? computeNorms(this.vectors, count, init.dim);
    if (this.norms.length !== count) throw new RangeError(`EmbeddingStore: ${this.norms.length} norms for ${count} tokens`);
    if (init.index) {
      this.exact = init.index;
    } else {
      this.exact = new Map();
      for (let i = 0; i < count; i++) {
        const token = init.tokens[i]!;
        if (!this.exact.has(token)) this.exact.set(token, i);
      }
    }
  }

  /** Row of exactly this token, or −1. */
  indexOf(token: string): number {
    return this.exact.get(token) ?? -1;
  }

  /** Row of this token: exact match, else its lower-case form, else any case variant (first in file order); −1 when absent. */
  lookup(token: string): number {
    const hit = this.exact.get(token);
    if (hit !== undefined) return hit;
    const lower = token.toLowerCase();
    const lowerHit = this.exact.get(lower);
    if (lowerHit !== undefined) return lowerHit;
    return this.foldedIndex().get(lower) ?? -1;
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

  private foldedIndex(): Map<string, number> {
    if (this.folded) return this.folded;
    const folded = new Map<string, number>();
    for (let i = 0; i < this.count; i++) {
      const token = this.tokens[i]!;
      const lower = token.toLowerCase();
      if (lower !== token && !folded.has(lower)) folded.set(lower, i);
    }
    this.folded = folded;
    return folded;
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
