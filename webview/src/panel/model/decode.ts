/**
 * Pure helpers of the model views: what they draw, derived from what the host sent
 * (src/shared/modelView.ts). No DOM: the unit tests run them in Node (test/unit/webview/).
 *
 *   relativeThumb(t)          a ModelThumb (absolute: weight ≈ v/255) as the small multiples'
 *                             WireThumb (relative: v/255 of the head's largest weight)
 *   thumbWeights(t)           a full-size (unpooled) thumbnail back to weights, v/255
 *   neuronRow(neuron, keys)   the softmax breakdown of the neuron view's query (RowView): q·k,
 *                             × scale, − max, exp, softmax, and the causal mask
 *   unitOfToken / queryTokenOfUnit   between token indices and units (words, hidden specials)
 *   headColour(h, H)          one distinct colour per head for the head view
 *   passProgress(done, L)     "Computing layer k/L…" while a pass is being painted
 */
import type { ModelThumb, ModelUnit, NeuronView } from '../../../../src/shared/modelView';
import type { BreakdownEntry, RowView, WireThumb } from '../../../../src/shared/protocol';
import type { Rgb } from '../../colour';

/**
 * Absolute → relative intensities: v ≈ 255·w and the head's largest weight is `max`, so its
 * relative intensity is 255·w/max ≈ v/max. A head of zeros stays zeros.
 */
export function relativeThumb(thumb: ModelThumb): WireThumb {
  const from = new Uint8Array(thumb.data);
  const to = new Uint8Array(from.length);
  if (thumb.max > 0) for (let at = 0; at < from.length; at++) to[at] = Math.min(255, Math.round(from[at]! / thumb.max));
  return { rows: thumb.rows, cols: thumb.cols, data: to.buffer, max: thumb.max };
}

/** An unpooled thumbnail's weights, v / 255 (quantisation error ≤ 1/510). */
export function thumbWeights(thumb: ModelThumb): Float32Array {
  const from = new Uint8Array(thumb.data);
  const out = new Float32Array(from.length);
  for (let at = 0; at < from.length; at++) out[at] = from[at]! / 255;
  return out;
}

/** The unit that holds token `token`, or -1 (a hidden special). */
export function unitOfToken(units: readonly ModelUnit[], token: number): number {
  return units.findIndex((u) => u.tokens.includes(token));
}

/**
 * The token that stands for a unit as a query: its last token (under a causal mask the last
 * piece of a word is the one that has seen the whole word).
 */
export function queryTokenOfUnit(units: readonly ModelUnit[], unit: number): number | undefined {
  const tokens = units[unit]?.tokens;
  return tokens && tokens.length > 0 ? tokens[tokens.length - 1] : undefined;
}

/** The sentence keeps at most this many terms (as the embeddings' softmax line). */
const LINE_TERMS = 12;

/**
 * The softmax of the neuron view's query, step by step, in the attention panel's RowView so the
 * softmax breakdown draws a model's head as it draws the lesson's. The host sent q·k (`dots`),
 * the scaled scores (−∞ where masked) and the weights; the breakdown's middle columns are
 * derived here in float64: minusMax = score − max over unmasked keys, exp = e^minusMax,
 * sum = Σ exp. The probability shown is the host's weight (what the model computed), which
 * equals exp / sum to float32 rounding.
 */
export function neuronRow(neuron: NeuronView, keys: readonly string[]): RowView {
  const dots = new Float32Array(neuron.dots);
  const scores = new Float32Array(neuron.scores);
  const weights = new Float32Array(neuron.weights);
  const n = scores.length;
  let max = -Infinity;
  for (let j = 0; j < n; j++) if (scores[j]! > max) max = scores[j]!;
  let sum = 0;
  const entries: BreakdownEntry[] = [];
  for (let j = 0; j < n; j++) {
    const scaled = scores[j]!;
    const masked = scaled === -Infinity;
    const minusMax = masked ? -Infinity : scaled - max;
    const exp = masked ? 0 : Math.exp(minusMax);
    sum += exp;
    entries.push({ key: keys[j] ?? String(j), raw: dots[j]!, scaled, minusMax, exp, probability: Math.min(1, Math.max(0, weights[j]!)), masked });
  }
  const query = keys[neuron.query] ?? String(neuron.query);
  return {
    head: neuron.head,
    row: neuron.query,
    query,
    entries,
    max: Number.isFinite(max) ? max : 0,
    sum,
    scaleDivisor: neuron.scale > 0 ? 1 / neuron.scale : 1,
    temperature: 1,
    line: softmaxLine(query, entries),
  };
}

/** `cat → 0.61 The + 0.39 cat`: the heaviest unmasked keys, then how much is left. */
export function softmaxLine(query: string, entries: readonly BreakdownEntry[]): string {
  const terms = entries.filter((e) => !e.masked).sort((a, b) => b.probability - a.probability);
  const top = terms[0]?.probability ?? 0;
  const digits = top >= 0.005 || top <= 0 ? 2 : Math.min(6, Math.ceil(-Math.log10(top)) + 1);
  const shown = terms.slice(0, LINE_TERMS).map((e) => `${e.probability.toFixed(digits)} ${e.key}`);
  const rest = terms.slice(LINE_TERMS);
  const tail = rest.length > 0 ? ` + … ${rest.length} more keys (together ${rest.reduce((s, e) => s + e.probability, 0).toFixed(2)})` : '';
  return `${query} → ${shown.join(' + ')}${tail}`;
}

/** Ten categorical colours (Tableau 10): distinct on light and dark backgrounds alike. */
const CATEGORICAL: readonly Rgb[] = [
  { r: 78, g: 121, b: 167, a: 1 },
  { r: 242, g: 142, b: 43, a: 1 },
  { r: 225, g: 87, b: 89, a: 1 },
  { r: 118, g: 183, b: 178, a: 1 },
  { r: 89, g: 161, b: 79, a: 1 },
  { r: 237, g: 201, b: 72, a: 1 },
  { r: 176, g: 122, b: 161, a: 1 },
  { r: 255, g: 157, b: 167, a: 1 },
  { r: 156, g: 117, b: 95, a: 1 },
  { r: 186, g: 176, b: 172, a: 1 },
];

/** Head h of H: the categorical colours up to 10 heads, else hues spread by the golden angle. */
export function headColour(head: number, heads: number): Rgb {
  if (heads <= CATEGORICAL.length) return CATEGORICAL[head % CATEGORICAL.length]!;
  return hsl(((head * 137.508) % 360) / 360, 0.62, 0.52);
}

function hsl(h: number, s: number, l: number): Rgb {
  const k = (n: number): number => (n + h * 12) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number => l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
  return { r: Math.round(f(0) * 255), g: Math.round(f(8) * 255), b: Math.round(f(4) * 255), a: 1 };
}

/**
 * What a view waiting for a model's pass says: "computing layer k/L" (k the layer being
 * computed, counted from 1), so the wait is visible and named, never blank cells.
 */
export function passProgress(done: number, layers: number): string {
  return `Computing layer ${Math.min(done + 1, layers)}/${layers}…`;
}
