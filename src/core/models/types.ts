/**
 * The family-neutral shapes of a loaded transformer: typed configs and flat weight structs per
 * family (GPT-2; the BERT family; the Llama family), as the forward passes in this folder read
 * them. src/model/ builds them from a Hugging Face folder (config.json, safetensors); nothing
 * here knows a file name or a tensor name.
 *
 * Conventions:
 *   Every projection is a LinearWeight: y = x Wᵀ + b with W logically [out, in] (nn.Linear).
 *   Weight matrices (projections, embedding tables, output heads) are WeightMatrix: a float32
 *   Matrix in nn.Linear's layout, or a StoredWeight kept as the checkpoint stores it (float16 and
 *   bfloat16 as their bits, GPT-2's Conv1D as [in, out]) so loading copies nothing and 16-bit
 *   checkpoints stay 16-bit in memory. Only linear.ts reads a weight's elements.
 *   Embedding tables are [rows, E]; a tied output head is the same object as the table.
 *
 * Legend (as in src/core/types.ts, plus):
 *   E hidden size, H query heads, KV key/value heads, D head width, F feed-forward width,
 *   V vocabulary, L layers, P learned positions.
 */
import type { Activation } from '../blocks/activations';
import type { HeadVectors } from '../blocks/groupedQueryAttention';
import type { RopeScaling } from '../blocks/rope';
import type { Matrix } from '../types';

/** config.json `model_type` values the engine runs. */
export const MODEL_TYPES = ['gpt2', 'bert', 'distilbert', 'roberta', 'llama', 'mistral', 'qwen2'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

/** How a StoredWeight holds its elements. */
export type WeightDtype = 'f32' | 'f16' | 'bf16';

/**
 * A weight matrix as stored, logically [rows, cols] = [out, in] (for a table: [entries, E]).
 *   layout 'out-in'  element (r, c) at data[r·cols + c]   (nn.Linear, embedding tables)
 *   layout 'in-out'  element (r, c) at data[c·rows + r]   (GPT-2's Conv1D: stored [in, out])
 *   dtype 'f32' data is a Float32Array; 'f16' / 'bf16' data holds the 16-bit patterns.
 * `data` may be a view into a kernel's own memory (src/model/parallel places weights so).
 */
export interface StoredWeight {
  readonly rows: number;
  readonly cols: number;
  readonly dtype: WeightDtype;
  readonly layout: 'out-in' | 'in-out';
  readonly data: Float32Array | Uint16Array;
}

/** A weight matrix: float32 in nn.Linear's layout, or as stored (see StoredWeight). */
export type WeightMatrix = Matrix | StoredWeight;

/** y = x Wᵀ + b. W [out, in], b [out]. The one seam every projection goes through (linear.ts). */
export interface LinearWeight {
  readonly weight: WeightMatrix;
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
  /** [V, E] */ readonly wte: WeightMatrix;
  /** [P, E] */ readonly wpe: WeightMatrix;
  readonly layers: readonly Gpt2Layer[];
  readonly lnF: NormWeight;
  /** [V, E]; wte itself when tied. */
  readonly lmHead: WeightMatrix;
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
  readonly wordEmbeddings: WeightMatrix;
  readonly positionEmbeddings: WeightMatrix;
  /** Row 0 is added to every token (token type 0); absent in DistilBERT. */
  readonly tokenTypeEmbeddings: WeightMatrix | undefined;
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
  readonly embed: WeightMatrix;
  readonly layers: readonly LlamaLayer[];
  readonly norm: Float32Array;
  /** [V, E]; embed itself when tied; undefined for a base model with untied embeddings. */
  readonly lmHead: WeightMatrix | undefined;
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
  /** scores/weights [n, n]; vectors() copies out q [n, D], the head's queries, and k [n, D], its (kv head's) keys, after RoPE. */
  readonly onHead: (layer: number, head: number, scores: Matrix, weights: Matrix, vectors: () => HeadVectors) => void;
  /** Stop after this layer (a focused head needs nothing later); the pass then returns undefined. */
  readonly lastLayer?: number;
}
