/**
 * config.json → the typed config of one family (src/core/models/types.ts), every field checked.
 *
 * Contract:
 *   parseModelConfig(json, file) → ModelConfig, or a ModelError naming `file` and the key:
 *     an unknown `model_type` lists the supported ones; a missing or non-positive size names
 *     the key; an unsupported option (rope_scaling type, position_embedding_type, activation)
 *     names the value and what is supported.
 *   Key names and defaults are those of transformers' configuration_<family>.py (GPT2Config,
 *   BertConfig, DistilBertConfig, RobertaConfig, LlamaConfig, MistralConfig, Qwen2Config).
 */
import { ACTIVATIONS, type Activation } from '../core/blocks/activations';
import type { RopeScaling } from '../core/blocks/rope';
import { MODEL_TYPES, type BertConfig, type Gpt2Config, type LlamaConfig, type ModelConfig, type ModelType } from '../core/models/types';
import { ModelError } from './errors';

type Json = Record<string, unknown>;

/** What parseModelConfig also reports for the summary. */
export interface ConfigExtras {
  readonly architectures: readonly string[];
  /** tie_word_embeddings as the config says, with the family's default. */
  readonly tieWordEmbeddings: boolean;
  readonly torchDtype: string | undefined;
}

export function parseModelConfig(json: unknown, file: string): { config: ModelConfig; extras: ConfigExtras } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ModelError(file, 'config.json must be a JSON object');
  const c = json as Json;
  const type = c['model_type'];
  if (typeof type !== 'string' || !(MODEL_TYPES as readonly string[]).includes(type)) {
    throw new ModelError(file, `unsupported model_type ${JSON.stringify(type ?? null)}; supported: ${MODEL_TYPES.join(', ')}`);
  }
  const modelType = type as ModelType;
  const read = new Reader(c, file);
  const architectures = Array.isArray(c['architectures']) ? c['architectures'].filter((a): a is string => typeof a === 'string') : [];
  const torchDtype = typeof c['torch_dtype'] === 'string' ? c['torch_dtype'] : undefined;
  switch (modelType) {
    case 'gpt2': {
      const config = gpt2Config(read);
      return { config, extras: { architectures, torchDtype, tieWordEmbeddings: read.bool('tie_word_embeddings', true) } };
    }
    case 'bert':
    case 'distilbert':
    case 'roberta': {
      const config = bertConfig(read, modelType);
      return { config, extras: { architectures, torchDtype, tieWordEmbeddings: read.bool('tie_word_embeddings', true) } };
    }
    case 'llama':
    case 'mistral':
    case 'qwen2': {
      const config = llamaConfig(read, modelType);
      return { config, extras: { architectures, torchDtype, tieWordEmbeddings: read.bool('tie_word_embeddings', false) } };
    }
    default: {
      const never: never = modelType;
      throw new ModelError(file, `unsupported model_type ${String(never)}`);
    }
  }
}

class Reader {
  constructor(
    private readonly c: Json,
    private readonly file: string,
  ) {}

  raw(key: string): unknown {
    return this.c[key];
  }

  has(key: string): boolean {
    return this.c[key] !== undefined && this.c[key] !== null;
  }

  /** A whole number ≥ 1; `fallback` when the key is absent or null. */
  count(key: string, fallback?: number): number {
    const value = this.c[key];
    if ((value === undefined || value === null) && fallback !== undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new ModelError(this.file, `"${key}" must be a whole number ≥ 1, found ${JSON.stringify(value ?? null)}`);
    }
    return value;
  }

  positive(key: string, fallback: number): number {
    const value = this.c[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new ModelError(this.file, `"${key}" must be a number > 0, found ${JSON.stringify(value)}`);
    }
    return value;
  }

  bool(key: string, fallback: boolean): boolean {
    const value = this.c[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') throw new ModelError(this.file, `"${key}" must be true or false, found ${JSON.stringify(value)}`);
    return value;
  }

  int(key: string, fallback: number | undefined): number | undefined {
    const value = this.c[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new ModelError(this.file, `"${key}" must be a whole number, found ${JSON.stringify(value)}`);
    return value;
  }

  activation(key: string, fallback: Activation): Activation {
    const value = this.c[key] ?? fallback;
    // transformers' ACT2FN: "swish" is silu; "gelu_pytorch_tanh" is gelu_new's formula.
    const alias: Record<string, Activation> = { swish: 'silu', gelu_pytorch_tanh: 'gelu_new', gelu_fast: 'gelu_new' };
    const name = typeof value === 'string' ? alias[value] ?? value : value;
    if (typeof name !== 'string' || !(ACTIVATIONS as readonly string[]).includes(name)) {
      throw new ModelError(this.file, `"${key}" ${JSON.stringify(value)} is not supported; supported: ${ACTIVATIONS.join(', ')}`);
    }
    return name as Activation;
  }

  object(key: string): Json | undefined {
    const value = this.c[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw new ModelError(this.file, `"${key}" must be an object or null, found ${JSON.stringify(value)}`);
    return value as Json;
  }

  fail(problem: string): never {
    throw new ModelError(this.file, problem);
  }
}

function divisible(read: Reader, hidden: number, heads: number, hiddenKey: string, headsKey: string): number {
  if (hidden % heads !== 0) read.fail(`"${hiddenKey}" ${hidden} is not divisible by "${headsKey}" ${heads}`);
  return hidden / heads;
}

function gpt2Config(read: Reader): Gpt2Config {
  const hidden = read.count('n_embd'), heads = read.count('n_head');
  return {
    family: 'gpt2',
    modelType: 'gpt2',
    layers: read.count('n_layer'),
    heads,
    kvHeads: heads,
    hidden,
    headDim: divisible(read, hidden, heads, 'n_embd', 'n_head'),
    vocabSize: read.count('vocab_size'),
    maxTokens: read.count('n_positions', read.count('n_ctx', 1024)),
    causal: true,
    eps: read.positive('layer_norm_epsilon', 1e-5),
    inner: read.count('n_inner', 4 * hidden),
    activation: read.activation('activation_function', 'gelu_new'),
    scaleAttnWeights: read.bool('scale_attn_weights', true),
    scaleAttnByInverseLayerIdx: read.bool('scale_attn_by_inverse_layer_idx', false),
  };
}

function bertConfig(read: Reader, modelType: 'bert' | 'distilbert' | 'roberta'): BertConfig {
  if (modelType === 'distilbert') {
    const hidden = read.count('dim'), heads = read.count('n_heads');
    return {
      family: 'bert',
      modelType,
      layers: read.count('n_layers'),
      heads,
      kvHeads: heads,
      hidden,
      headDim: divisible(read, hidden, heads, 'dim', 'n_heads'),
      vocabSize: read.count('vocab_size'),
      maxTokens: read.count('max_position_embeddings', 512),
      causal: false,
      // modeling_distilbert.py builds every LayerNorm with eps=1e-12 (not a config key).
      eps: 1e-12,
      intermediate: read.count('hidden_dim'),
      activation: read.activation('activation', 'gelu'),
      paddingIdx: undefined,
    };
  }
  const positionType = read.raw('position_embedding_type') ?? 'absolute';
  if (positionType !== 'absolute') {
    read.fail(`position_embedding_type ${JSON.stringify(positionType)} is not supported; supported: "absolute"`);
  }
  const hidden = read.count('hidden_size'), heads = read.count('num_attention_heads');
  const positions = read.count('max_position_embeddings', 512);
  const paddingIdx = modelType === 'roberta' ? read.int('pad_token_id', 1)! : undefined;
  return {
    family: 'bert',
    modelType,
    layers: read.count('num_hidden_layers'),
    heads,
    kvHeads: heads,
    hidden,
    headDim: divisible(read, hidden, heads, 'hidden_size', 'num_attention_heads'),
    vocabSize: read.count('vocab_size'),
    // RoBERTa's first position is padding_idx + 1, so padding_idx + 1 rows are never a token's.
    maxTokens: paddingIdx === undefined ? positions : positions - paddingIdx - 1,
    causal: false,
    eps: read.positive('layer_norm_eps', 1e-12),
    intermediate: read.count('intermediate_size'),
    activation: read.activation('hidden_act', 'gelu'),
    paddingIdx,
  };
}

function llamaConfig(read: Reader, modelType: 'llama' | 'mistral' | 'qwen2'): LlamaConfig {
  const hidden = read.count('hidden_size'), heads = read.count('num_attention_heads');
  const kvHeads = read.count('num_key_value_heads', heads);
  if (heads % kvHeads !== 0) read.fail(`"num_attention_heads" ${heads} is not a multiple of "num_key_value_heads" ${kvHeads}`);
  const headDim = read.has('head_dim') ? read.count('head_dim') : divisible(read, hidden, heads, 'hidden_size', 'num_attention_heads');
  if (headDim % 2 !== 0) read.fail(`head_dim ${headDim} must be even for rotary embeddings`);
  const layers = read.count('num_hidden_layers');
  // Sliding windows: Mistral on every layer (sliding_window, null for none); Qwen2 only with
  // use_sliding_window, on layers ≥ max_window_layers (Qwen2Config's layer_types rule).
  const window = modelType === 'llama' ? undefined : read.int('sliding_window', undefined);
  const useWindow = modelType === 'mistral' ? window !== undefined : modelType === 'qwen2' && read.bool('use_sliding_window', false) && window !== undefined;
  const firstWindowLayer = modelType === 'qwen2' ? read.int('max_window_layers', 0)! : 0;
  if (useWindow && window! < 1) read.fail(`"sliding_window" must be ≥ 1, found ${window}`);
  return {
    family: 'llama',
    modelType,
    layers,
    heads,
    kvHeads,
    hidden,
    headDim,
    vocabSize: read.count('vocab_size'),
    maxTokens: undefined,
    causal: true,
    eps: read.positive('rms_norm_eps', 1e-6),
    intermediate: read.count('intermediate_size'),
    activation: read.activation('hidden_act', 'silu'),
    ropeTheta: read.positive('rope_theta', 10000),
    ropeScaling: ropeScaling(read),
    windows: Array.from({ length: layers }, (_, l) => (useWindow && l >= firstWindowLayer ? window : undefined)),
  };
}

function ropeScaling(read: Reader): RopeScaling {
  const s = read.object('rope_scaling');
  if (!s) return { type: 'default' };
  const kind = s['rope_type'] ?? s['type'];
  const number = (key: string, fallback?: number): number => {
    const value = s[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) read.fail(`rope_scaling.${key} must be a number > 0, found ${JSON.stringify(value ?? null)}`);
    return value;
  };
  switch (kind) {
    case 'default':
      return { type: 'default' };
    case 'linear':
      return { type: 'linear', factor: number('factor') };
    case 'llama3': {
      const lowFreqFactor = number('low_freq_factor'), highFreqFactor = number('high_freq_factor');
      if (!(highFreqFactor > lowFreqFactor)) read.fail(`rope_scaling.high_freq_factor (${highFreqFactor}) must be larger than low_freq_factor (${lowFreqFactor})`);
      return { type: 'llama3', factor: number('factor'), lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings: number('original_max_position_embeddings') };
    }
    default:
      return read.fail(`rope_scaling type ${JSON.stringify(kind ?? null)} is not supported; supported: default, linear, llama3`);
  }
}
