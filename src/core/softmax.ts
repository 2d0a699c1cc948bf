/**
 * Softmax over score rows: turns similarities into weights that are positive and sum to 1
 * (the deck's "x → eˣ", then "want coefficients to add to 1").
 *
 * Contract:
 *   softmaxRows(S)  [n, m] → W [n, m], W_ij = exp(S_ij − max_j S_i·) / Σ_j exp(S_ij − max_j S_i·).
 *                   −Infinity (a masked key) gets weight exactly 0. A row with every key masked
 *                   has no distribution: it comes back all zeros (never NaN) and its index is
 *                   listed in `fullyMaskedRows`. A NaN score is refused with its position.
 *   softmaxBreakdown(raw, { scaleDivisor, temperature, masked }): one row, every step kept for
 *                   display: raw → scaled = raw / (scaleDivisor · T) → minus max → exp → ÷ sum.
 *                   It computes the same numbers as the attention head does, step for step:
 *                   `scaled` is rounded to float32 as the head's score matrix is, so
 *                   Math.fround(probability) equals the head's weight bit for bit.
 *
 * Legend: n query rows, m key columns.
 *
 * Numerical stability: exp(s) overflows float64 past s ≈ 709 and float32 past s ≈ 88, and scores
 * of ±1e4 are easy to reach with a low temperature. Subtracting the row max first makes every
 * exponent ≤ 0, so each exp lies in (0, 1] and the sum lies in [1, m]: no overflow, and the
 * division never meets 0. Exponentials and the sum are kept in float64 and rounded once.
 * A +Infinity score (overflowed similarity) takes the limit: the +Infinity keys share the weight.
 */
import { matrix } from './linalg';
import { ShapeError, type Matrix } from './types';

/** Softmax weights, plus the rows that had no unmasked key. Shape [n, m]. */
export interface SoftmaxRows extends Matrix {
  /** Rows whose every score was −Infinity; their weights are all 0. */
  readonly fullyMaskedRows: readonly number[];
}

/**
 * Row-wise stable softmax. Shape: S [n, m] → W [n, m].
 *
 * Per row i:
 *   Pass 1: max over the unmasked scores (NaN is refused here, with its position).
 *   Pass 2: e_j = exp(S_ij − max) in float64, and their sum.
 *   Pass 3: W_ij = e_j / sum.
 */
export function softmaxRows(scores: Matrix): SoftmaxRows {
  const n = scores.rows, m = scores.cols;
  if (m === 0 && n > 0) throw new ShapeError(`softmaxRows: scores are ${n}×0; a row needs at least one key`);
  const w = new Float32Array(n * m);
  const exps = new Float64Array(m);
  const fullyMaskedRows: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!softmaxSpan(scores.data, w, exps, i * m, 0, m - 1, Math.exp, 'softmaxRows', i)) fullyMaskedRows.push(i); // weights stay 0
  }
  return { ...matrix(n, m, w), fullyMaskedRows };
}

/**
 * One row's softmax over keys first … last: w[row + j] ← softmax of s[row + first … row + last]
 * (the three passes above; w outside the span is not touched). `exp` is Math.exp for the lesson
 * (its numbers are the deck's) or exp.ts's expFast for a model's attention; `exps` holds at least
 * last + 1 floats of scratch. A NaN is refused as "`what`: score [i, j] is NaN". Returns false
 * when every score in the span is −∞ (the weights stay as they were: 0 in a fresh row).
 */
export function softmaxSpan(s: Float32Array, w: Float32Array, exps: Float64Array, row: number, first: number, last: number,
  exp: (x: number) => number, what: string, i: number): boolean {
  // Pass 1: max over the span, skipping masked (−Infinity) keys.
  let max = Number.NEGATIVE_INFINITY;
  for (let j = first; j <= last; j++) {
    const value = s[row + j]!;
    if (value > max) max = value;
    else if (value !== value) throw new ShapeError(`${what}: score [${i}, ${j}] is NaN`);
  }
  if (max === Number.NEGATIVE_INFINITY) return false;
  if (max === Number.POSITIVE_INFINITY) {
    // The limit of softmax as those scores grow: the +Infinity keys share the weight equally.
    let count = 0;
    for (let j = first; j <= last; j++) if (s[row + j] === Number.POSITIVE_INFINITY) count++;
    for (let j = first; j <= last; j++) w[row + j] = s[row + j] === Number.POSITIVE_INFINITY ? 1 / count : 0;
    return true;
  }
  // Pass 2: exp(s − max) ∈ (0, 1]; masked keys give exp(−∞) = 0.
  let sum = 0;
  for (let j = first; j <= last; j++) {
    const e = exp(s[row + j]! - max);
    exps[j] = e;
    sum += e;
  }
  // Pass 3: normalise; sum ≥ 1 because the max itself contributes e⁰ = 1.
  for (let j = first; j <= last; j++) w[row + j] = exps[j]! / sum;
  return true;
}

/** How a raw similarity becomes a softmax input: raw / (divisor · T), rounded to float32. */
export function scaleScore(raw: number, scaleDivisor: number, temperature: number): number {
  return Math.fround(raw / (scaleDivisor * temperature));
}

/** Refuses a divisor or temperature that is not a finite number > 0, naming which. */
export function checkPositive(what: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new ShapeError(`${what} must be a finite number > 0, got ${String(value)}`);
  }
}

/** One key's column of the breakdown table. */
export interface SoftmaxEntry {
  /** The similarity before any division. */
  readonly raw: number;
  /** True when the key is masked: every later step is −Infinity / 0. */
  readonly masked: boolean;
  /** raw / (scaleDivisor · T), float32 like the head's scores; −Infinity when masked. */
  readonly scaled: number;
  /** scaled − max; ≤ 0. */
  readonly minusMax: number;
  /** exp(minusMax) ∈ (0, 1]; 0 when masked. */
  readonly exp: number;
  /** exp / sum; 0 when masked. */
  readonly probability: number;
}

/** Every step of softmax over one row, for display. */
export interface SoftmaxBreakdown {
  readonly entries: readonly SoftmaxEntry[];
  /** Max of the unmasked scaled scores; −Infinity when every key is masked. */
  readonly max: number;
  /** Σ exp; 0 when every key is masked. */
  readonly sum: number;
  readonly scaleDivisor: number;
  readonly temperature: number;
  /** Every key masked: no distribution, all probabilities 0. */
  readonly fullyMasked: boolean;
}

export interface SoftmaxBreakdownOptions {
  /** √d_k for scaled attention, 1 otherwise. */
  readonly scaleDivisor: number;
  /** Softmax temperature T > 0. */
  readonly temperature: number;
  /** masked[j] true hides key j (a causal mask's j > i). Same length as raw. */
  readonly masked?: ArrayLike<boolean>;
}

/**
 * One row of softmax with every step kept. Shape: raw [m] → m entries.
 * `softmaxBreakdown([1, -1], { scaleDivisor: 1, temperature: 1 })` is the deck's
 * e¹/(e¹ + e⁻¹) = 0.88, e⁻¹/(e¹ + e⁻¹) = 0.12.
 */
export function softmaxBreakdown(raw: ArrayLike<number>, opts: SoftmaxBreakdownOptions): SoftmaxBreakdown {
  const { scaleDivisor, temperature, masked } = opts;
  checkPositive('softmaxBreakdown: scaleDivisor', scaleDivisor);
  checkPositive('softmaxBreakdown: temperature', temperature);
  const m = raw.length;
  if (m === 0) throw new ShapeError('softmaxBreakdown: empty row (no keys)');
  if (masked && masked.length !== m) {
    throw new ShapeError(`softmaxBreakdown: mask has ${masked.length} entries but the row has ${m}`);
  }
  // Pass 1: scale, mask, max.
  const scaled = new Float64Array(m);
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < m; j++) {
    const value = raw[j]!;
    if (Number.isNaN(value)) throw new ShapeError(`softmaxBreakdown: raw score ${j} is NaN`);
    scaled[j] = masked?.[j] ? Number.NEGATIVE_INFINITY : scaleScore(value, scaleDivisor, temperature);
    if (scaled[j]! > max) max = scaled[j]!;
  }
  const fullyMasked = max === Number.NEGATIVE_INFINITY;
  // Pass 2: exp(s − max) and the sum (an +Infinity max takes softmaxRows' limit).
  const exps = new Float64Array(m);
  let sum = 0;
  for (let j = 0; j < m; j++) {
    const s = scaled[j]!;
    let e: number;
    if (fullyMasked || s === Number.NEGATIVE_INFINITY) e = 0;
    else if (max === Number.POSITIVE_INFINITY) e = s === Number.POSITIVE_INFINITY ? 1 : 0;
    else e = Math.exp(s - max);
    exps[j] = e;
    sum += e;
  }
  // Pass 3: probabilities.
  const entries: SoftmaxEntry[] = [];
  for (let j = 0; j < m; j++) {
    const s = scaled[j]!;
    const isMasked = Boolean(masked?.[j]);
    entries.push({
      raw: raw[j]!,
      masked: isMasked,
      scaled: s,
      minusMax: fullyMasked || isMasked ? Number.NEGATIVE_INFINITY : max === Number.POSITIVE_INFINITY ? (s === max ? 0 : Number.NEGATIVE_INFINITY) : s - max,
      exp: exps[j]!,
      probability: sum === 0 ? 0 : exps[j]! / sum,
    });
  }
  return { entries, max, sum, scaleDivisor, temperature, fullyMasked };
}
