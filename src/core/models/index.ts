/**
 * The family-neutral forward API: one call runs any supported model on token ids and returns
 * every layer's and head's attention, plus what the model predicts.
 *
 * Contract:
 *   forward(model, ids, opts) → ForwardResult
 *     layers[l].heads[h]  for every reported layer l (opts.layers, default all) and query head h:
 *                         scores (pre-softmax, −Infinity where masked) and weights (post-softmax,
 *                         rows are queries: what Hugging Face returns with output_attentions=True),
 *                         kept as opts.keep says. Unreported layers have heads = [].
 *     hidden              [n, E] the final hidden states (after the final norm for decoders)
 *     logitsLast, next    decoders with an output head: logits [V] at the last position and the
 *                         top-k tokens by softmax probability (opts.topK, default 10)
 *     masks               BERT family with an MLM head: for each position whose id is
 *                         opts.maskTokenId, the logits [V] and the top-k predictions
 *     opts.onLayer(l, heads) receives every reported layer's float32 scores and weights as soon as
 *     the layer is computed, whatever opts.keep is (the CLI streams them out this way).
 *   focusHead(model, ids, layer, head) → { q [n, D], k [n, D], scores, weights [n, n] }: one head
 *     recomputed exactly (the pass stops after that layer), for a neuron view; under GQA, k is
 *     the keys of the kv head this query head reads.
 *
 * Memory (why `keep` exists): one head's n × n float32 matrix is 1 MiB at n = 512, so a model
 * with 32 layers × 32 heads holds 1 GiB of weights and 1 GiB of scores. forward therefore keeps
 *   'scores+weights'  both as Float32Array (8 n² bytes a head)           the default
 *   'weights'         the weights only (4 n²)
 *   'compact'         the weights as Uint8Array, round(w · 255) (n² bytes: 256 MiB at the extreme
 *                     above), enough for thumbnails; focusHead recomputes any head exactly
 *   'none'            nothing (use onLayer)
 *   and refuses, before computing, when what it would keep passes opts.maxKeptBytes (default
 *   512 MiB), naming the sizes, so the caller narrows opts.layers or picks a more compact keep.
 *   Activations are O(n·(E + F) + n²) on top of that.
 *
 * Legend: n tokens, E hidden, V vocabulary, D head width, k top-k.
 */
import { layerNorm } from '../blocks/layerNorm';
import { applyActivation } from '../blocks/activations';
import { matrix } from '../linalg';
import { ShapeError, type Matrix } from '../types';
import { bertForward } from './bert';
import { gpt2AttentionScale, gpt2Forward } from './gpt2';
import { applyLinear } from './linear';
import { llamaForward } from './llama';
import type { LayerHooks, TransformerModel } from './types';

export * from './types';
export { bertPositions } from './bert';

export type AttentionKeep = 'scores+weights' | 'weights' | 'compact' | 'none';

export interface HeadAttention {
  /** [n, n] pre-softmax, −Infinity where masked (keep 'scores+weights'). */
  readonly scores?: Matrix;
  /** [n, n] post-softmax; rows are queries (keep 'scores+weights' or 'weights'). */
  readonly weights?: Matrix;
  /** n × n round(weight · 255), row-major (keep 'compact'). */
  readonly compact?: Uint8Array;
}

export interface LayerAttention {
  readonly heads: readonly HeadAttention[];
}

/** The heads of one layer as computed (always float32, whatever is kept). */
export interface ComputedHead {
  readonly scores: Matrix;
  readonly weights: Matrix;
}

export interface ForwardOptions {
  /** Inclusive layer range whose attention is reported; default every layer. */
  readonly layers?: { readonly from: number; readonly to: number };
  readonly keep?: AttentionKeep;
  readonly onLayer?: (layer: number, heads: readonly ComputedHead[]) => void;
  readonly topK?: number;
  /** The tokenizer's mask id: positions holding it get mask predictions (BERT family). */
  readonly maskTokenId?: number;
  readonly maxKeptBytes?: number;
}

export interface TokenProbability {
  readonly id: number;
  /** softmax(logits)[id] over the whole vocabulary. */
  readonly p: number;
  readonly logit: number;
}

export interface MaskPrediction {
  readonly position: number;
  readonly logits: Float32Array;
  readonly top: readonly TokenProbability[];
}

export interface ForwardResult {
  readonly layers: readonly LayerAttention[];
  readonly hidden: Matrix;
  readonly logitsLast?: Float32Array;
  readonly next?: readonly TokenProbability[];
  readonly masks?: readonly MaskPrediction[];
}

export interface FocusedHead {
  readonly layer: number;
  readonly head: number;
  /** The kv head whose keys this query head reads (= head without GQA). */
  readonly kvHead: number;
  /** [n, D] after RoPE where the family has it. */
  readonly q: Matrix;
  readonly k: Matrix;
  readonly scores: Matrix;
  readonly weights: Matrix;
}

export const DEFAULT_MAX_KEPT_BYTES = 512 * 1024 * 1024;

const BYTES_PER_ENTRY: Record<AttentionKeep, number> = { 'scores+weights': 8, weights: 4, compact: 1, none: 0 };

/** Bytes forward would keep for n tokens over `layers` layers of `heads` heads. */
export function keptAttentionBytes(n: number, layers: number, heads: number, keep: AttentionKeep): number {
  return n * n * layers * heads * BYTES_PER_ENTRY[keep];
}

/** Refuses ids the model cannot embed, naming the first bad one. */
export function checkIds(model: TransformerModel, ids: readonly number[]): void {
  const { vocabSize, maxTokens } = model.config;
  if (ids.length === 0) throw new ShapeError('forward: no tokens');
  if (maxTokens !== undefined && ids.length > maxTokens) {
    throw new ShapeError(`forward: ${ids.length} tokens, but this ${model.config.modelType} model has positions for at most ${maxTokens}`);
  }
  // A vocab larger than the embedding table is caught by gatherRows; this names the config's size.
  ids.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new ShapeError(`forward: token id ${id} at position ${i} is outside the vocabulary (0…${vocabSize - 1})`);
    }
  });
}

function runFamily(model: TransformerModel, ids: readonly number[], hooks: LayerHooks): Matrix | undefined {
  switch (model.family) {
    case 'gpt2':
      return gpt2Forward(model.config, model.weights, ids, hooks);
    case 'bert':
      return bertForward(model.config, model.weights, ids, hooks);
    case 'llama':
      return llamaForward(model.config, model.weights, ids, hooks);
    default: {
      const never: never = model;
      throw new ShapeError(`unknown family ${JSON.stringify(never)}`);
    }
  }
}

export function forward(model: TransformerModel, ids: readonly number[], opts: ForwardOptions = {}): ForwardResult {
  checkIds(model, ids);
  const { layers: L, heads: H } = model.config;
  const from = opts.layers?.from ?? 0, to = opts.layers?.to ?? L - 1;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to >= L || from > to) {
    throw new ShapeError(`forward: layers ${from}…${to} are outside 0…${L - 1}`);
  }
  const keep = opts.keep ?? 'scores+weights';
  const n = ids.length;
  const bytes = keptAttentionBytes(n, to - from + 1, H, keep);
  const budget = opts.maxKeptBytes ?? DEFAULT_MAX_KEPT_BYTES;
  if (bytes > budget) {
    throw new ShapeError(
      `forward: keeping ${keep} for ${to - from + 1} layers × ${H} heads at ${n} tokens takes ${mib(bytes)} MiB, over the ${mib(budget)} MiB budget; ` +
        `report fewer layers, keep 'compact' (${mib(keptAttentionBytes(n, to - from + 1, H, 'compact'))} MiB) or stream with onLayer`,
    );
  }

  // Pass 1: the family's layers; each reported layer's heads are kept and/or streamed.
  const layers: LayerAttention[] = Array.from({ length: L }, () => ({ heads: [] }));
  let current: ComputedHead[] = [];
  const flush = (layer: number) => {
    if (opts.onLayer) opts.onLayer(layer, current);
    layers[layer] = { heads: current.map((head) => keepHead(head, keep)) };
    current = [];
  };
  let open = -1;
  const hooks: LayerHooks = {
    wants: (layer) => {
      if (open >= 0) flush(open);
      open = layer >= from && layer <= to ? layer : -1;
      return open >= 0;
    },
    onHead: (_layer, _head, scores, weights) => {
      current.push({ scores, weights });
    },
  };
  const hidden = runFamily(model, ids, hooks);
  if (open >= 0) flush(open);
  if (!hidden) throw new ShapeError('forward: the pass stopped early');

  // Pass 2: what the model predicts.
  const topK = opts.topK ?? 10;
  if (model.config.causal) {
    const head = model.family === 'gpt2' ? model.weights.lmHead : model.family === 'llama' ? model.weights.lmHead : undefined;
    if (!head) return { layers, hidden };
    // logits = h_last · lm_headᵀ. [1, E] · [V, E]ᵀ → [V]
    const last = matrix(1, hidden.cols, hidden.data.slice((n - 1) * hidden.cols));
    const logitsLast = applyLinear(last, { weight: head }).data;
    return { layers, hidden, logitsLast, next: topTokens(logitsLast, topK) };
  }
  if (model.family === 'bert' && model.weights.mlmHead && opts.maskTokenId !== undefined) {
    const positions = ids.flatMap((id, i) => (id === opts.maskTokenId ? [i] : []));
    const masks = positions.map((position) => {
      const logits = maskedLmLogits(model, hidden, position);
      return { position, logits, top: topTokens(logits, topK) };
    });
    return { layers, hidden, masks };
  }
  return { layers, hidden };
}

/** The MLM head at one position: decoder(norm(act(transform(h_i)))). [E] → [V] */
function maskedLmLogits(model: Extract<TransformerModel, { family: 'bert' }>, hidden: Matrix, position: number): Float32Array {
  const head = model.weights.mlmHead!;
  const row = matrix(1, hidden.cols, hidden.data.slice(position * hidden.cols, (position + 1) * hidden.cols));
  const t = applyLinear(row, head.transform);
  applyActivation(t.data, head.activation);
  return applyLinear(layerNorm(t, head.norm.weight, head.norm.bias, model.config.eps), head.decoder).data;
}

function keepHead(head: ComputedHead, keep: AttentionKeep): HeadAttention {
  switch (keep) {
    case 'scores+weights':
      return head;
    case 'weights':
      return { weights: head.weights };
    case 'compact': {
      const w = head.weights.data;
      const compact = new Uint8Array(w.length);
      for (let i = 0; i < w.length; i++) compact[i] = Math.round(w[i]! * 255);
      return { compact };
    }
    case 'none':
      return {};
    default: {
      const never: never = keep;
      throw new ShapeError(`unknown keep ${String(never)}`);
    }
  }
}

/**
 * The k most probable tokens: p = softmax(logits) over the whole vocabulary, in float64 with the
 * max subtracted (softmax.ts's stability argument). Ties keep the lower id first.
 */
export function topTokens(logits: Float32Array, k: number): TokenProbability[] {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of logits) if (v > max) max = v;
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  const order: number[] = [];
  // Partial selection: keep the best k in a small sorted list (k ≪ V).
  for (let id = 0; id < logits.length; id++) {
    const v = logits[id]!;
    if (order.length === k && v <= logits[order[k - 1]!]!) continue;
    let at = order.length;
    while (at > 0 && logits[order[at - 1]!]! < v) at--;
    order.splice(at, 0, id);
    if (order.length > k) order.pop();
  }
  return order.map((id) => ({ id, p: Math.exp(logits[id]! - max) / sum, logit: logits[id]! }));
}

/**
 * What layer `layer`'s attention multiplies q·k by before the softmax: 1/√D in every family
 * (HF's eager attention, scaling = head_dim ** -0.5), and for GPT-2 as its config says (no
 * scaling without scale_attn_weights, also 1/(layer + 1) with scale_attn_by_inverse_layer_idx).
 */
export function attentionScale(model: TransformerModel, layer: number): number {
  return model.family === 'gpt2' ? gpt2AttentionScale(model.config, layer) : 1 / Math.sqrt(model.config.headDim);
}

export function focusHead(model: TransformerModel, ids: readonly number[], layer: number, head: number): FocusedHead {
  checkIds(model, ids);
  const { layers: L, heads: H, kvHeads: KV } = model.config;
  if (!Number.isInteger(layer) || layer < 0 || layer >= L) throw new ShapeError(`focusHead: layer ${layer} is outside 0…${L - 1}`);
  if (!Number.isInteger(head) || head < 0 || head >= H) throw new ShapeError(`focusHead: head ${head} is outside 0…${H - 1}`);
  let found: FocusedHead | undefined;
  runFamily(model, ids, {
    wants: (l) => l === layer,
    onHead: (l, h, scores, weights, vectors) => {
      if (l === layer && h === head) found = { layer, head, kvHead: Math.floor(head / (H / KV)), ...vectors(), scores, weights };
    },
    lastLayer: layer,
  });
  if (!found) throw new ShapeError(`focusHead: layer ${layer} head ${head} was not computed`);
  return found;
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 0);
}
