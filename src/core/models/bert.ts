/**
 * The BERT family's encoder forward pass: BERT (transformers' models/bert/modeling_bert.py:
 * BertEmbeddings, BertSelfAttention, BertSelfOutput, BertIntermediate, BertOutput), DistilBERT
 * (models/distilbert/modeling_distilbert.py: Embeddings, MultiHeadSelfAttention, TransformerBlock)
 * and RoBERTa (models/roberta/modeling_roberta.py: RobertaEmbeddings with
 * create_position_ids_from_input_ids; the layers are BERT's). Eval mode, one segment.
 *
 * Contract:
 *   bertForward(config, weights, ids, hooks) → h [n, E], the last layer's hidden states
 *   (undefined when hooks.lastLayer stops early). The three models share this one pass; their
 *   differences are data: DistilBERT has no token-type table, RoBERTa's positions start at
 *   padding_idx + 1. The attention mask is all ones (one unpadded sequence), so nothing is masked.
 *
 * Legend: n tokens, E hidden, H heads, D = E / H, F intermediate size.
 *
 * Passes:
 *   1. x = word[ids] + token_type[0] + position[pos]; h = LayerNorm(x)        [n, E]
 *      pos = 0 … n−1 (BERT, DistilBERT); RoBERTa: padding_idx + cumulative count of non-padding
 *      tokens, padding_idx itself for a padding token.
 *   per layer (post-LN):
 *   2. q, k, v = h Wᵀ + b                                                     [n, E] each
 *   3. per head: softmax(q_h k_hᵀ / √D) v_h (DistilBERT divides q first: the same up to rounding)
 *   4. a = LayerNorm(h + context Wₒᵀ + bₒ)                                    [n, E]
 *   5. h = LayerNorm(a + act(a W₁ᵀ + b₁) W₂ᵀ + b₂)                            [n, F] → [n, E]
 *
 * Numerical notes: layerNorm accumulates in float64; GELU is the erf form (activations.ts).
 */
import { groupedQueryAttention } from '../blocks/groupedQueryAttention';
import { layerNorm } from '../blocks/layerNorm';
import { addInPlace, applyLinear, applyLinearActivation, gatherRows } from './linear';
import type { BertConfig, BertWeights, LayerHooks } from './types';
import type { Matrix } from '../types';

/** Position ids: 0 … n−1, or RoBERTa's create_position_ids_from_input_ids. */
export function bertPositions(config: BertConfig, ids: readonly number[]): number[] {
  const pad = config.paddingIdx;
  if (pad === undefined) return ids.map((_, i) => i);
  let count = 0;
  return ids.map((id) => (id === pad ? pad : pad + ++count));
}

export function bertForward(config: BertConfig, weights: BertWeights, ids: readonly number[], hooks: LayerHooks): Matrix | undefined {
  const H = config.heads, D = config.headDim;

  // Pass 1: embeddings and their LayerNorm. [n, E]
  const x = gatherRows(weights.wordEmbeddings, ids);
  if (weights.tokenTypeEmbeddings) addInPlace(x, gatherRows(weights.tokenTypeEmbeddings, ids.map(() => 0)));
  addInPlace(x, gatherRows(weights.positionEmbeddings, bertPositions(config, ids)));
  let h = layerNorm(x, weights.embNorm.weight, weights.embNorm.bias, config.eps);

  for (let l = 0; l < config.layers; l++) {
    const layer = weights.layers[l]!;
    // Pass 2: projections. [n, E] each
    const q = applyLinear(h, layer.query), k = applyLinear(h, layer.key), v = applyLinear(h, layer.value);
    // Pass 3: bidirectional attention per head. [n, E]
    const wants = hooks.wants(l);
    const context = groupedQueryAttention(q, k, v, { heads: H, kvHeads: H, headDim: D, scale: 1 / Math.sqrt(D), causal: false },
      wants ? (head, scores, w, vectors) => hooks.onHead(l, head, scores, w, vectors) : undefined);
    if (hooks.lastLayer === l) return undefined;
    // Pass 4: output projection, residual, LayerNorm. [n, E]
    const attended = applyLinear(context, layer.attnOut);
    addInPlace(attended, h);
    const a = layerNorm(attended, layer.attnNorm.weight, layer.attnNorm.bias, config.eps);
    // Pass 5: feed-forward, residual, LayerNorm. [n, F] → [n, E]
    const inner = applyLinearActivation(a, layer.intermediate, config.activation);
    const out = applyLinear(inner, layer.output);
    addInPlace(out, a);
    h = layerNorm(out, layer.outNorm.weight, layer.outNorm.bias, config.eps);
  }
  return h;
}
