/**
 * The family-neutral shapes of a loaded transformer: typed configs and flat weight structs per
 * family (GPT-2; the BERT family; the Llama family), as the forward passes in this folder read
 * them. src/model/ builds them from a Hugging Face folder (config.json, safetensors); nothing
 * here knows a file name or a tensor name.
 *
 * Conventions:
 *   Every projection is a LinearWeight in nn.Linear's layout: y = x Wᵀ + b, W [out, in].
 *   (GPT-2's Conv1D [in, out] weights are transposed into this layout when loaded.)
 *   Embedding tables are [rows, E]; a tied output head is the same Matrix object as the table.
 *
 * Legend (as in src/core/types.ts, plus):
 *   E hidden size, H query heads, KV key/value heads, D head width, F feed-forward width,
 *   V vocabulary, L layers, P learned positions.
 */
import type { Activation } from '../blocks/activations';
import type { RopeScaling } from '../blocks/rope';
import type { Matrix } from '../types';

/** config.json `model_type` values the engine runs. */
export const MODEL_TYPES = ['gpt2', 'bert', 'distilbert', 'roberta', 'llama', 'mistral', 'qwen2'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

/** y = x Wᵀ + b. W [out, in], b [out]. The one seam every projection goes through (linear.ts). */
export interface LinearWeight {
  readonly weight: Matrix;
  readonly bias?: Float32Array;
}

export interface NormWeight {
  readonly weight: Float32Array;
  readonly bias?: Float32Array;
}

interface CommonConfig {
  readonly modelType: ModelType;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly hidden: number;
  readonly headDim: number;
  readonly vocabSize: number;
  /** The longest input the position table allows (undefined: no table, RoPE). */
  readonly maxTokens: number | undefined;
  /** True for the decoders (next-token models), false for the BERT family's encoders. */
  readonly causal: boolean;
}

// ── GPT-2 ──────────────────────────────────────────────────────────────────────────────────────

export interface Gpt2Config extends CommonConfig {
  readonly family: 'gpt2';
  readonly eps: number;
  readonly inner: number;
  readonly activation: Activation;
  readonly scaleAttnWeights: boolean;
  readonly scaleAttnByInverseLayerIdx: boolean;
}

export interface Gpt2Layer {
  readonly ln1: NormWeight;
  /** Fused c_attn: [3E, E], rows q | k | v. */
  readonly attn: LinearWeight;
  readonly attnProj: LinearWeight;
  readonly ln2: NormWeight;
  readonly fc: LinearWeight;
  readonly proj: LinearWeight;
}

export interface Gpt2Weights {
  /** [V, E] */ readonly wte: Matrix;
  /** [P, E] */ readonly wpe: Matrix;
  readonly layers: readonly Gpt2Layer[];
  readonly lnF: NormWeight;
  /** [V, E]; wte itself when tied. */
  readonly lmHead: Matrix;
}

// ── BERT, DistilBERT, RoBERTa ──────────────────────────────────────────────────────────────────

export interface BertConfig extends CommonConfig {
  readonly family: 'bert';
  readonly eps: number;
  readonly intermediate: number;
  readonly activation: Activation;
  /**
   * RoBERTa numbers positions from padding_idx + 1 (create_position_ids_from_input_ids); a
   * padding token itself gets padding_idx. Undefined for BERT and DistilBERT (positions 0 … n−1).
   */
  readonly paddingIdx: number | undefined;
}

export interface BertLayer {
  readonly query: LinearWeight;
  readonly key: LinearWeight;
  readonly value: LinearWeight;
  readonly attnOut: LinearWeight;
  readonly attnNorm: NormWeight;
  readonly intermediate: LinearWeight;
  readonly output: LinearWeight;
  readonly outNorm: NormWeight;
}

/** BertLMPredictionHead / DistilBERT's vocab_* / RobertaLMHead: dense → act → norm → decoder. */
export interface MaskedLmHead {
  readonly transform: LinearWeight;
  readonly activation: Activation;
  readonly norm: NormWeight;
  /** [V, E] (the word embeddings when tied) and bias [V]. */
  readonly decoder: LinearWeight;
}

export interface BertWeights {
  readonly wordEmbeddings: Matrix;
  readonly positionEmbeddings: Matrix;
  /** Row 0 is added to every token (token type 0); absent in DistilBERT. */
  readonly tokenTypeEmbeddings: Matrix | undefined;
  readonly embNorm: NormWeight;
  readonly layers: readonly BertLayer[];
  readonly mlmHead: MaskedLmHead | undefined;
}

// ── Llama, Mistral, Qwen2 ──────────────────────────────────────────────────────────────────────

export interface LlamaConfig extends CommonConfig {
  readonly family: 'llama';
  readonly eps: number;
  readonly intermediate: number;
  readonly activation: Activation;
  readonly ropeTheta: number;
  readonly ropeScaling: RopeScaling;
  /** Per layer: the sliding window, or undefined for full causal attention. */
  readonly windows: readonly (number | undefined)[];
}

export interface LlamaLayer {
  readonly inputNorm: Float32Array;
  /** [H·D, E], [KV·D, E], [KV·D, E], [E, H·D]; biases where the checkpoint has them (Qwen2: q, k, v). */
  readonly q: LinearWeight;
  readonly k: LinearWeight;
  readonly v: LinearWeight;
  readonly o: LinearWeight;
  readonly postNorm: Float32Array;
  /** [F, E], [F, E], [E, F] */
  readonly gate: LinearWeight;
  readonly up: LinearWeight;
  readonly down: LinearWeight;
}

export interface LlamaWeights {
  readonly embed: Matrix;
  readonly layers: readonly LlamaLayer[];
  readonly norm: Float32Array;
  /** [V, E]; embed itself when tied; undefined for a base model with untied embeddings. */
  readonly lmHead: Matrix | undefined;
}

export type ModelConfig = Gpt2Config | BertConfig | LlamaConfig;

export type TransformerModel =
  | { readonly family: 'gpt2'; readonly config: Gpt2Config; readonly weights: Gpt2Weights }
  | { readonly family: 'bert'; readonly config: BertConfig; readonly weights: BertWeights }
  | { readonly family: 'llama'; readonly config: LlamaConfig; readonly weights: LlamaWeights };

/** What a family's forward pass tells its caller about each layer's heads. */
export interface LayerHooks {
  /** Whether this layer's heads are passed to onHead (the others are computed and dropped). */
  readonly wants: (layer: number) => boolean;
  /** scores/weights [n, n]; q [n, D] the head's queries, k [n, D] its (kv head's) keys, after RoPE. */
  readonly onHead: (layer: number, head: number, scores: Matrix, weights: Matrix, q: Matrix, k: Matrix) => void;
  /** Stop after this layer (a focused head needs nothing later); the pass then returns undefined. */
  readonly lastLayer?: number;
}
