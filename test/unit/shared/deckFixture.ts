/**
 * The deck's own table ("Cosine similarity", Tech / Fruitness / Other), typed in from the slides,
 * not from our output: the reference every view-model number is checked against.
 */
import { matrix, type Matrix } from '../../../src/core';

export const DECK_TABLE: Readonly<Record<string, readonly [number, number, number]>> = {
  orange: [0, 3, 0],
  phone: [4, 0, 0],
  apple: [2, 2, 0],
  and: [0, 0, 2],
  an: [0, 0, 3],
};

export const DECK_DIMS = ['tech', 'fruitness', 'other'] as const;

export function deckRows(words: readonly string[]): Matrix {
  const data = new Float32Array(words.length * 3);
  words.forEach((w, i) => {
    const row = DECK_TABLE[w];
    if (!row) throw new Error(`${w} is not in the deck's table`);
    data.set(row, i * 3);
  });
  return matrix(words.length, 3, data);
}

/** Plain cosine, written out: a·b / (|a| |b|). */
export function cosineByHand(a: readonly number[], b: readonly number[]): number {
  const dot = a.reduce((s, v, i) => s + v * b[i]!, 0);
  const na = Math.hypot(...a);
  const nb = Math.hypot(...b);
  return dot / (na * nb);
}

/** The deck's softmax: e^s / Σ e^s. */
export function softmaxByHand(scores: readonly number[]): number[] {
  const exps = scores.map(Math.exp);
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}
