/**
 * A deliberately naive reference for what the workbench tests check: the deck's "word math"
 * (cosine / dot / scaled dot, then a softmax over each row), computed here in float64 straight
 * from the .emb text — independent of src/core and src/emb, so the tests do not grade our code
 * with our code. Used by the integration suite and the end-to-end scenarios.
 */

export type Vectors = ReadonlyMap<string, readonly number[]>;

/** Minimal reading of well-formed .emb text: `token v1 … vd` lines; `#` comments; GloVe/word2vec header skipped. */
export function readEmbText(text: string): Vectors {
  const vectors = new Map<string, number[]>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    if (fields.length === 2 && fields.every((f) => /^\d+$/.test(f))) continue; // word2vec "count dim"
    const token = fields[0] as string;
    if (!vectors.has(token)) vectors.set(token, fields.slice(1).map(Number));
  }
  return vectors;
}

/** Exact token first, then case-insensitive (the store's lookup rule); undefined when unknown. */
export function lookup(vectors: Vectors, token: string): readonly number[] | undefined {
  const exact = vectors.get(token);
  if (exact) return exact;
  const lower = token.toLowerCase();
  for (const [key, value] of vectors) if (key.toLowerCase() === lower) return value;
  return undefined;
}

export function dot(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  const norms = Math.sqrt(dot(a, a)) * Math.sqrt(dot(b, b));
  return norms === 0 ? 0 : dot(a, b) / norms;
}

export function scaledDot(a: readonly number[], b: readonly number[]): number {
  return dot(a, b) / Math.sqrt(a.length);
}

export type MeasureName = 'dot' | 'cosine' | 'scaled';

export function score(measure: MeasureName, a: readonly number[], b: readonly number[]): number {
  return measure === 'dot' ? dot(a, b) : measure === 'cosine' ? cosine(a, b) : scaledDot(a, b);
}

/** Lesson attention weights: softmax over each row of the score matrix (Q = K = the embeddings). */
export function lessonWeights(rows: readonly (readonly number[])[], measure: MeasureName): number[][] {
  return rows.map((query) => {
    const scores = rows.map((key) => score(measure, query, key));
    const max = Math.max(...scores);
    const exps = scores.map((s) => Math.exp(s - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / sum);
  });
}

/** True when `printed` (a number shown with some decimals) is `exact` rounded to that many decimals. */
export function printedMatches(printed: string, exact: number): boolean {
  printed = printed.trim().replace('\u2212', '-');
  const value = Number(printed);
  if (!Number.isFinite(value)) return false;
  const decimals = printed.includes('.') ? printed.split('.')[1]!.replace(/[^0-9].*$/, '').length : 0;
  return Math.abs(value - exact) <= 0.5 * 10 ** -decimals + 1e-6;
}
