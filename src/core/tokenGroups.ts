/**
 * Looking at attention over fewer, more readable units: special tokens hidden (exBERT), and
 * sub-word tokens merged into the words they spell (bertviz issue #23).
 *
 * Contract:
 *   hideTokens(W, hidden, renormalize)   [n, n] → [m, m]: the rows and columns of hidden tokens
 *                                        removed (m = n − #hidden). renormalize: each remaining
 *                                        row ÷ its remaining sum, so it is a distribution again
 *                                        (exBERT's "hide and renormalise"); else the weights stay
 *                                        what the model computed (rows then sum to < 1).
 *   groupTokens(W, groups)               [n, n] → [g, g]: G_ab = mean_{i ∈ a} Σ_{j ∈ b} W_ij.
 *                                        Keys are summed: the attention a word receives is the
 *                                        total its pieces receive. Queries are averaged: a word
 *                                        attends the way its pieces do on average. Rows of a
 *                                        row-stochastic W stay row-stochastic.
 *   unitGroups(wordIds, special, opts)   the groups both steps use for a tokenizer's output:
 *                                        one group per token, or per word id (specials and tokens
 *                                        without a word id alone); hidden specials in no group.
 *   applyUnits(W, units, renormalize)    hides what no group holds (renormalising per token row
 *                                        as hideTokens does), then groups: the one call for any
 *                                        [n, n] (a head, a head average, a rollout).
 *
 * Legend: n tokens, m kept tokens, g groups.
 *
 * Numerical stability: sums and means are taken in float64 and rounded to float32 once. A row
 * whose kept weights are all 0 (a query that only attended hidden tokens) stays all 0 when
 * renormalised: there is no distribution to rescale, and 0/0 must not become NaN.
 */
import { matrix } from './linalg';
import { ShapeError, type Matrix } from './types';

function checkSquare(w: Matrix, what: string): number {
  if (w.rows !== w.cols) throw new ShapeError(`${what}: the matrix is ${w.rows}×${w.cols}, not square`);
  return w.rows;
}

/** Token indices in ascending order, each used once, all below n. */
function checkIndices(indices: readonly number[], n: number, what: string, seen: Uint8Array): void {
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new ShapeError(`${what}: token ${i} is outside 0…${n - 1}`);
    if (seen[i]) throw new ShapeError(`${what}: token ${i} is in two groups`);
    seen[i] = 1;
  }
}

/**
 * Drops the hidden tokens' rows and columns. Shape: [n, n] → [m, m].
 * Pass 1: the kept indices. Pass 2: per kept row, the kept entries, and (renormalize) ÷ their
 * float64 sum.
 */
export function hideTokens(w: Matrix, hidden: readonly boolean[], renormalize: boolean): Matrix {
  const n = checkSquare(w, 'hideTokens');
  if (hidden.length !== n) throw new ShapeError(`hideTokens: ${hidden.length} flags for ${n} tokens`);
  const kept = hidden.flatMap((h, i) => (h ? [] : [i]));
  const m = kept.length;
  const out = new Float32Array(m * m);
  for (let a = 0; a < m; a++) {
    const row = kept[a]! * n;
    let sum = 0;
    if (renormalize) for (const j of kept) sum += w.data[row + j]!;
    const divisor = renormalize ? sum : 1;
    for (let b = 0; b < m; b++) {
      const value = w.data[row + kept[b]!]!;
      out[a * m + b] = divisor > 0 ? value / divisor : 0;
    }
  }
  return matrix(m, m, out);
}

/**
 * Merges tokens into groups. Shape: [n, n] → [g, g].
 * Pass 1: column sums per key group: C_ib = Σ_{j ∈ b} W_ij ([n, g], float64).
 * Pass 2: row means per query group: G_ab = (1/|a|) Σ_{i ∈ a} C_ib.
 * Tokens in no group are ignored on both axes.
 */
export function groupTokens(w: Matrix, groups: readonly (readonly number[])[]): Matrix {
  const n = checkSquare(w, 'groupTokens');
  const seen = new Uint8Array(n);
  groups.forEach((g, a) => {
    if (g.length === 0) throw new ShapeError(`groupTokens: group ${a} is empty`);
    checkIndices(g, n, `groupTokens: group ${a}`, seen);
  });
  const g = groups.length;
  const columns = new Float64Array(n * g);
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < g; b++) {
      let sum = 0;
      for (const j of groups[b]!) sum += w.data[i * n + j]!;
      columns[i * g + b] = sum;
    }
  }
  const out = new Float32Array(g * g);
  for (let a = 0; a < g; a++) {
    const rows = groups[a]!;
    for (let b = 0; b < g; b++) {
      let sum = 0;
      for (const i of rows) sum += columns[i * g + b]!;
      out[a * g + b] = sum / rows.length;
    }
  }
  return matrix(g, g, out);
}

export interface UnitOptions {
  readonly hideSpecial: boolean;
  readonly aggregate: 'tokens' | 'words';
}

/**
 * The units drawn, as groups of token indices in text order. Words: tokens sharing a word id
 * (the tokenizer's pre-tokenized word) form one group; a token with no word id, or a special one,
 * stays alone (a [CLS] is not part of "The"). hideSpecial leaves specials out of every group.
 */
export function unitGroups(wordIds: readonly (number | null)[], special: readonly boolean[], opts: UnitOptions): number[][] {
  if (wordIds.length !== special.length) throw new ShapeError(`unitGroups: ${wordIds.length} word ids for ${special.length} tokens`);
  const groups: number[][] = [];
  let lastWord: number | null = null;
  for (let i = 0; i < wordIds.length; i++) {
    if (special[i] && opts.hideSpecial) continue;
    const word = special[i] ? null : wordIds[i]!;
    if (opts.aggregate === 'words' && word !== null && word === lastWord) groups[groups.length - 1]!.push(i);
    else groups.push([i]);
    lastWord = word;
  }
  return groups;
}

/**
 * Any [n, n] attention-like matrix seen through units. Shape: [n, n] → [g, g].
 * Pass 1 (only when some token is in no group): hideTokens with `renormalize`, and the groups
 * re-indexed onto the kept tokens. Pass 2 (only when some group has several tokens): groupTokens.
 */
export function applyUnits(w: Matrix, units: readonly (readonly number[])[], renormalize: boolean): Matrix {
  const n = checkSquare(w, 'applyUnits');
  const grouped = new Uint8Array(n);
  checkIndices(units.flat(), n, 'applyUnits', grouped);
  const hidden = Array.from(grouped, (g) => g === 0);
  let current = w;
  let groups = units;
  if (hidden.some((h) => h)) {
    current = hideTokens(w, hidden, renormalize);
    const index = new Int32Array(n).fill(-1);
    let next = 0;
    hidden.forEach((h, i) => {
      if (!h) index[i] = next++;
    });
    groups = units.map((g) => g.map((i) => index[i]!));
  }
  if (groups.every((g) => g.length === 1)) {
    const order = groups.map((g) => g[0]!);
    // One token per unit in text order is the identity: no copy.
    if (order.every((i, at) => i === at) && order.length === current.rows) return current;
  }
  return groupTokens(current, groups);
}
