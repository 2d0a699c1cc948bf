/**
 * The markdown of `.emb` hovers, built from a store and plain numbers. Pure (no `vscode`) so the
 * escaping and the tables are unit-tested; the host wraps the string in an untrusted
 * MarkdownString. Every token goes through `markdownToken`: nothing from the file is ever markup.
 */
import type { Measure } from '../../core';
import { rankInDimension } from '../../emb/neighbors';
import type { EmbeddingStore } from '../../emb/store';
import { dimensionLabel, formatCount, formatScore, formatValue, markdownText, markdownToken, ordinal } from './display';
import { nearestToIndex, pairScores, type PairScores } from './wordQueries';

/** How many dimensions a hover lists before saying "… and 290 more". */
export const HOVER_DIMENSIONS_SHOWN = 12;
/** How many selected words a hover compares with. */
export const HOVER_SELECTED_MAX = 10;

const MEASURE_HEADS: Record<Measure, string> = { cosine: 'cosine', dot: 'dot', scaled: 'scaled (÷√d)' };

export interface TokenHoverInput {
  readonly store: EmbeddingStore;
  readonly index: number;
  /** The token contains spaces (its line had more fields than 1 + d). */
  readonly spaced: boolean;
  /** How many nearest tokens to list. */
  readonly k: number;
  /** The measure the neighbours are ranked by; all three are shown. */
  readonly measure: Measure;
  /** Other tokens of the file the user has selected: the hover adds their similarity to this one. */
  readonly selected: readonly number[];
}

function scoreCells(s: PairScores): string {
  const cosine = s.zeroVector ? `${formatScore(s.cosine)} (zero vector)` : formatScore(s.cosine);
  return `${cosine} | ${formatScore(s.dot)} | ${formatScore(s.scaled)}`;
}

function scoreTable(firstHead: string, rows: readonly { token: string; scores: PairScores }[]): string[] {
  return [
    `| ${firstHead} | ${MEASURE_HEADS.cosine} | ${MEASURE_HEADS.dot} | ${markdownText(MEASURE_HEADS.scaled)} |`,
    '| :-- | --: | --: | --: |',
    ...rows.map((r) => `| ${markdownToken(r.token)} | ${scoreCells(r.scores)} |`),
  ];
}

export function vectorNorm(store: EmbeddingStore, index: number): number {
  const stored = store.norms[index];
  if (stored !== undefined) return stored;
  let sum = 0;
  for (const v of store.vector(index)) sum += v * v;
  return Math.sqrt(sum);
}

/** "Tech 2 · Fruitness 2 · Other 0", cut after HOVER_DIMENSIONS_SHOWN with the count left. */
function dimensionsLine(store: EmbeddingStore, index: number): string {
  const vector = store.vector(index);
  const shown = Math.min(store.dim, HOVER_DIMENSIONS_SHOWN);
  const parts: string[] = [];
  for (let d = 0; d < shown; d++) {
    parts.push(`${markdownToken(dimensionLabel(store.dimNames, d), 32)} **${markdownText(formatValue(vector[d] ?? 0))}**`);
  }
  const rest = store.dim - shown;
  return parts.join(' · ') + (rest > 0 ? ` · … and ${formatCount(rest)} more` : '');
}

export function tokenHoverMarkdown(input: TokenHoverInput): string {
  const { store, index } = input;
  const token = store.token(index);
  const lines: string[] = [];
  lines.push(`**${markdownToken(token)}** — ${formatCount(store.dim)} dimensions, norm ${formatScore(vectorNorm(store, index))}`);
  if (input.spaced) {
    lines.push('', '_This token contains spaces: its line has more fields than 1 + d, so everything before the last d values is the token._');
  }
  lines.push('', dimensionsLine(store, index));

  const k = Math.max(0, Math.min(input.k, store.count - 1));
  if (k > 0) {
    const neighbors = nearestToIndex(store, index, k, input.measure);
    lines.push('', `Nearest ${formatCount(neighbors.length)} by ${markdownText(MEASURE_HEADS[input.measure])}:`, '');
    lines.push(...scoreTable('nearest', neighbors.map((n) => ({ token: n.token, scores: n }))));
  }

  const selected = [...new Set(input.selected)].filter((i) => i !== index && i >= 0 && i < store.count).slice(0, HOVER_SELECTED_MAX);
  if (selected.length > 0) {
    lines.push('', 'Selected words:', '');
    lines.push(...scoreTable('selected', selected.map((i) => ({ token: store.token(i), scores: pairScores(store, index, i) }))));
  }
  return lines.join('\n');
}

/** Hover on a value: which dimension it is, its value, and where it ranks in that dimension. */
export function valueHoverMarkdown(store: EmbeddingStore, index: number, dim: number): string {
  const token = store.token(index);
  const name = dimensionLabel(store.dimNames, dim);
  const value = store.vector(index)[dim] ?? 0;
  const { rank, of } = rankInDimension(store, dim, index);
  return [
    `**${markdownToken(name, 32)}** of **${markdownToken(token)}** = ${markdownText(formatValue(value))}`,
    '',
    `Dimension ${formatCount(dim + 1)} of ${formatCount(store.dim)}. ` +
      `${markdownText(ordinal(rank))} highest of ${formatCount(of)} in ${markdownToken(name, 32)}.`,
  ].join('\n');
}
