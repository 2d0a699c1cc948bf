/**
 * The word-level questions the commands and hovers ask of one embedding set — compare two words,
 * find the nearest, solve an analogy — as plain result objects. Pure (no `vscode`): every number
 * comes from src/core (similarity, workedArithmetic) and src/emb (nearest, analogy).
 */
import { similarity, workedArithmetic } from '../../core';
import type { Measure } from '../../core';
import { analogy, nearest } from '../../emb/neighbors';
import type { EmbeddingStore } from '../../emb/store';
import { displayToken, formatCount } from './display';

/** A word that is not in the set: said with the set's name and size. */
export class UnknownWordError extends Error {
  override readonly name = 'UnknownWordError';
  constructor(
    readonly word: string,
    setLabel: string,
    count: number,
  ) {
    super(`"${displayToken(word)}" is not in ${setLabel} (${formatCount(count)} words)`);
  }
}

/** The three measures of one pair of vectors, side by side. */
export interface PairScores {
  readonly cosine: number;
  readonly dot: number;
  readonly scaled: number;
  /** One of the two vectors is all zeros: cosine is reported as 0 rather than NaN. */
  readonly zeroVector: boolean;
}

export interface ScoredWord extends PairScores {
  readonly index: number;
  readonly token: string;
}

export interface CompareResult extends PairScores {
  readonly kind: 'compare';
  readonly set: string;
  readonly a: ScoredWordRef;
  readonly b: ScoredWordRef;
  readonly dim: number;
  /** The deck's worked arithmetic per measure, e.g. dot `1·0 + 4·3 = 12`, scaled `12/√2 = 8.49`. */
  readonly worked: { readonly dot: string; readonly scaled: string; readonly cosine: string };
  /** Per-dimension values of both words (name, a, b), for the side-by-side table. */
  readonly dims: readonly { readonly name: string; readonly a: number; readonly b: number }[];
}

export interface ScoredWordRef {
  /** The word's row, or −1 when its vector was built from subwords (fastText, `fromSubwords`). */
  readonly index: number;
  readonly token: string;
  /** The set has no row for the word; its vector was built from character n-grams (fastText .bin). */
  readonly fromSubwords?: boolean;
}

/** A word with its vector: its row, or (fastText .bin) one built from its subwords. */
export interface WordWithVector {
  readonly ref: ScoredWordRef;
  readonly vector: Float32Array;
}

export interface NearestResult {
  readonly kind: 'nearest';
  readonly set: string;
  readonly word: ScoredWordRef;
  /** The measure the neighbours are ranked by; every neighbour carries all three. */
  readonly measure: Measure;
  readonly neighbors: readonly ScoredWord[];
}

export interface AnalogyResult {
  readonly kind: 'analogy';
  readonly set: string;
  /** a − b + c: positive [a, c], negative [b], like gensim's most_similar(positive, negative). */
  readonly positive: readonly string[];
  readonly negative: readonly string[];
  /** Best first; `score` is the cosine with the combined, normalised query (gensim's score). */
  readonly neighbors: readonly { readonly index: number; readonly token: string; readonly score: number }[];
}

export type WordQueryResult = CompareResult | NearestResult | AnalogyResult;

/** Index of a word (exact, then case-insensitive), or an UnknownWordError naming the set. */
export function requireWord(store: EmbeddingStore, word: string, setLabel: string): ScoredWordRef {
  const index = store.lookup(word);
  if (index < 0) throw new UnknownWordError(word, setLabel, store.count);
  return { index, token: store.token(index) };
}

/**
 * A word's vector, or an UnknownWordError: its row (exact, then case-insensitive), else — for
 * sets with subword information (fastText .bin) — the vector built from its n-grams.
 */
export function requireVector(store: EmbeddingStore, word: string, setLabel: string): WordWithVector {
  const found = store.vectorFor(word);
  if (!found) throw new UnknownWordError(word, setLabel, store.count);
  const ref: ScoredWordRef = found.fromSubwords ? { index: -1, token: word, fromSubwords: true } : { index: found.index, token: store.token(found.index) };
  return { ref, vector: found.vector };
}

/** cosine, dot and scaled dot of two stored rows. */
export function pairScores(store: EmbeddingStore, i: number, j: number): PairScores {
  return vectorScores(store.vector(i), store.vector(j));
}

function vectorScores(a: Float32Array, b: Float32Array): PairScores {
  const s = similarity(a, b);
  return { cosine: s.cosine, dot: s.dot, scaled: s.scaled, zeroVector: s.zeroVector };
}

export function dimensionNames(store: EmbeddingStore): string[] {
  return Array.from({ length: store.dim }, (_, d) => {
    const name = store.dimNames?.[d];
    return name !== undefined && name.length > 0 ? name : `dim ${d + 1}`;
  });
}

export function compareWords(store: EmbeddingStore, setLabel: string, wordA: string, wordB: string): CompareResult {
  const { ref: a, vector: va } = requireVector(store, wordA, setLabel);
  const { ref: b, vector: vb } = requireVector(store, wordB, setLabel);
  const s = similarity(va, vb);
  const worked = workedArithmetic(va, vb);
  const names = dimensionNames(store);
  return {
    kind: 'compare',
    set: setLabel,
    a,
    b,
    dim: store.dim,
    cosine: s.cosine,
    dot: s.dot,
    scaled: s.scaled,
    zeroVector: s.zeroVector,
    worked: { dot: worked.dot, scaled: worked.scaled, cosine: worked.cosine },
    dims: names.map((name, d) => ({ name, a: va[d] ?? 0, b: vb[d] ?? 0 })),
  };
}

/**
 * The k words nearest to the word at `index` (itself excluded), ranked by `measure`, each with all
 * three measures so they can be read side by side.
 */
export function nearestToIndex(store: EmbeddingStore, index: number, k: number, measure: Measure): ScoredWord[] {
  const found = nearest(store, store.vector(index), k, measure, new Set([index]));
  return found.map((n) => ({ index: n.index, token: n.token, ...pairScores(store, index, n.index) }));
}

export function nearestWords(store: EmbeddingStore, setLabel: string, word: string, k: number, measure: Measure): NearestResult {
  const { ref, vector } = requireVector(store, word, setLabel);
  if (ref.index >= 0) return { kind: 'nearest', set: setLabel, word: ref, measure, neighbors: nearestToIndex(store, ref.index, k, measure) };
  // A word built from subwords has no row to exclude.
  const found = nearest(store, vector, k, measure);
  const neighbors = found.map((n) => ({ index: n.index, token: n.token, ...vectorScores(vector, store.vector(n.index)) }));
  return { kind: 'nearest', set: setLabel, word: ref, measure, neighbors };
}

/** a − b + c, the inputs excluded from the answers. */
export function wordAnalogy(store: EmbeddingStore, setLabel: string, a: string, b: string, c: string, k: number): AnalogyResult {
  const positive = [requireVector(store, a, setLabel).ref.token, requireVector(store, c, setLabel).ref.token];
  const negative = [requireVector(store, b, setLabel).ref.token];
  const found = analogy(store, positive, negative, k);
  return {
    kind: 'analogy',
    set: setLabel,
    positive,
    negative,
    neighbors: found.map((n) => ({ index: n.index, token: n.token, score: n.score })),
  };
}
