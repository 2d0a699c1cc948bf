/**
 * Checkpoint tensors → the flat weight structs of src/core/models/types.ts, by Hugging Face's
 * tensor names (as save_pretrained writes them for each family's modeling file).
 *
 * Contract:
 *   buildWeights(config, extras, checkpoint) → TransformerModel, or a ModelError:
 *     missing tensor     names the tensor (with the prefix the checkpoint uses), in the file
 *                        that should hold it (model.safetensors or the index)
 *     wrong shape        names the tensor, the expected shape (from config.json) and the found
 *                        one, in the shard holding it
 *   Name resolution:
 *     base-model prefix  the task-head classes save the base model under a prefix (`transformer.`
 *                        for GPT2LMHeadModel, `bert.`, `distilbert.`, `roberta.`, `model.` for
 *                        *ForCausalLM); base-model checkpoints have none. The prefix is the one
 *                        under which the token embedding exists, and is then used for every
 *                        base-model tensor. Head tensors (lm_head.*, cls.*, vocab_*) have none.
 *     LayerNorm names    old checkpoints (converted from TensorFlow) call weight/bias gamma/beta.
 *     tied embeddings    an output head absent from the file is the token embedding itself, as
 *                        save_pretrained drops tied duplicates (GPT-2, the MLM decoders, and the
 *                        Llama family with tie_word_embeddings).
 *     ignored            GPT-2's attn.bias / attn.masked_bias buffers, poolers, position_ids,
 *                        rotary inv_freq buffers: not read.
 *   Weight matrices are kept as stored (types.ts WeightMatrix): float32 [out, in] as a Matrix,
 *   float16/bfloat16 as their bits, GPT-2's Conv1D [in, out] as a StoredWeight with layout
 *   'in-out' (never transposed: linear.ts and the kernels read either layout). Their elements go
 *   where the TensorAllocator says (default: the JS heap). Norms and biases are float32.
 */
import { matrix } from '../core/linalg';
import type {
  BertConfig, BertLayer, Gpt2Config, Gpt2Layer, LinearWeight, LlamaConfig, LlamaLayer, MaskedLmHead, ModelType, NormWeight, TransformerModel,
  WeightMatrix,
} from '../core/models/types';
import { heapAllocator, type Checkpoint, type TensorAllocator } from './checkpoint';
import type { ConfigExtras } from './config';
import { ModelError } from './errors';

const BASE_PREFIX: Record<ModelType, { readonly prefix: string; readonly anchor: string }> = {
  gpt2: { prefix: 'transformer.', anchor: 'wte.weight' },
  bert: { prefix: 'bert.', anchor: 'embeddings.word_embeddings.weight' },
  distilbert: { prefix: 'distilbert.', anchor: 'embeddings.word_embeddings.weight' },
  roberta: { prefix: 'roberta.', anchor: 'embeddings.word_embeddings.weight' },
  llama: { prefix: 'model.', anchor: 'embed_tokens.weight' },
  mistral: { prefix: 'model.', anchor: 'embed_tokens.weight' },
  qwen2: { prefix: 'model.', anchor: 'embed_tokens.weight' },
};

/** Tensors read by name, with shape checks; remembers which were used (for the summary). */
export class TensorReader {
  readonly used = new Set<string>();
  readonly base: string;

  constructor(
    private readonly checkpoint: Checkpoint,
    modelType: ModelType,
    private readonly allocate: TensorAllocator = heapAllocator,
  ) {
    const { prefix, anchor } = BASE_PREFIX[modelType];
    if (checkpoint.tensors.has(anchor)) this.base = '';
    else if (checkpoint.tensors.has(prefix + anchor)) this.base = prefix;
    else throw new ModelError(checkpoint.source, `missing tensor "${prefix + anchor}" (or "${anchor}" in a base-model checkpoint): the token embedding of a ${modelType} model`);
  }

  /** The stored name of a base-model tensor (prefix added), or of a head tensor (`head`). */
  private stored(name: string, head: boolean): string {
    return head ? name : this.base + name;
  }

  /** The stored name, trying LayerNorm's old gamma/beta names; undefined when absent. */
  find(name: string, opts: { head?: boolean; norm?: boolean } = {}): string | undefined {
    const full = this.stored(name, opts.head ?? false);
    if (this.checkpoint.tensors.has(full)) return full;
    if (opts.norm) {
      const old = full.replace(/\.weight$/, '.gamma').replace(/\.bias$/, '.beta');
      if (old !== full && this.checkpoint.tensors.has(old)) return old;
    }
    return undefined;
  }

  shapeOf(name: string, opts: { head?: boolean; norm?: boolean } = {}): readonly number[] | undefined {
    const found = this.find(name, opts);
    return found === undefined ? undefined : this.checkpoint.tensors.get(found)!.shape;
  }

  has(name: string, opts: { head?: boolean; norm?: boolean } = {}): boolean {
    return this.find(name, opts) !== undefined;
  }

  /** A tensor of exactly `shape`, as float32. */
  read(name: string, shape: readonly number[], opts: { head?: boolean; norm?: boolean } = {}): Float32Array {
    return this.checkpoint.read(this.checked(name, shape, opts));
  }

  /** The stored name of a tensor of exactly `shape`, marked used; a ModelError when absent or of another shape. */
  private checked(name: string, shape: readonly number[], opts: { head?: boolean; norm?: boolean }): string {
    const found = this.find(name, opts);
    if (found === undefined) throw new ModelError(this.checkpoint.source, `missing tensor "${this.stored(name, opts.head ?? false)}"`);
    const tensor = this.checkpoint.tensors.get(found)!;
    const same = tensor.shape.length === shape.length && tensor.shape.every((d, i) => d === shape[i]);
    if (!same) {
      throw new ModelError(tensor.file, `tensor "${found}" has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}] (from config.json)`);
    }
    this.used.add(found);
    return found;
  }

  /** A weight matrix [rows, cols] as stored: float32 as a Matrix, 16-bit as a StoredWeight of bits. */
  matrix(name: string, rows: number, cols: number, opts: { head?: boolean } = {}): WeightMatrix {
    const { dtype, data } = this.checkpoint.readStored(this.checked(name, [rows, cols], opts), this.allocate);
    return dtype === 'f32' ? matrix(rows, cols, data as Float32Array) : { rows, cols, dtype, layout: 'out-in', data };
  }

  /** nn.Linear `<name>.weight` [out, in] and, when present or required, `<name>.bias` [out]. */
  linear(name: string, out: number, inp: number, bias: 'required' | 'optional' | 'none', opts: { head?: boolean } = {}): LinearWeight {
    const weight = this.matrix(`${name}.weight`, out, inp, opts);
    if (bias === 'none' || (bias === 'optional' && !this.has(`${name}.bias`, opts))) return { weight };
    return { weight, bias: this.read(`${name}.bias`, [out], opts) };
  }

  /** GPT-2's Conv1D: weight stored [in, out] (x · W + b), kept so: logically [out, in], layout 'in-out'. */
  conv1d(name: string, inp: number, out: number): LinearWeight {
    const { dtype, data } = this.checkpoint.readStored(this.checked(`${name}.weight`, [inp, out], {}), this.allocate);
    return { weight: { rows: out, cols: inp, dtype, layout: 'in-out', data }, bias: this.read(`${name}.bias`, [out]) };
  }

  norm(name: string, width: number, withBias: boolean, opts: { head?: boolean } = {}): NormWeight {
    const weight = this.read(`${name}.weight`, [width], { ...opts, norm: true });
    return withBias ? { weight, bias: this.read(`${name}.bias`, [width], { ...opts, norm: true }) } : { weight };
  }
}

export function buildWeights(config: TransformerModel['config'], extras: ConfigExtras, checkpoint: Checkpoint,
  allocate: TensorAllocator = heapAllocator): { model: TransformerModel; reader: TensorReader } {
  const reader = new TensorReader(checkpoint, config.modelType, allocate);
  switch (config.family) {
    case 'gpt2':
      return { model: { family: 'gpt2', config, weights: gpt2Weights(config, extras, reader, checkpoint) }, reader };
    case 'bert':
      return { model: { family: 'bert', config, weights: bertWeights(config, reader) }, reader };
    case 'llama':
      return { model: { family: 'llama', config, weights: llamaWeights(config, extras, reader) }, reader };
    default: {
      const never: never = config;
      throw new ModelError(checkpoint.source, `unknown family ${JSON.stringify(never)}`);
    }
  }
}

// transformers/models/gpt2/modeling_gpt2.py: GPT2Model (wte, wpe, h.{i}, ln_f), GPT2Block
// (ln_1, attn.c_attn, attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj); GPT2LMHeadModel.lm_head (tied).
function gpt2Weights(c: Gpt2Config, extras: ConfigExtras, r: TensorReader, checkpoint: Checkpoint) {
  const E = c.hidden;
  const wte = r.matrix('wte.weight', c.vocabSize, E);
  const wpe = r.matrix('wpe.weight', c.maxTokens!, E);
  const layers: Gpt2Layer[] = [];
  for (let l = 0; l < c.layers; l++) {
    const p = `h.${l}.`;
    layers.push({
      ln1: r.norm(`${p}ln_1`, E, true),
      attn: r.conv1d(`${p}attn.c_attn`, E, 3 * E),
      attnProj: r.conv1d(`${p}attn.c_proj`, E, E),
      ln2: r.norm(`${p}ln_2`, E, true),
      fc: r.conv1d(`${p}mlp.c_fc`, E, c.inner),
      proj: r.conv1d(`${p}mlp.c_proj`, c.inner, E),
    });
  }
  const lnF = r.norm('ln_f', E, true);
  let lmHead = wte;
  if (r.has('lm_head.weight', { head: true })) lmHead = r.matrix('lm_head.weight', c.vocabSize, E, { head: true });
  else if (!extras.tieWordEmbeddings) throw new ModelError(checkpoint.source, 'missing tensor "lm_head.weight" (tie_word_embeddings is false)');
  return { wte, wpe, layers, lnF, lmHead };
}

// transformers/models/bert/modeling_bert.py (BertEmbeddings, BertLayer, BertOnlyMLMHead "cls."),
// models/roberta/modeling_roberta.py (the same encoder, RobertaLMHead "lm_head."),
// models/distilbert/modeling_distilbert.py (Embeddings, TransformerBlock, vocab_transform /
// vocab_layer_norm / vocab_projector).
function bertWeights(c: BertConfig, r: TensorReader) {
  const E = c.hidden, F = c.intermediate, V = c.vocabSize;
  const word = r.matrix('embeddings.word_embeddings.weight', V, E);
  const positionRows = c.maxTokens! + (c.paddingIdx === undefined ? 0 : c.paddingIdx + 1);
  const positions = r.matrix('embeddings.position_embeddings.weight', positionRows, E);
  const distil = c.modelType === 'distilbert';
  let tokenTypes: WeightMatrix | undefined;
  if (!distil) {
    // type_vocab_size rows (2 for BERT, 1 for RoBERTa); only row 0 (one segment) is read.
    const rows = r.shapeOf('embeddings.token_type_embeddings.weight')?.[0] ?? 1;
    tokenTypes = r.matrix('embeddings.token_type_embeddings.weight', rows, E);
  }
  const embNorm = r.norm('embeddings.LayerNorm', E, true);
  const layers: BertLayer[] = [];
  for (let l = 0; l < c.layers; l++) {
    if (distil) {
      const p = `transformer.layer.${l}.`;
      layers.push({
        query: r.linear(`${p}attention.q_lin`, E, E, 'required'),
        key: r.linear(`${p}attention.k_lin`, E, E, 'required'),
        value: r.linear(`${p}attention.v_lin`, E, E, 'required'),
        attnOut: r.linear(`${p}attention.out_lin`, E, E, 'required'),
        attnNorm: r.norm(`${p}sa_layer_norm`, E, true),
        intermediate: r.linear(`${p}ffn.lin1`, F, E, 'required'),
        output: r.linear(`${p}ffn.lin2`, E, F, 'required'),
        outNorm: r.norm(`${p}output_layer_norm`, E, true),
      });
    } else {
      const p = `encoder.layer.${l}.`;
      layers.push({
        query: r.linear(`${p}attention.self.query`, E, E, 'required'),
        key: r.linear(`${p}attention.self.key`, E, E, 'required'),
        value: r.linear(`${p}attention.self.value`, E, E, 'required'),
        attnOut: r.linear(`${p}attention.output.dense`, E, E, 'required'),
        attnNorm: r.norm(`${p}attention.output.LayerNorm`, E, true),
        intermediate: r.linear(`${p}intermediate.dense`, F, E, 'required'),
        output: r.linear(`${p}output.dense`, E, F, 'required'),
        outNorm: r.norm(`${p}output.LayerNorm`, E, true),
      });
    }
  }
  return { wordEmbeddings: word, positionEmbeddings: positions, tokenTypeEmbeddings: tokenTypes, embNorm, layers, mlmHead: maskedLmHead(c, r, word) };
}

/** The MLM head when the checkpoint has one: its decoder is the word embedding when tied. */
function maskedLmHead(c: BertConfig, r: TensorReader, word: WeightMatrix): MaskedLmHead | undefined {
  const E = c.hidden, V = c.vocabSize;
  const head = { head: true } as const;
  const names =
    c.modelType === 'distilbert'
      ? { transform: 'vocab_transform', norm: 'vocab_layer_norm', decoder: 'vocab_projector', bias: ['vocab_projector.bias'] }
      : c.modelType === 'roberta'
        ? { transform: 'lm_head.dense', norm: 'lm_head.layer_norm', decoder: 'lm_head.decoder', bias: ['lm_head.bias', 'lm_head.decoder.bias'] }
        : { transform: 'cls.predictions.transform.dense', norm: 'cls.predictions.transform.LayerNorm', decoder: 'cls.predictions.decoder', bias: ['cls.predictions.bias', 'cls.predictions.decoder.bias'] };
  if (!r.has(`${names.transform}.weight`, head)) return undefined;
  const transform = r.linear(names.transform, E, E, 'required', head);
  const norm = r.norm(names.norm, E, true, head);
  const decoderWeight = r.has(`${names.decoder}.weight`, head) ? r.matrix(`${names.decoder}.weight`, V, E, head) : word;
  const biasName = names.bias.find((b) => r.has(b, head)) ?? names.bias[0]!;
  return { transform, activation: c.activation, norm, decoder: { weight: decoderWeight, bias: r.read(biasName, [V], head) } };
}

// transformers/models/llama/modeling_llama.py: LlamaModel (embed_tokens, layers.{i}, norm),
// LlamaDecoderLayer (input_layernorm, self_attn.{q,k,v,o}_proj, post_attention_layernorm,
// mlp.{gate,up,down}_proj), LlamaForCausalLM.lm_head; Qwen2 adds q/k/v biases, Llama may have
// attention_bias / mlp_bias (all biases are read when present).
function llamaWeights(c: LlamaConfig, extras: ConfigExtras, r: TensorReader) {
  const E = c.hidden, H = c.heads, KV = c.kvHeads, D = c.headDim, F = c.intermediate, V = c.vocabSize;
  const embed = r.matrix('embed_tokens.weight', V, E);
  const layers: LlamaLayer[] = [];
  const qkvBias = c.modelType === 'qwen2' ? 'required' : 'optional';
  for (let l = 0; l < c.layers; l++) {
    const p = `layers.${l}.`;
    layers.push({
      inputNorm: r.read(`${p}input_layernorm.weight`, [E]),
      q: r.linear(`${p}self_attn.q_proj`, H * D, E, qkvBias),
      k: r.linear(`${p}self_attn.k_proj`, KV * D, E, qkvBias),
      v: r.linear(`${p}self_attn.v_proj`, KV * D, E, qkvBias),
      o: r.linear(`${p}self_attn.o_proj`, E, H * D, 'optional'),
      postNorm: r.read(`${p}post_attention_layernorm.weight`, [E]),
      gate: r.linear(`${p}mlp.gate_proj`, F, E, 'optional'),
      up: r.linear(`${p}mlp.up_proj`, F, E, 'optional'),
      down: r.linear(`${p}mlp.down_proj`, E, F, 'optional'),
    });
  }
  const norm = r.read('norm.weight', [E]);
  const lmHead = r.has('lm_head.weight', { head: true }) ? r.matrix('lm_head.weight', V, E, { head: true }) : extras.tieWordEmbeddings ? embed : undefined;
  return { embed, layers, norm, lmHead };
}
