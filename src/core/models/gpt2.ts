/**
 * GPT-2's forward pass, following transformers' models/gpt2/modeling_gpt2.py
 * (GPT2Model.forward, GPT2Block.forward, GPT2Attention.forward/_attn, GPT2MLP.forward), eval mode.
 *
 * Contract:
 *   gpt2Forward(config, weights, ids, hooks) → h [n, E], the hidden states after ln_f
 *   (undefined when hooks.lastLayer stops the pass early). Per layer, hooks.onHead receives each
 *   head's pre-softmax scores and post-softmax weights (= output_attentions) when hooks.wants(l).
 *
 * Legend: n tokens, E = n_embd, H = n_head, D = E / H, F = n_inner (4E by default).
 *
 * Passes:
 *   1. h = wte[ids] + wpe[0 … n−1]                                    [n, E]
 *   per layer l:
 *   2. x = ln_1(h)                                                    [n, E]
 *   3. q | k | v = x · c_attnᵀ + b  (Conv1D, stored [E, 3E], loaded as [3E, E])   [n, 3E]
 *   4. per head: softmax(q_h k_hᵀ / √D (/ (l+1) if scale_attn_by_inverse_layer_idx), causal) v_h
 *   5. h = h + c_proj(context)                                        [n, E]
 *   6. h = h + c_proj(gelu_new(c_fc(ln_2(h))))                        [n, F] → [n, E]
 *   7. h = ln_f(h)                                                    [n, E]
 *   The logits are lm_head(h) with lm_head tied to wte (index.ts computes the rows it needs).
 *   The legacy attn.bias / attn.masked_bias buffers are a causal mask and its fill value: the
 *   mask is applied here directly, so they are not read.
 *
 * Numerical notes: layerNorm accumulates in float64; attention as groupedQueryAttention.ts.
 */
import { columns, groupedQueryAttention } from '../blocks/groupedQueryAttention';
import { layerNorm } from '../blocks/layerNorm';
import { addInPlace, applyLinear, applyLinearActivation, gatherRows } from './linear';
import type { Gpt2Config, Gpt2Weights, LayerHooks } from './types';
import type { Matrix } from '../types';

/** What layer l multiplies q·k by: GPT2Attention._attn's 1/√D (scale_attn_weights) and 1/(l + 1) (scale_attn_by_inverse_layer_idx). */
export function gpt2AttentionScale(config: Gpt2Config, l: number): number {
  const scale = config.scaleAttnWeights ? 1 / Math.sqrt(config.headDim) : 1;
  return config.scaleAttnByInverseLayerIdx ? scale / (l + 1) : scale;
}

export function gpt2Forward(config: Gpt2Config, weights: Gpt2Weights, ids: readonly number[], hooks: LayerHooks): Matrix | undefined {
  const E = config.hidden, H = config.heads, D = config.headDim;

  // Pass 1: token + learned position embeddings. [n, E]
  const h = gatherRows(weights.wte, ids);
  addInPlace(h, gatherRows(weights.wpe, ids.map((_, i) => i)));

  for (let l = 0; l < config.layers; l++) {
    const layer = weights.layers[l]!;
    // Pass 2–3: pre-LN, fused projection, split into q, k, v. [n, E] → [n, 3E] → 3 × [n, E]
    const qkv = applyLinear(layerNorm(h, layer.ln1.weight, layer.ln1.bias, config.eps), layer.attn);
    const q = columns(qkv, 0, E), k = columns(qkv, E, E), v = columns(qkv, 2 * E, E);
    // Pass 4: causal attention per head. [n, E]
    const scale = gpt2AttentionScale(config, l);
    const wants = hooks.wants(l);
    const context = groupedQueryAttention(q, k, v, { heads: H, kvHeads: H, headDim: D, scale, causal: true },
      wants ? (head, scores, w, vectors) => hooks.onHead(l, head, scores, w, vectors) : undefined);
    // Pass 5: output projection and residual. [n, E]
    addInPlace(h, applyLinear(context, layer.attnProj));
    if (hooks.lastLayer === l) return undefined;
    // Pass 6: MLP with gelu_new and residual. [n, E] → [n, F] → [n, E]
    const inner = applyLinearActivation(layerNorm(h, layer.ln2.weight, layer.ln2.bias, config.eps), layer.fc, config.activation);
    addInPlace(h, applyLinear(inner, layer.proj));
  }
  // Pass 7: final layer norm. [n, E]
  return layerNorm(h, weights.lnF.weight, weights.lnF.bias, config.eps);
}
