/**
 * Writes a random GPT-2 checkpoint in the Hugging Face layout for bench/model.bench.ts (issue 11,
 * Benchmark): `config.json` + `model.safetensors`, under bench/data/ (git-ignored), once; later
 * calls find it and return at once.
 *
 * Layout, as `GPT2LMHeadModel.save_pretrained` writes it (transformers' modeling_gpt2.py):
 *   transformer.wte.weight [vocab, hidden], transformer.wpe.weight [positions, hidden],
 *   transformer.h.{i}.ln_1.{weight,bias} [hidden],
 *   transformer.h.{i}.attn.c_attn.weight [hidden, 3·hidden] (Conv1D: [in, out]), .bias [3·hidden],
 *   transformer.h.{i}.attn.c_proj.weight [hidden, hidden], .bias [hidden],
 *   transformer.h.{i}.ln_2.{weight,bias} [hidden],
 *   transformer.h.{i}.mlp.c_fc.weight [hidden, 4·hidden], .bias [4·hidden],
 *   transformer.h.{i}.mlp.c_proj.weight [4·hidden, hidden], .bias [hidden],
 *   transformer.ln_f.{weight,bias} [hidden];
 *   lm_head.weight is tied to wte and not saved (as save_pretrained does for tied weights).
 * Values: GPT-2's initialisation scale (_init_weights: normal, std 0.02; c_proj std
 * 0.02/√(2·layers)) drawn uniform with that standard deviation from the core's mulberry32, so the
 * file is the same on every machine; layer norms 1 ± 0.1 and biases ±0.01, so they matter.
 * F16 files hold the same values rounded to nearest-even float16.
 * safetensors: 8-byte little-endian header length, the JSON header (padded with spaces to a
 * multiple of 8), then the tensors back to back in header order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { uniform01 } from '../src/core/random';

export interface Gpt2Shape {
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly vocab: number;
  readonly positions: number;
  readonly dtype: 'F32' | 'F16';
}

/** GPT-2 small: 124 M parameters, ~498 MB in F32. */
export const GPT2_SMALL: Gpt2Shape = { layers: 12, hidden: 768, heads: 12, vocab: 50257, positions: 1024, dtype: 'F32' };

export const DATA_DIR = path.join(__dirname, 'data');

interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  /** 'normal': uniform with the std; 'ones': 1 ± 0.1; 'bias': ±0.01. */
  readonly init: 'normal' | 'ones' | 'bias';
  readonly std?: number;
}

export function gpt2Tensors(s: Gpt2Shape): TensorSpec[] {
  const d = s.hidden, std = 0.02, projStd = 0.02 / Math.sqrt(2 * s.layers);
  const specs: TensorSpec[] = [
    { name: 'transformer.wte.weight', shape: [s.vocab, d], init: 'normal', std },
    { name: 'transformer.wpe.weight', shape: [s.positions, d], init: 'normal', std: 0.01 },
  ];
  for (let i = 0; i < s.layers; i++) {
    const h = `transformer.h.${i}.`;
    specs.push(
      { name: `${h}ln_1.weight`, shape: [d], init: 'ones' }, { name: `${h}ln_1.bias`, shape: [d], init: 'bias' },
      { name: `${h}attn.c_attn.weight`, shape: [d, 3 * d], init: 'normal', std }, { name: `${h}attn.c_attn.bias`, shape: [3 * d], init: 'bias' },
      { name: `${h}attn.c_proj.weight`, shape: [d, d], init: 'normal', std: projStd }, { name: `${h}attn.c_proj.bias`, shape: [d], init: 'bias' },
      { name: `${h}ln_2.weight`, shape: [d], init: 'ones' }, { name: `${h}ln_2.bias`, shape: [d], init: 'bias' },
      { name: `${h}mlp.c_fc.weight`, shape: [d, 4 * d], init: 'normal', std }, { name: `${h}mlp.c_fc.bias`, shape: [4 * d], init: 'bias' },
      { name: `${h}mlp.c_proj.weight`, shape: [4 * d, d], init: 'normal', std: projStd }, { name: `${h}mlp.c_proj.bias`, shape: [d], init: 'bias' },
    );
  }
  specs.push({ name: 'transformer.ln_f.weight', shape: [d], init: 'ones' }, { name: 'transformer.ln_f.bias', shape: [d], init: 'bias' });
  return specs;
}

const scratchFloat = new Float32Array(1), scratchBits = new Uint32Array(scratchFloat.buffer);

/** float32 → float16 bits, round to nearest even. */
export function toFloat16Bits(value: number): number {
  scratchFloat[0] = value;
  const bits = scratchBits[0]!;
  const sign = (bits >>> 16) & 0x8000, exponent = (bits >>> 23) & 0xff, mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mantissa | 0x800000, shift = 14 - e;
    let half = m >>> shift;
    const rest = m & ((1 << shift) - 1), halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half++;
  return sign | half;
}

export function checkpointDir(s: Gpt2Shape): string {
  return path.join(DATA_DIR, `gpt2-l${s.layers}-d${s.hidden}-h${s.heads}-v${s.vocab}-${s.dtype.toLowerCase()}`);
}

/** The checkpoint's folder, written first if missing (a few seconds for GPT-2 small). */
export function ensureGpt2Checkpoint(s: Gpt2Shape, seed = 11): string {
  const dir = checkpointDir(s);
  const model = path.join(dir, 'model.safetensors');
  const specs = gpt2Tensors(s);
  const elementBytes = s.dtype === 'F32' ? 4 : 2;
  let offset = 0;
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  for (const spec of specs) {
    const bytes = spec.shape.reduce((a, b) => a * b, 1) * elementBytes;
    header[spec.name] = { dtype: s.dtype, shape: spec.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const total = 8 + json.length + offset;
  if (fs.existsSync(model) && fs.statSync(model).size === total && fs.existsSync(path.join(dir, 'config.json'))) return dir;

  fs.mkdirSync(dir, { recursive: true });
  const config = {
    architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', activation_function: 'gelu_new',
    n_layer: s.layers, n_embd: s.hidden, n_head: s.heads, n_positions: s.positions, n_ctx: s.positions, n_inner: null,
    vocab_size: s.vocab, layer_norm_epsilon: 1e-5, bos_token_id: 50256, eos_token_id: 50256,
    resid_pdrop: 0.1, embd_pdrop: 0.1, attn_pdrop: 0.1, scale_attn_weights: true, tie_word_embeddings: true,
    torch_dtype: s.dtype === 'F32' ? 'float32' : 'float16',
  };
  fs.writeFileSync(path.join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const partial = `${model}.partial`;
  const fd = fs.openSync(partial, 'w');
  try {
    const lengthBytes = Buffer.alloc(8);
    lengthBytes.writeBigUInt64LE(BigInt(json.length));
    fs.writeSync(fd, lengthBytes);
    fs.writeSync(fd, Buffer.from(json, 'latin1'));
    const random = uniform01(seed);
    for (const spec of specs) {
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(count);
      const halfWidth = (spec.std ?? 0) * Math.sqrt(3); // U(−a, a) has std a/√3
      for (let i = 0; i < count; i++) {
        const u = 2 * random() - 1;
        values[i] = spec.init === 'normal' ? halfWidth * u : spec.init === 'ones' ? 1 + 0.1 * u : 0.01 * u;
      }
      let out: Float32Array | Uint16Array = values;
      if (s.dtype === 'F16') {
        out = new Uint16Array(count);
        for (let i = 0; i < count; i++) out[i] = toFloat16Bits(values[i]!);
      }
      fs.writeSync(fd, new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(partial, model);
  return dir;
}

if (require.main === module) {
  // `node --import tsx bench/gpt2Checkpoint.ts [F16]`: write GPT-2 small (and print where).
  const dtype = process.argv[2] === 'F16' ? 'F16' : 'F32';
  const t0 = performance.now();
  const dir = ensureGpt2Checkpoint({ ...GPT2_SMALL, dtype });
  console.log(`${dir} (${(fs.statSync(path.join(dir, 'model.safetensors')).size / 1e6).toFixed(1)} MB, ${((performance.now() - t0) / 1e3).toFixed(1)} s)`);
}
