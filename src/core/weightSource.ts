/**
 * Where a multi-head pass gets its projections from, and the one entry point the CLI, the host
 * and the webview call.
 *
 * Contract:
 *   { kind: 'lesson' }                    the deck's word math: one head, Q = K = V = x, no
 *                                         projections, the measure as given (default 'scaled')
 *   { kind: 'random'; heads; seed }       randomMultiHeadWeights(d, heads, seed): PyTorch's init,
 *                                         reproducible on every platform (see random.ts)
 *   { kind: 'weights'; weights }          weights from a file (see safetensors.ts)
 *   runAttention(x, source, opts) → the MultiHeadReport of that source. With projections the
 *   measure defaults to 'scaled' (standard scaled dot-product attention).
 *
 * Legend: n tokens, d model width, h heads, d_k = d / h.
 */
import { checkMatrix, type ScaledAttentionOptions } from './attention';
import { lessonAttention, multiHeadAttention, type MultiHeadReport } from './multihead';
import { randomMultiHeadWeights } from './random';
import type { Matrix, MultiHeadWeights } from './types';

export type WeightSource =
  | { readonly kind: 'lesson' }
  | { readonly kind: 'random'; readonly heads: number; readonly seed: number }
  | { readonly kind: 'weights'; readonly weights: MultiHeadWeights };

/** Attention over x [n, d] from the given source. Shapes: heads × [n, n] weights, output [n, d]. */
export function runAttention(x: Matrix, source: WeightSource, opts: ScaledAttentionOptions = {}): MultiHeadReport {
  switch (source.kind) {
    case 'lesson':
      return lessonAttention(x, opts.measure ?? 'scaled', opts);
    case 'random':
      checkMatrix('x', x); // an empty input is said as such, before the weights are sized from it
      return multiHeadAttention(x, randomMultiHeadWeights(x.cols, source.heads, source.seed), opts);
    case 'weights':
      return multiHeadAttention(x, source.weights, opts);
    default: {
      const unknown: never = source;
      throw new Error(`runAttention: unknown weight source ${JSON.stringify(unknown)}`);
    }
  }
}
