/**
 * The Llama family's forward pass: Llama (transformers' models/llama/modeling_llama.py:
 * LlamaModel.forward, LlamaDecoderLayer.forward, LlamaAttention.forward, eager_attention_forward,
 * repeat_kv, LlamaMLP.forward, LlamaRMSNorm, LlamaRotaryEmbedding), Mistral
 * (models/mistral/modeling_mistral.py: the same blocks, plus the sliding-window causal mask) and
 * Qwen2 (models/qwen2/modeling_qwen2.py: the same blocks with q/k/v biases). Eval mode.
 *
 * Contract:
 *   llamaForward(config, weights, ids, hooks) → h [n, E] after the final RMSNorm (undefined when
 *   hooks.lastLayer stops early). hooks.onHead receives the query head's q and the keys of the
 *   kv head it reads, both after RoPE, with its scores and weights.
 *
 * Legend: n tokens, E hidden, H query heads, KV kv heads, D head_dim (config.head_dim when
 * given, else E / H), F intermediate size.
 *
 * Passes:
 *   1. h = embed_tokens[ids]                                                [n, E]
 *   per layer:
 *   2. x = RMSNorm(h) · input_layernorm                                     [n, E]
 *   3. q = x W_qᵀ (+b), k = x W_kᵀ (+b), v = x W_vᵀ (+b)                    [n, H·D], [n, KV·D] ×2
 *   4. RoPE on q and k at positions 0 … n−1 (rope.ts)                       same shapes
 *   5. per query head h, kv head ⌊h / (H/KV)⌋: softmax(q_h k_gᵀ / √D, causal (+ window)) v_g
 *   6. h = h + context W_oᵀ (+b)                                            [n, E]
 *   7. h = h + down(silu(gate(x')) ⊙ up(x')), x' = RMSNorm(h) · post_attention_layernorm
 *                                                                           [n, F] → [n, E]
 *   8. h = RMSNorm(h) · norm                                                [n, E]
 *
 * Numerical notes: RMSNorm accumulates in float64; RoPE mirrors Hugging Face's float32 tables.
 */
import { applyActivation, swiGlu } from '../blocks/activations';
import { groupedQueryAttention } from '../blocks/groupedQueryAttention';
import { rmsNorm } from '../blocks/rmsNorm';
import { applyRope, ropeInverseFrequencies, ropeTables } from '../blocks/rope';
import { addInPlace, applyLinear, gatherRows } from './linear';
import type { LayerHooks, LlamaConfig, LlamaWeights } from './types';
import type { Matrix } from '../types';

export function llamaForward(config: LlamaConfig, weights: LlamaWeights, ids: readonly number[], hooks: LayerHooks): Matrix | undefined {
  const n = ids.length, H = config.heads, KV = config.kvHeads, D = config.headDim;
  const rope = ropeTables(ropeInverseFrequencies(D, config.ropeTheta, config.ropeScaling), n);

  // Pass 1: token embeddings (no position table: positions enter through RoPE). [n, E]
  const h = gatherRows(weights.embed, ids);

  for (let l = 0; l < config.layers; l++) {
    const layer = weights.layers[l]!;
    // Pass 2–3: pre-norm and projections. [n, E] → [n, H·D], [n, KV·D], [n, KV·D]
    const x = rmsNorm(h, layer.inputNorm, config.eps);
    const q = applyLinear(x, layer.q), k = applyLinear(x, layer.k), v = applyLinear(x, layer.v);
    // Pass 4: rotary positions on queries and keys.
    applyRope(q, H, D, rope);
    applyRope(k, KV, D, rope);
    // Pass 5: grouped-query causal attention. [n, H·D]
    const wants = hooks.wants(l);
    const window = config.windows[l];
    const context = groupedQueryAttention(q, k, v, { heads: H, kvHeads: KV, headDim: D, scale: 1 / Math.sqrt(D), causal: true, ...(window === undefined ? {} : { window }) },
      wants ? (head, scores, w, vectors) => hooks.onHead(l, head, scores, w, vectors) : undefined);
    // Pass 6: output projection and residual. [n, E]
    addInPlace(h, applyLinear(context, layer.o));
    if (hooks.lastLayer === l) return undefined;
    // Pass 7: SwiGLU feed-forward and residual. [n, F] → [n, E]
    const x2 = rmsNorm(h, layer.postNorm, config.eps);
    const gate = applyLinear(x2, layer.gate);
    const up = applyLinear(x2, layer.up);
    if (config.activation === 'silu') swiGlu(gate.data, up.data);
    else {
      applyActivation(gate.data, config.activation);
      for (let i = 0; i < gate.data.length; i++) gate.data[i]! *= up.data[i]!;
    }
    addInPlace(h, applyLinear(gate, layer.down));
  }
  // Pass 8: final norm. [n, E]
  return rmsNorm(h, weights.norm, config.eps);
}
