/**
 * Similarity of two embedding rows: the deck's three measures.
 *
 * Contract:
 *   dot(a, b)       = Σ a_i·b_i                                   ("Measure 1: Dot product")
 *   cosine(a, b)    = a·b / (|a|·|b|), and 0 flagged `zeroVector` when |a| or |b| is 0
 *                                                                  ("Measure 2: Cosine similarity")
 *   scaledDot(a, b) = a·b / √d, d = the vector length             ("Measure 3: Scaled dot product";
 *                     the deck says "divided by the square root of the length of the vector": d, not |a|)
 *   scoreMatrix(q, k, measure): the same three, for every query row against every key row.
 *   workedArithmetic(a, b): the deck's strings, "1·0 + 4·3 = 12" and "12/√2 = 8.49".
 * Nothing here returns NaN for finite input: a zero vector has no direction, so its cosine is
 * reported as 0 and flagged, and the caller decides how to say so.
 *
 * Legend:
 *   n   query rows        m   key rows        d   width of every row (d_k inside a head)
 *
 * Numerical stability: the pair functions accumulate in float64 (a JS number), and cosine falls
 * back to rescaled vectors when a·a would overflow float64; scoreMatrix's product is linalg's
 * (float64 in the reference path, float32 in the SIMD one; see its error bound) while the norms
 * are float64. Cosine is clamped to [−1, 1] because rounding can carry |a·b| a hair past |a|·|b|.
 */
import { matmulTransposeB } from './linalg';
import { ShapeError, type Matrix, type Measure } from './types';

/** A read-only vector: a Float32Array row, a subarray, or plain numbers. */
export type Vector = ArrayLike<number>;

function checkSameLength(what: string, a: Vector, b: Vector): void {
  if (a.length !== b.length) {
    throw new ShapeError(`${what}: vectors have lengths ${a.length} and ${b.length}; they must be equal`);
  }
  if (a.length === 0) throw new ShapeError(`${what}: empty vectors (length 0)`);
}

/** a·b. Shapes: a [d], b [d] → scalar. */
export function dot(a: Vector, b: Vector): number {
  checkSameLength('dot', a, b);
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc += a[i]! * b[i]!;
  return acc;
}

/** |a|, accumulated in float64. Shape: a [d] → scalar. */
export function norm(a: Vector): number {
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc += a[i]! * a[i]!;
  return Math.sqrt(acc);
}

export interface CosineValue {
  /** a·b / (|a|·|b|) in [−1, 1]; exactly 0 when either vector is all zeros. */
  readonly value: number;
  /** True when |a| = 0 or |b| = 0: the cosine is undefined and `value` is a stand-in 0. */
  readonly zeroVector: boolean;
}

/** cos(a, b). Shapes: a [d], b [d] → scalar, with the zero-vector flag. */
export function cosine(a: Vector, b: Vector): CosineValue {
  checkSameLength('cosine', a, b);
  const denominator = norm(a) * norm(b);
  if (denominator === 0) return { value: 0, zeroVector: true };
  const value = dot(a, b) / denominator;
  if (Number.isFinite(value)) return { value: clampUnit(value), zeroVector: false };
  return cosineRescaled(a, b);
}

/** Slow path for numbers so large that a·a overflows float64: divide each vector by its max |entry| first. */
function cosineRescaled(a: Vector, b: Vector): CosineValue {
  const largest = (v: Vector) => {
    let max = 0;
    for (let i = 0; i < v.length; i++) {
      const x = Math.abs(v[i]!);
      if (!Number.isFinite(x)) throw new ShapeError(`cosine: entry ${i} is ${String(v[i])}; cosine needs finite numbers`);
      if (x > max) max = x;
    }
    return max;
  };
  const sa = largest(a), sb = largest(b);
  const ra = Array.from(a, (x) => x / sa), rb = Array.from(b, (x) => x / sb);
  return { value: clampUnit(dot(ra, rb) / (norm(ra) * norm(rb))), zeroVector: false };
}

/** a·b / √d, the deck's scaled dot product. Shapes: a [d], b [d] → scalar. */
export function scaledDot(a: Vector, b: Vector): number {
  return dot(a, b) / Math.sqrt(a.length);
}

export interface SimilarityValues {
  readonly dot: number;
  readonly cosine: number;
  readonly scaled: number;
  /** The cosine is a stand-in 0 because one vector is all zeros. */
  readonly zeroVector: boolean;
}

/** All three measures of one pair. Shapes: a [d], b [d]. */
export function similarity(a: Vector, b: Vector): SimilarityValues {
  const c = cosine(a, b);
  const d = dot(a, b);
  return { dot: d, cosine: c.value, scaled: d / Math.sqrt(a.length), zeroVector: c.zeroVector };
}

/** Rows of `m` whose every entry is 0 (their cosine with anything is a flagged stand-in 0). */
export function zeroRows(m: Matrix): number[] {
  const zero: number[] = [];
  for (let i = 0; i < m.rows; i++) {
    let allZero = true;
    for (let j = 0; j < m.cols && allZero; j++) allZero = m.data[i * m.cols + j] === 0;
    if (allZero) zero.push(i);
  }
  return zero;
}

/** |row_i| for every row, in float64. Shape: m [n, d] → [n]. */
export function rowNorms(m: Matrix): Float64Array {
  const norms = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) norms[i] = norm(m.data.subarray(i * m.cols, (i + 1) * m.cols));
  return norms;
}

/**
 * Every query row against every key row under one measure.
 * Shapes: q [n, d], k [m, d] → S [n, m], S_ij = measure(q_i, k_j).
 *
 * Pass 1: S = q · kᵀ (the one product; linalg owns the loop).
 * Pass 2: per measure, 'dot' keeps S; 'scaled' divides by √d; 'cosine' divides by |q_i|·|k_j|,
 *         writing 0 where either norm is 0 (see zeroRows for the flags).
 */
export function scoreMatrix(q: Matrix, k: Matrix, measure: Measure): Matrix {
  if (q.cols !== k.cols) {
    throw new ShapeError(`scoreMatrix: queries are ${q.rows}×${q.cols} and keys ${k.rows}×${k.cols}; row widths differ`);
  }
  if (q.rows === 0 || k.rows === 0 || q.cols === 0) {
    throw new ShapeError(`scoreMatrix: empty input (queries ${q.rows}×${q.cols}, keys ${k.rows}×${k.cols})`);
  }
  // Pass 1: [n, d] · [m, d]ᵀ → [n, m]
  const s = matmulTransposeB(q, k);
  const n = s.rows, m = s.cols;
  // Pass 2
  switch (measure) {
    case 'dot':
      return s;
    case 'scaled': {
      const divisor = Math.sqrt(q.cols);
      for (let i = 0; i < s.data.length; i++) s.data[i] = s.data[i]! / divisor;
      return s;
    }
    case 'cosine': {
      const qNorms = rowNorms(q);
      const kNorms = rowNorms(k);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          const denominator = qNorms[i]! * kNorms[j]!;
          s.data[i * m + j] = denominator === 0 ? 0 : clampUnit(s.data[i * m + j]! / denominator);
        }
      }
      return s;
    }
    default: {
      const unknown: never = measure;
      throw new ShapeError(`scoreMatrix: unknown measure "${String(unknown)}"; expected dot, cosine or scaled`);
    }
  }
}

function clampUnit(x: number): number {
  return x > 1 ? 1 : x < -1 ? -1 : x;
}

// ---------------------------------------------------------------------------------------------
// The deck's worked arithmetic, as text.

export interface WorkedArithmetic {
  /** "1·0 + 4·3 = 12" (long vectors elide the middle terms: "… (300 terms)"). */
  readonly dot: string;
  /** "12/√2 = 8.49" */
  readonly scaled: string;
  /** "12/(√17·3) = 0.97 (14°)", or a sentence saying a vector is all zeros. */
  readonly cosine: string;
}

/** Most product terms written out before the middle of a long dot product is elided. */
const MAX_WRITTEN_TERMS = 6;

/**
 * The deck's arithmetic for one pair: `workedArithmetic([1, 4], [0, 3])` gives
 * { dot: "1·0 + 4·3 = 12", scaled: "12/√2 = 8.49", cosine: "12/(√17·3) = 0.97 (14°)" }.
 * `labels` name the two vectors in the cosine line ("cos(Cherries, Tomato) = …").
 */
export function workedArithmetic(a: Vector, b: Vector, labels?: readonly [string, string], digits = 2): WorkedArithmetic {
  const s = similarity(a, b);
  const d = a.length;
  const terms: string[] = [];
  for (let i = 0; i < d; i++) terms.push(`${factor(a[i]!, digits)}·${factor(b[i]!, digits)}`);
  const written =
    d <= MAX_WRITTEN_TERMS
      ? terms.join(' + ')
      : `${terms.slice(0, 3).join(' + ')} + … + ${terms[d - 1]!} (${d} terms)`;
  const dotText = formatNumber(s.dot, digits);
  const prefix = labels ? `cos(${labels[0]}, ${labels[1]}) = ` : '';
  let cosineText: string;
  if (s.zeroVector) {
    cosineText = `${prefix}undefined: ${norm(a) === 0 ? (labels?.[0] ?? 'the first vector') : (labels?.[1] ?? 'the second vector')} is all zeros (reported as 0)`;
  } else {
    const degrees = (Math.acos(s.cosine) * 180) / Math.PI;
    cosineText = `${prefix}${dotText}/(${normText(a, digits)}·${normText(b, digits)}) = ${formatNumber(s.cosine, digits)} (${Math.round(degrees)}°)`;
  }
  return {
    dot: `${written} = ${dotText}`,
    scaled: `${dotText}/√${d} = ${formatNumber(s.scaled, digits)}`,
    cosine: cosineText,
  };
}

/** Integers as integers ("12"), others to `digits` places without trailing zeros ("8.49", "0.4"). */
function formatNumber(x: number, digits: number): string {
  if (Number.isInteger(x)) return String(x);
  const fixed = x.toFixed(digits);
  const trimmed = fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
  return trimmed === '-0' ? '0' : trimmed;
}

/** A product factor; negatives in parentheses so "1·(−2)" reads unambiguously. */
function factor(x: number, digits: number): string {
  const text = formatNumber(x, digits);
  return text.startsWith('-') ? `(${text})` : text;
}

/** |v| as the deck would write it: "3" for √9, "√17" for an integer square, else "4.12". */
function normText(v: Vector, digits: number): string {
  let squares = 0;
  for (let i = 0; i < v.length; i++) squares += v[i]! * v[i]!;
  const root = Math.sqrt(squares);
  if (Number.isInteger(root)) return String(root);
  if (Number.isInteger(squares)) return `√${squares}`;
  return formatNumber(root, digits);
}
