/**
 * Nearest tokens of an embedding set: exact top-k by dot, cosine or scaled dot, word analogies
 * (gensim's most_similar(positive, negative)), and where a value ranks within its dimension.
 *
 * Legend: n tokens in the store, d dims; scores are computed in float64 from float32 rows.
 * cosine(q, x) = q·x / (‖q‖‖x‖) (0 for a zero vector, never NaN); scaled(q, x) = q·x / √d.
 */
import type { Measure } from '../core/types';
import { FloatScan } from './floatScan';
import type { EmbeddingStore } from './store';

/** Below this many values (rows × dims) a plain exact scan is already fast; above it, the SIMD pre-scan. */
export const INDEX_MIN_VALUES = 1 << 18;

const scans = new WeakMap<EmbeddingStore, FloatScan>();

/**
 * Prepares the store's neighbour scan (a sliced generator, as loaders run it: slices.ts runSliced).
 * The scan reads the rows in place (floatScan.ts), so there is nothing to build beyond a handle;
 * the generator stays so that loaders keep one shape for "get ready for the first query".
 */
export function* prepareNeighborIndex(store: EmbeddingStore): Generator<void, void> {
  scanFor(store);
  yield;
}

/** The scan `nearest` uses for this store, if it has one (for memory reports). */
export function neighborIndexOf(store: EmbeddingStore): FloatScan | undefined {
  return scanFor(store);
}

function scanFor(store: EmbeddingStore): FloatScan | undefined {
  if (store.count * store.dim < INDEX_MIN_VALUES) return undefined;
  let scan = scans.get(store);
  if (!scan) {
    scan = FloatScan.of(store);
    if (scan) scans.set(store, scan);
  }
  return scan;
}

export interface Neighbor {
  readonly index: number;
  readonly token: string;
  readonly score: number;
}

/** Top-k rows by `measure` against `query` (shape [d]), best first; ties broken by lower index. */
export function nearest(store: EmbeddingStore, query: Float32Array, k: number, measure: Measure, exclude?: ReadonlySet<number>): Neighbor[] {
  const { count, dim, norms } = store;
  if (query.length !== dim) throw new RangeError(`nearest: the query has ${query.length} values, the embeddings ${dim}`);
  const wanted = Math.max(0, Math.min(Math.floor(k), count));
  if (wanted === 0) return [];
  let queryNorm = 0;
  for (let d = 0; d < dim; d++) queryNorm += query[d]! * query[d]!;
  queryNorm = Math.sqrt(queryNorm);
  // The deck's scaled dot: dot / √d (divided, not multiplied by 1/√d, to match it to the last bit).
  const divisor = measure === 'scaled' ? Math.sqrt(dim) : 1;
  const heap = new TopK(wanted);
  const score = (i: number): number => {
    const row = store.vector(i);
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += query[d]! * row[d]!;
    return finish(i, dot);
  };
  function finish(i: number, dot: number): number {
    if (measure === 'cosine') {
      const denominator = queryNorm * norms[i]!;
      return denominator === 0 ? 0 : dot / denominator;
    }
    return dot / divisor;
  }
  // Big sets: exact scores only for the rows the SIMD pre-scan cannot rule out (floatScan.ts).
  const candidates = scanFor(store)?.candidates(query, wanted, measure, exclude);
  if (candidates) {
    for (let c = 0; c < candidates.length; c++) {
      const i = candidates[c]!;
      if (!exclude?.has(i)) heap.offer(i, score(i));
    }
  } else {
    for (let b = 0, i = 0; b < store.blocks.length; b++) {
      const block = store.blocks[b]!;
      for (let o = 0; o < block.length; o += dim, i++) {
        if (exclude?.has(i)) continue;
        let dot = 0;
        for (let d = 0; d < dim; d++) dot += query[d]! * block[o + d]!;
        heap.offer(i, finish(i, dot));
      }
    }
  }
  return heap.sorted().map(({ index, score }) => ({ index, token: store.token(index), score }));
}

/**
 * a − b + c style questions, as gensim's most_similar(positive, negative): each input row is
 * unit-normalised, the mean of (+unit) and (−unit) vectors is the query, cosine ranks the rest,
 * and the input tokens themselves are excluded. Unknown words throw.
 */
export function analogy(store: EmbeddingStore, positive: readonly string[], negative: readonly string[], k: number): Neighbor[] {
  const dim = store.dim;
  const mean = new Float64Array(dim);
  const exclude = new Set<number>();
  const inputs = [...positive.map((w) => ({ w, sign: 1 })), ...negative.map((w) => ({ w, sign: -1 }))];
  if (inputs.length === 0) throw new RangeError('analogy: give at least one word');
  for (const { w, sign } of inputs) {
    // Sets with subwords (fastText) also answer for words outside the vocabulary, as gensim's do.
    const found = store.vectorFor(w);
    if (!found) throw new RangeError(`analogy: "${w}" is not in the embeddings`);
    if (found.index >= 0) exclude.add(found.index);
    const row = found.vector;
    let norm = found.index >= 0 ? store.norms[found.index]! : 0;
    if (found.index < 0) {
      for (let d = 0; d < dim; d++) norm += row[d]! * row[d]!;
      norm = Math.sqrt(norm);
    }
    if (norm === 0) continue;
    for (let d = 0; d < dim; d++) mean[d]! += (sign * row[d]!) / norm;
  }
  const query = new Float32Array(dim);
  for (let d = 0; d < dim; d++) query[d] = mean[d]! / inputs.length;
  return nearest(store, query, k, 'cosine', exclude);
}

/** Where row `index` ranks in dimension `dim` (1 = largest value), of `count` rows. */
export function rankInDimension(store: EmbeddingStore, dim: number, index: number): { rank: number; of: number } {
  if (dim < 0 || dim >= store.dim) throw new RangeError(`rankInDimension: dimension ${dim} is outside 0..${store.dim - 1}`);
  const value = store.value(index, dim);
  let larger = 0;
  for (const block of store.blocks) for (let o = dim; o < block.length; o += store.dim) if (block[o]! > value) larger++;
  return { rank: larger + 1, of: store.count };
}

/** A bounded min-heap keeping the k best (score desc, index asc). */
class TopK {
  private readonly indices: Int32Array;
  private readonly scores: Float64Array;
  private size = 0;

  constructor(private readonly capacity: number) {
    this.indices = new Int32Array(capacity);
    this.scores = new Float64Array(capacity);
  }

  /** Lowest score kept so far (−∞ until full). */
  get threshold(): number {
    return this.size < this.capacity ? Number.NEGATIVE_INFINITY : this.scores[0]!;
  }

  offer(index: number, score: number): void {
    if (this.size < this.capacity) {
      let at = this.size++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!this.worse(score, index, this.scores[parent]!, this.indices[parent]!)) break;
        this.scores[at] = this.scores[parent]!;
        this.indices[at] = this.indices[parent]!;
        at = parent;
      }
      this.scores[at] = score;
      this.indices[at] = index;
      return;
    }
    if (!this.worse(this.scores[0]!, this.indices[0]!, score, index)) return;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= this.size) break;
      const right = left + 1;
      let child = left;
      if (right < this.size && this.worse(this.scores[right]!, this.indices[right]!, this.scores[left]!, this.indices[left]!)) child = right;
      if (!this.worse(this.scores[child]!, this.indices[child]!, score, index)) break;
      this.scores[at] = this.scores[child]!;
      this.indices[at] = this.indices[child]!;
      at = child;
    }
    this.scores[at] = score;
    this.indices[at] = index;
  }

  sorted(): { index: number; score: number }[] {
    const out: { index: number; score: number }[] = [];
    for (let i = 0; i < this.size; i++) out.push({ index: this.indices[i]!, score: this.scores[i]! });
    return out.sort((a, b) => b.score - a.score || a.index - b.index);
  }

  /** a ranks below b: lower score, or equal score and higher index. */
  private worse(scoreA: number, indexA: number, scoreB: number, indexB: number): boolean {
    return scoreA < scoreB || (scoreA === scoreB && indexA > indexB);
  }
}
