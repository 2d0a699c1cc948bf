/**
 * The Embedding Explorer's questions over one loaded embedding set: the token list's rows (file
 * order or a search), a word's vector, its neighbours, analogies, Compare Words and the 2-D map.
 * Pure (no `vscode`): it runs inside the Explorer's worker thread (worker.ts), and in-process
 * where there is no worker bundle (unit tests run from sources).
 *
 * Every number comes from src/core (similarity, workedArithmetic, principalComponents) and src/emb
 * (nearest, analogy, Vocabulary.search); UMAP is umap-js, seeded with the core's mulberry32 so the
 * same tokens give the same map on every run.
 *
 * Legend: n tokens in the set, d dims, k neighbours asked for, m points on the map.
 * Costs: rows O(rows asked) (a search O(n) once per query, then sliced); a word's vector O(d);
 * neighbours O(n·d) (the int8 pre-scan of scanIndex.ts above 2^18 values); the map O(m·d) to
 * gather plus PCA's block products or UMAP's neighbour graph and epochs (sliced: see `sliced`).
 */
import { principalComponents, similarity, uniform01, workedArithmetic, type Measure } from '../../core';
import { nearest } from '../../emb/neighbors';
import type { EmbeddingStore } from '../../emb/store';
import type { ParsedEmb } from '../../emb/types';
import {
  EXPLORER_LIMITS,
  type AnalogyMessage,
  type CompareMessage,
  type ExplorerSummary,
  type MapMessage,
  type MapMethod,
  type MapSource,
  type NeighbourRow,
  type NeighboursMessage,
  type RowsMessage,
  type TokenMessage,
  type VectorOrigin,
} from '../../shared/explorerProtocol';
import { assertNever } from '../../shared/protocol';
import { displayToken, formatCount } from '../emb/display';
import { dimensionNames, nearestToIndex, wordAnalogy } from '../emb/wordQueries';

/** What a loader hands the engine: the store and what it learnt about the file. */
export interface LoadedEmbeddings {
  readonly store: EmbeddingStore;
  /** "GloVe text", "word2vec text", "word2vec binary", "fastText .bin", … */
  readonly format: string;
  readonly problems: number;
  /** The first few problems, as "line 12: …" / "byte 4096: …" sentences. */
  readonly problemLines: readonly string[];
  /** A vector built from character n-grams for a word that has no row (fastText .bin only). */
  readonly subwordVector?: (word: string) => Float32Array | undefined;
  /** The whole parse, when the loader had one: "Use as Active Set" hands it to the host (storeTransfer.ts). */
  readonly parsed?: ParsedEmb;
}

/** The UMAP seed: fixed, so a map is repeatable (the note under the map says it). */
export const UMAP_SEED = 42;
/** UMAP's neighbours per point (umap-learn's default). */
const UMAP_NEIGHBOURS = 15;
/** Optimisation epochs: umap-learn's count for big inputs (it takes 500 below 10,000 points; 200 costs 2.5× less, and the map waits for it). */
const UMAP_EPOCHS = 200;

/** The answers, without the `type` and `requestId` that the host adds when it posts them. */
type Answer<M> = Omit<M, 'type' | 'requestId'>;
export type RowsAnswer = Answer<RowsMessage>;
export type TokenAnswer = Answer<TokenMessage>;
export type NeighboursAnswer = Answer<NeighboursMessage>;
export type AnalogyAnswer = Answer<AnalogyMessage>;
export type CompareAnswer = Answer<CompareMessage>;
export type MapAnswer = Answer<MapMessage>;

export type EngineQuery =
  | { readonly kind: 'rows'; readonly query: string; readonly start: number; readonly count: number }
  | { readonly kind: 'token'; readonly word: string }
  | { readonly kind: 'neighbours'; readonly word: string; readonly measure: Measure; readonly k: number }
  | { readonly kind: 'analogy'; readonly a: string; readonly b: string; readonly c: string; readonly k: number }
  | { readonly kind: 'compare'; readonly a: string; readonly b: string }
  | { readonly kind: 'map'; readonly method: MapMethod; readonly source: MapSource };
export type EngineQueryKind = EngineQuery['kind'];

export interface EngineAnswers {
  readonly rows: RowsAnswer;
  readonly token: TokenAnswer;
  readonly neighbours: NeighboursAnswer;
  readonly analogy: AnalogyAnswer;
  readonly compare: CompareAnswer;
  readonly map: MapAnswer;
}
export type EngineAnswer = EngineAnswers[EngineQueryKind];

/** A question the set cannot answer (an unknown word, too few points): its message is for the user. */
export class ExplorerQueryError extends Error {
  override readonly name = 'ExplorerQueryError';
}

/** A word found in the set: its row, or a vector from subwords. */
interface ResolvedWord {
  readonly index: number;
  readonly token: string;
  readonly vector: Float32Array;
  readonly origin: VectorOrigin;
}

export class ExplorerEngine {
  readonly store: EmbeddingStore;
  private search: { readonly query: string; readonly matches: readonly number[]; readonly capped: boolean } | undefined;
  /** Bumped by every map request: an older UMAP still running stops at its next slice. */
  private mapGeneration = 0;

  /** The parse behind this engine (undefined for sets made by hand in tests). */
  get parsed(): ParsedEmb | undefined {
    return this.loaded.parsed;
  }

  constructor(
    private readonly loaded: LoadedEmbeddings,
    /** Names the set in messages ("glove.6B.100d.txt"). */
    private readonly label: string,
  ) {
    this.store = loaded.store;
  }

  summary(bytes: number, loadMs: number): ExplorerSummary {
    const { store } = this;
    return {
      name: this.label,
      count: store.count,
      dim: store.dim,
      dimNames: dimensionNames(store),
      named: store.dimNames !== undefined,
      format: this.loaded.format,
      subwords: this.loaded.subwordVector !== undefined,
      problems: this.loaded.problems,
      problemLines: this.loaded.problemLines.slice(0, 16).map((line) => line.slice(0, EXPLORER_LIMITS.maxText)),
      bytes,
      loadMs,
    };
  }

  /** Dispatches one query (the worker's and the in-process client's single entry). */
  async answer(query: EngineQuery): Promise<EngineAnswer> {
    switch (query.kind) {
      case 'rows':
        return this.rows(query.query, query.start, query.count);
      case 'token':
        return this.token(query.word);
      case 'neighbours':
        return this.neighbours(query.word, query.measure, query.k);
      case 'analogy':
        return this.analogy(query.a, query.b, query.c, query.k);
      case 'compare':
        return this.compare(query.a, query.b);
      case 'map':
        return this.map(query.method, query.source);
      default:
        return assertNever(query, 'explorer query');
    }
  }

  /**
   * Rows [start, start + count) of the list: file order for an empty query, else the vocabulary's
   * search (exact word, then prefixes, then substrings; at most maxMatches, kept for the next
   * slice of the same query, so scrolling a search result never searches again).
   */
  rows(query: string, start: number, count: number): RowsAnswer {
    const { store } = this;
    const wanted = Math.max(0, Math.min(Math.floor(count), EXPLORER_LIMITS.maxRows));
    const trimmed = query.trim();
    let total: number;
    let capped = false;
    let rowAt: (i: number) => number;
    if (trimmed.length === 0) {
      total = store.count;
      rowAt = (i) => i;
    } else {
      if (this.search?.query !== trimmed) {
        const found = store.vocabulary.search(trimmed, EXPLORER_LIMITS.maxMatches + 1);
        this.search = { query: trimmed, matches: found.slice(0, EXPLORER_LIMITS.maxMatches), capped: found.length > EXPLORER_LIMITS.maxMatches };
      }
      const matches = this.search.matches;
      total = matches.length;
      capped = this.search.capped;
      rowAt = (i) => matches[i]!;
    }
    const first = Math.max(0, Math.min(Math.floor(start), total));
    const end = Math.min(total, first + wanted);
    const indices: number[] = [];
    const tokens: string[] = [];
    for (let i = first; i < end; i++) {
      const row = rowAt(i);
      indices.push(row);
      tokens.push(clip(store.token(row)));
    }
    const oov = trimmed.length > 0 && this.loaded.subwordVector !== undefined && store.lookup(trimmed) < 0 && this.loaded.subwordVector(trimmed) ? clip(trimmed) : undefined;
    return { query, start: first, total, capped, indices, tokens, oov };
  }

  token(word: string): TokenAnswer {
    const found = this.resolve(word);
    let squares = 0;
    for (let d = 0; d < found.vector.length; d++) squares += found.vector[d]! * found.vector[d]!;
    return { index: found.index, token: clip(found.token), origin: found.origin, vector: copyFloats(found.vector), norm: Math.sqrt(squares) };
  }

  neighbours(word: string, measure: Measure, k: number): NeighboursAnswer {
    const started = performance.now();
    const found = this.resolve(word);
    const wanted = Math.max(1, Math.min(Math.floor(k), EXPLORER_LIMITS.maxNeighbours));
    let rows: NeighbourRow[];
    if (found.index >= 0) {
      rows = nearestToIndex(this.store, found.index, wanted, measure).map((n) => ({ index: n.index, token: clip(n.token), cosine: n.cosine, dot: n.dot, scaled: n.scaled }));
    } else {
      rows = nearest(this.store, found.vector, wanted, measure).map((n) => {
        const s = similarity(found.vector, this.store.vector(n.index));
        return { index: n.index, token: clip(n.token), cosine: s.cosine, dot: s.dot, scaled: s.scaled };
      });
    }
    return { word: clip(found.token), origin: found.origin, measure, neighbours: rows, ms: performance.now() - started };
  }

  analogy(a: string, b: string, c: string, k: number): AnalogyAnswer {
    for (const w of [a, b, c]) this.requireRow(w);
    const result = wordAnalogy(this.store, this.label, a, b, c, Math.max(1, Math.min(Math.floor(k), EXPLORER_LIMITS.maxNeighbours)));
    return {
      a: clip(result.positive[0]!),
      b: clip(result.negative[0]!),
      c: clip(result.positive[1]!),
      answers: result.neighbors.map((n) => ({ index: n.index, token: clip(n.token), score: n.score })),
    };
  }

  compare(a: string, b: string): CompareAnswer {
    const wa = this.resolve(a);
    const wb = this.resolve(b);
    const s = similarity(wa.vector, wb.vector);
    const worked = workedArithmetic(wa.vector, wb.vector);
    return {
      a: clip(wa.token),
      b: clip(wb.token),
      cosine: s.cosine,
      dot: s.dot,
      scaled: s.scaled,
      zeroVector: s.zeroVector,
      worked: { dot: worked.dot, scaled: worked.scaled, cosine: worked.cosine },
    };
  }

  /** The tokens `source` names, projected to 2-D by PCA or UMAP. */
  async map(method: MapMethod, source: MapSource): Promise<MapAnswer> {
    const generation = ++this.mapGeneration;
    const started = performance.now();
    const limit = method === 'umap' ? EXPLORER_LIMITS.maxMapPointsUmap : EXPLORER_LIMITS.maxMapPointsPca;
    const indices = this.mapIndices(source, Math.max(1, Math.min(Math.floor(source.count), limit)));
    const m = indices.length;
    if (m < 3) throw new ExplorerQueryError(`The map needs at least 3 tokens; ${describeSource(source)} gives ${m}.`);
    const x = this.store.rows(indices);
    const tokens = indices.map((i) => clip(this.store.token(i)));
    const points = new Float32Array(m * 2);
    let xLabel: string;
    let yLabel: string;
    let note: string;
    if (method === 'pca') {
      const pca = principalComponents(x, 2);
      for (let i = 0; i < m; i++) {
        points[2 * i] = pca.projected.data[2 * i]!;
        points[2 * i + 1] = pca.projected.data[2 * i + 1]!;
      }
      const [r1 = 0, r2 = 0] = pca.explainedVarianceRatio;
      xLabel = `PC1 (${percent(r1)})`;
      yLabel = `PC2 (${percent(r2)})`;
      note = `${formatCount(m)} tokens (${describeSource(source)}) by PCA: the two directions of largest variance keep ${percent(r1 + r2)} of it.`;
    } else {
      const embedding = await this.umap(x.data, m, x.cols, generation);
      for (let i = 0; i < m; i++) {
        points[2 * i] = embedding[i]![0]!;
        points[2 * i + 1] = embedding[i]![1]!;
      }
      xLabel = 'UMAP 1';
      yLabel = 'UMAP 2';
      note = `${formatCount(m)} tokens (${describeSource(source)}) by UMAP (umap-js, cosine distance, ${Math.min(UMAP_NEIGHBOURS, m - 1)} neighbours, seed ${UMAP_SEED}): near points were near in ${this.store.dim} dimensions; distances between clusters mean little.`;
    }
    return { method, indices, tokens, points: points.buffer, xLabel, yLabel, note, ms: performance.now() - started };
  }

  /** Rows of the map's tokens, in order, without repeats. */
  private mapIndices(source: MapSource, count: number): number[] {
    switch (source.kind) {
      case 'first':
        return Array.from({ length: Math.min(count, this.store.count) }, (_, i) => i);
      case 'search':
        return this.store.vocabulary.search(source.query, count);
      case 'neighbourhood': {
        const centre = this.requireRow(source.word);
        return [centre, ...nearest(this.store, this.store.vector(centre), count - 1, 'cosine', new Set([centre])).map((n) => n.index)];
      }
      default:
        return assertNever(source, 'map source');
    }
  }

  /**
   * UMAP of m rows [m, d], 2 components, cosine distance, seeded. Runs in slices of about 20 ms
   * (a task each), so rows and neighbour requests that arrive meanwhile are answered between them;
   * a newer map request stops this one.
   */
  private async umap(data: Float32Array, m: number, d: number, generation: number): Promise<number[][]> {
    const { UMAP } = await import('umap-js');
    const vectors: number[][] = Array.from({ length: m }, (_, i) => Array.from(data.subarray(i * d, (i + 1) * d)));
    const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(UMAP_NEIGHBOURS, m - 1), minDist: 0.1, nEpochs: UMAP_EPOCHS, random: uniform01(UMAP_SEED), distanceFn: cosineDistance });
    const epochs = umap.initializeFit(vectors);
    let slice = performance.now();
    for (let epoch = 0; epoch < epochs; epoch++) {
      umap.step();
      if (performance.now() - slice > 20) {
        await new Promise((resolve) => setImmediate(resolve));
        if (generation !== this.mapGeneration) throw new ExplorerQueryError('superseded by a newer map');
        slice = performance.now();
      }
    }
    return umap.getEmbedding();
  }

  /** A word's row (exact, then case-insensitive), or its vector from subwords, or a clear error. */
  private resolve(word: string): ResolvedWord {
    const { store } = this;
    const index = store.lookup(word);
    if (index >= 0) return { index, token: store.token(index), vector: store.vector(index), origin: 'row' };
    const built = this.loaded.subwordVector?.(word);
    if (built !== undefined && built.length === store.dim) return { index: -1, token: word, vector: built, origin: 'subwords' };
    throw this.unknown(word);
  }

  /** A word that must have a row of its own (analogies and neighbourhoods rank rows). */
  private requireRow(word: string): number {
    const index = this.store.lookup(word);
    if (index < 0) throw this.unknown(word);
    return index;
  }

  private unknown(word: string): ExplorerQueryError {
    const subwords = this.loaded.subwordVector ? ' and has no character n-grams in it' : '';
    return new ExplorerQueryError(`"${displayToken(word)}" is not in ${this.label} (${formatCount(this.store.count)} words)${subwords}.`);
  }
}

/** 1 − cosine, 1 for a zero vector (UMAP needs a distance, never NaN). */
function cosineDistance(a: number[], b: number[]): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  const denominator = Math.sqrt(aa * bb);
  return denominator === 0 ? 1 : Math.max(0, 1 - dot / denominator);
}

function describeSource(source: MapSource): string {
  switch (source.kind) {
    case 'first':
      return 'the first in file order';
    case 'search':
      return `matching "${displayToken(source.query, 32)}"`;
    case 'neighbourhood':
      return `"${displayToken(source.word, 32)}" and its nearest by cosine`;
    default:
      return assertNever(source, 'map source');
  }
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

/** Tokens past the protocol's limit are cut (displayToken would cut them for display anyway). */
function clip(token: string): string {
  return token.length > EXPLORER_LIMITS.maxText ? token.slice(0, EXPLORER_LIMITS.maxText) : token;
}

/** A vector copied into an ArrayBuffer of its own (a view would drag the whole store along). */
function copyFloats(values: Float32Array): ArrayBuffer {
  const out = new Float32Array(values.length);
  out.set(values);
  return out.buffer;
}
