/**
 * Opening a local Hugging Face model folder: config.json, the safetensors checkpoint (single or
 * sharded) and the tokenizer, into a model the core's forward pass runs.
 *
 * Contract:
 *   loadModel(dir, opts) → LoadedModel { dir, config, model, tokenizer, summary }
 *     config     the family's typed config (config.ts)
 *     model      config + weights as float32 (weights.ts), what src/core/models forward() takes
 *     tokenizer  src/model/tokenizer's loadTokenizer(dir) (undefined only with tokenizer: false)
 *     summary    what `headlight model DIR` prints
 *   Every problem is a ModelError naming the file: a missing or unreadable config.json, an
 *   unsupported model_type (listing the supported ones), a missing tensor (its name), a tensor of
 *   the wrong shape (expected and found), a truncated shard (byte offsets), a tokenizer the
 *   library cannot run.
 *   Tensors are read one at a time by offset, straight into their final arrays and kept in the
 *   checkpoint's own dtype (F16/BF16 weight matrices as 16-bit patterns; norms and biases as
 *   float32); the checkpoint's files are closed before loadModel returns. Resident memory is
 *   therefore about 1× the checkpoint's size. opts.allocator says where the arrays go (default:
 *   the JS heap; src/model/parallel's WeightArena puts them in the memory its GEMM reads).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelConfig, TransformerModel } from '../core/models/types';
import { openCheckpoint, INDEX_FILE, SINGLE_FILE, type TensorAllocator } from './checkpoint';
import { parseModelConfig, type ConfigExtras } from './config';
import { ModelError } from './errors';
import { loadTokenizer, type ModelTokenizer } from './tokenizer';
import { buildWeights } from './weights';

export { ModelError } from './errors';

export interface ModelSummary {
  readonly dir: string;
  readonly type: string;
  readonly architectures: readonly string[];
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly hidden: number;
  readonly headDim: number;
  readonly vocabSize: number;
  /** Elements of every weight tensor read (tied tensors once, buffers not at all). */
  readonly parameters: number;
  /** The stored dtypes of those tensors, most common first ("F16", or "F32+BF16"). */
  readonly dtype: string;
  readonly checkpoint: { readonly files: readonly string[]; readonly bytes: number; readonly sharded: boolean };
  readonly tokenizer: { readonly kind: string; readonly vocabSize: number } | undefined;
  readonly specialTokens: readonly { readonly id: number; readonly content: string }[];
  /** Decoders: next-token logits are available (lm_head or tied embeddings). Encoders: an MLM head. */
  readonly head: 'lm_head' | 'mlm' | 'none';
}

export interface LoadedModel {
  readonly dir: string;
  readonly config: ModelConfig;
  readonly extras: ConfigExtras;
  readonly model: TransformerModel;
  readonly tokenizer: ModelTokenizer | undefined;
  readonly summary: ModelSummary;
}

export interface LoadOptions {
  /** Load tokenizer.json too (default true). */
  readonly tokenizer?: boolean;
  /** Where weight matrices go (default: fresh arrays on the JS heap). */
  readonly allocator?: TensorAllocator;
}

export function readModelConfig(dir: string): { config: ModelConfig; extras: ConfigExtras } {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new ModelError(dir, 'not a folder (give the model folder holding config.json)');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new ModelError(file, 'cannot read config.json: a Hugging Face model folder has one');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelError(file, `not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseModelConfig(json, file);
}

export function loadModel(dir: string, opts: LoadOptions = {}): LoadedModel {
  const { config, extras } = readModelConfig(dir);
  const checkpoint = openCheckpoint(dir);
  let built: ReturnType<typeof buildWeights>;
  try {
    built = buildWeights(config, extras, checkpoint, opts.allocator);
  } finally {
    checkpoint.close();
  }
  const tokenizer = opts.tokenizer === false ? undefined : openTokenizer(dir);

  const dtypes = new Map<string, number>();
  let parameters = 0;
  for (const name of built.reader.used) {
    const t = checkpoint.tensors.get(name)!;
    const numel = t.shape.reduce((a, b) => a * b, 1);
    parameters += numel;
    dtypes.set(t.dtype, (dtypes.get(t.dtype) ?? 0) + numel);
  }
  const model = built.model;
  const head =
    model.family === 'bert' ? (model.weights.mlmHead ? 'mlm' : 'none') : model.weights.lmHead ? 'lm_head' : 'none';
  const summary: ModelSummary = {
    dir,
    type: config.modelType,
    architectures: extras.architectures,
    layers: config.layers,
    heads: config.heads,
    kvHeads: config.kvHeads,
    hidden: config.hidden,
    headDim: config.headDim,
    vocabSize: config.vocabSize,
    parameters,
    dtype: [...dtypes.entries()].sort((a, b) => b[1] - a[1]).map(([d]) => d).join('+'),
    checkpoint: {
      files: checkpoint.files.map((f) => path.basename(f)),
      bytes: checkpoint.files.reduce((sum, f) => sum + fs.statSync(f).size, 0),
      sharded: checkpoint.source.endsWith(INDEX_FILE),
    },
    tokenizer: tokenizer ? { kind: tokenizer.kind, vocabSize: tokenizer.vocabSize } : undefined,
    specialTokens: tokenizer ? tokenizer.specialTokens : [],
    head,
  };
  return { dir, config, extras, model, tokenizer, summary };
}

/** H2's tokenizer; anything it throws that is not already located is said against tokenizer.json. */
function openTokenizer(dir: string): ModelTokenizer {
  try {
    return loadTokenizer(dir);
  } catch (error) {
    if (error instanceof ModelError) throw error;
    throw new ModelError(path.join(dir, 'tokenizer.json'), error instanceof Error ? error.message : String(error), { cause: error });
  }
}

export { SINGLE_FILE, INDEX_FILE };
