/**
 * Nearest tokens of an embedding set: exact top-k by dot, cosine or scaled dot, word analogies
 * (gensim's most_similar(positive, negative)), and where a value ranks within its dimension.
 *
 * Legend: n tokens in the store, d dims; scores are computed in float64 from float32 rows.
 * cosine(q, x) = q·x / (‖q‖‖x‖) (0 for a zero vector, never NaN); scaled(q, x) = q·x / √d.
 */
import type { Measure } from '../core/types';
import { ScanIndex, scanKernelSupported } from './scanIndex';
import type { EmbeddingStore } from './store';

/** Below this many values (rows × dims) a plain exact scan is already fast; above it, the int8 pre-scan. */
export const INDEX_MIN_VALUES = 1 << 18;

const indexes = new WeakMap<EmbeddingStore, ScanIndex>();

/**
 * Builds the store's neighbour index in small steps (iterate to the end; each step is well under a
 * millisecond, and a time-budgeted runner such as slices.ts runSliced decides when to pause), so a
 * loader can prepare it without blocking. `nearest` builds it on first use otherwise.
 */
export function* prepareNeighborIndex(store: EmbeddingStore): Generator<void, void> {
  if (indexes.has(store) || store.count * store.dim < INDEX_MIN_VALUES || !scanKernelSupported()) return;
  const index = yield* ScanIndex.buildSteps(store.vectors, store.norms, store.count, store.dim);
  indexes.set(store, index);
}

/** The index `nearest` uses for this store, if it has one (for memory reports). */
export function neighborIndexOf(store: EmbeddingStore): ScanIndex | undefined {
  return indexes.get(store);
}

function indexFor(store: EmbeddingStore): ScanIndex | undefined {
  if (store.count * store.dim < INDEX_MIN_VALUES || !scanKernelSupported()) return undefined;
  let index = indexes.get(store);
  if (!index) {
    index = ScanIndex.build(store.vectors, store.norms, store.count, store.dim);
    indexes.set(store, index);
  }
  return index;
}

export interface Neighbor {
  readonly index: number;
  readonly token: string;
  readonly score: number;
}

/** Top-k rows by `measure` against `query` (shape [d]), best first; ties broken by lower index. */
export function nearest(store: EmbeddingStore, query: Float32Array, k: number, measure: Measure, exclude?: ReadonlySet<number>): Neighbor[] {
  const { count, dim, vectors, norms } = store;
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
    const o = i * dim;
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += query[d]! * vectors[o + d]!;
    if (measure === 'cosine') {
      const denominator = queryNorm * norms[i]!;
      return denominator === 0 ? 0 : dot / denominator;
    }
    return dot / divisor;
  };
  // Big sets: exact scores only for the rows the int8 pre-scan cannot rule out (scanIndex.ts).
  const candidates = indexFor(store)?.candidates(query, wanted, measure, exclude);
  if (candidates) {
    for (let c = 0; c < candidates.length; c++) {
      const i = candidates[c]!;
      if (!exclude?.has(i)) heap.offer(i, score(i));
    }
  } else {
    for (let i = 0; i < count; i++) {
      if (exclude?.has(i)) continue;
      heap.offer(i, score(i));
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
    const index = store.lookup(w);
    if (index < 0) throw new RangeError(`analogy: "${w}" is not in the embeddings`);
    exclude.add(index);
    const norm = store.norms[index]!;
    if (norm === 0) continue;
    const row = store.vector(index);
    for (let d = 0; d < dim; d++) mean[d]! += (sign * row[d]!) / norm;
  }
  const query = new Float32Array(dim);
  for (let d = 0; d < dim; d++) query[d] = mean[d]! / inputs.length;
  return nearest(store, query, k, 'cosine', exclude);
}

/** Where row `index` ranks in dimension `dim` (1 = largest value), of `count` rows. */
export function rankInDimension(store: EmbeddingStore, dim: number, index: number): { rank: number; of: number } {
  if (dim < 0 || dim >= store.dim) throw new RangeError(`rankInDimension: dimension ${dim} is outside 0..${store.dim - 1}`);
  const value = store.vectors[index * store.dim + dim]!;
  let larger = 0;
  for (let i = 0, o = dim; i < store.count; i++, o += store.dim) if (store.vectors[o]! > value) larger++;
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
