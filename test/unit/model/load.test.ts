/**
 * Loading model folders: what the summary says, and the located message of each bad input.
 * Bad inputs are made in a temp dir from the good fixtures (copy, then truncate or patch bytes).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { forward } from '../../../src/core/models';
import { loadModel, ModelError } from '../../../src/model';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'models');

const made: string[] = [];
after(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function copyFixture(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `headlight-${name}-`));
  made.push(dir);
  for (const file of fs.readdirSync(path.join(FIXTURES, name))) fs.copyFileSync(path.join(FIXTURES, name, file), path.join(dir, file));
  return dir;
}

function patchJson(file: string, change: (json: Record<string, unknown>) => void): void {
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  change(json);
  fs.writeFileSync(file, JSON.stringify(json));
}

/** Replaces one string inside a safetensors header by another of the same byte length. */
function patchHeader(file: string, from: string, to: string): void {
  assert.equal(Buffer.byteLength(from), Buffer.byteLength(to));
  const bytes = fs.readFileSync(file);
  const headerEnd = 8 + Number(bytes.readBigUInt64LE(0));
  const header = bytes.subarray(8, headerEnd).toString('utf8');
  assert.ok(header.includes(from), `header has ${from}`);
  Buffer.from(header.replace(from, to), 'utf8').copy(bytes, 8);
  fs.writeFileSync(file, bytes);
}

function throwsModelError(fn: () => unknown, file: string, ...patterns: RegExp[]): ModelError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ModelError, `expected a ModelError, got ${String(caught)}`);
  assert.equal(path.basename(caught.file), file);
  assert.ok(caught.message.startsWith(caught.file), 'the message starts with the file');
  for (const pattern of patterns) assert.match(caught.message, pattern);
  return caught;
}

test('the summary of a GPT-2 folder: sizes from config.json, parameters counted from the weights', () => {
  const { summary } = loadModel(path.join(FIXTURES, 'gpt2'));
  const config = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'gpt2', 'config.json'), 'utf8'));
  const E = config.n_embd, V = config.vocab_size, P = config.n_positions, L = config.n_layer;
  // GPT-2's parameter count by its formula: embeddings, per layer 2 LNs + c_attn + c_proj + MLP, ln_f (lm_head tied).
  const perLayer = 2 * 2 * E + (E * 3 * E + 3 * E) + (E * E + E) + (E * 4 * E + 4 * E) + (4 * E * E + E);
  assert.equal(summary.parameters, V * E + P * E + L * perLayer + 2 * E);
  assert.deepEqual(
    { type: summary.type, layers: summary.layers, heads: summary.heads, kvHeads: summary.kvHeads, hidden: summary.hidden, dtype: summary.dtype, head: summary.head },
    { type: 'gpt2', layers: 2, heads: 4, kvHeads: 4, hidden: 32, dtype: 'F32', head: 'lm_head' },
  );
  assert.equal(summary.tokenizer?.kind, 'BPE');
  assert.ok(summary.specialTokens.some((t) => t.content === '<|endoftext|>'));
});

test('sharded, 16-bit and GQA folders are summarised as such', () => {
  const mistral = loadModel(path.join(FIXTURES, 'mistral')).summary;
  assert.equal(mistral.checkpoint.sharded, true);
  assert.deepEqual(mistral.checkpoint.files, ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
  assert.equal(mistral.kvHeads, 1);
  assert.equal(loadModel(path.join(FIXTURES, 'distilbert')).summary.dtype, 'F16');
  assert.equal(loadModel(path.join(FIXTURES, 'roberta')).summary.dtype, 'BF16');
  const llama = loadModel(path.join(FIXTURES, 'llama')).summary;
  assert.equal(llama.headDim, 12);
  assert.equal(llama.kvHeads, 2);
});

test('a truncated shard is refused naming the shard and the byte offsets', () => {
  const dir = copyFixture('mistral');
  const shard = path.join(dir, 'model-00002-of-00002.safetensors');
  const size = fs.statSync(shard).size;
  fs.truncateSync(shard, size - 100);
  const error = throwsModelError(() => loadModel(dir), 'model-00002-of-00002.safetensors', /truncated/, new RegExp(`the file is ${size - 100} bytes`), /data_offsets \[\d+, \d+\]/, /tensor "model\./);
  assert.match(error.message, /at byte \d+/);
});

test('a shard cut anywhere is refused as a ModelError naming that shard', () => {
  const source = path.join(FIXTURES, 'mistral', 'model-00001-of-00002.safetensors');
  const size = fs.statSync(source).size;
  const headerEnd = 8 + Number(fs.readFileSync(source).readBigUInt64LE(0));
  const dir = copyFixture('mistral');
  const shard = path.join(dir, 'model-00001-of-00002.safetensors');
  for (const cut of [0, 3, 8, 20, Math.floor(headerEnd / 2), headerEnd - 1, headerEnd, headerEnd + 1, Math.floor((headerEnd + size) / 2), size - 1]) {
    fs.copyFileSync(source, shard);
    fs.truncateSync(shard, cut);
    throwsModelError(() => loadModel(dir), 'model-00001-of-00002.safetensors', /truncated/);
  }
});

test('a shard cut inside its header is refused with the header span', () => {
  const dir = copyFixture('gpt2');
  fs.truncateSync(path.join(dir, 'model.safetensors'), 100);
  throwsModelError(() => loadModel(dir), 'model.safetensors', /truncated: the header claims bytes 8…\d+, but the file is 100 bytes/);
});

test('a tensor of the wrong shape is refused naming it, the expected and the found shape', () => {
  const dir = copyFixture('gpt2');
  patchHeader(path.join(dir, 'model.safetensors'), '"transformer.h.0.attn.c_attn.weight":{"dtype":"F32","shape":[32,96]', '"transformer.h.0.attn.c_attn.weight":{"dtype":"F32","shape":[96,32]');
  throwsModelError(() => loadModel(dir), 'model.safetensors', /tensor "transformer\.h\.0\.attn\.c_attn\.weight" has shape \[96, 32\], expected \[32, 96\]/);
});

test('a tensor stored as integers is refused naming it and its dtype', () => {
  const dir = copyFixture('gpt2');
  patchHeader(path.join(dir, 'model.safetensors'), '"transformer.ln_f.weight":{"dtype":"F32"', '"transformer.ln_f.weight":{"dtype":"I32"');
  throwsModelError(() => loadModel(dir), 'model.safetensors', /dtype I32 cannot be read as weights; Headlight reads F32, F16, BF16 and F64 \(tensor "transformer\.ln_f\.weight", at byte \d+\)/);
});

test('a missing tensor is refused naming it (in the index for a sharded checkpoint)', () => {
  const dir = copyFixture('gpt2');
  patchHeader(path.join(dir, 'model.safetensors'), '"transformer.h.1.mlp.c_fc.weight"', '"transformer.h.1.mlp.c_fX.weight"');
  throwsModelError(() => loadModel(dir), 'model.safetensors', /missing tensor "transformer\.h\.1\.mlp\.c_fc\.weight"/);

  const sharded = copyFixture('mistral');
  const index = path.join(sharded, 'model.safetensors.index.json');
  patchJson(index, (json) => {
    const map = json['weight_map'] as Record<string, string>;
    delete map['model.norm.weight'];
  });
  throwsModelError(() => loadModel(sharded), 'model.safetensors.index.json', /weight_map does not list tensor "model\.norm\.weight"/);
});

test('an index naming a shard that is not there is refused naming the shard', () => {
  const dir = copyFixture('mistral');
  fs.rmSync(path.join(dir, 'model-00001-of-00002.safetensors'));
  throwsModelError(() => loadModel(dir), 'model.safetensors.index.json', /"model-00001-of-00002\.safetensors", which is not in the folder/);
});

test('an unsupported model_type is refused listing the supported ones', () => {
  const dir = copyFixture('bert');
  patchJson(path.join(dir, 'config.json'), (json) => (json['model_type'] = 't5'));
  throwsModelError(() => loadModel(dir), 'config.json', /unsupported model_type "t5"; supported: gpt2, bert, distilbert, roberta, llama, mistral, qwen2/);
});

test('an unsupported rope_scaling type is refused naming it', () => {
  const dir = copyFixture('llama');
  patchJson(path.join(dir, 'config.json'), (json) => (json['rope_scaling'] = { rope_type: 'yarn', factor: 4 }));
  throwsModelError(() => loadModel(dir), 'config.json', /rope_scaling type "yarn" is not supported; supported: default, linear, llama3/);
});

test('a tokenizer the library cannot run is refused naming tokenizer.json', () => {
  const dir = copyFixture('bert');
  patchJson(path.join(dir, 'tokenizer.json'), (json) => ((json['model'] as Record<string, unknown>)['type'] = 'Frobnicate'));
  throwsModelError(() => loadModel(dir), 'tokenizer.json', /Frobnicate/);
});

test('a folder without a checkpoint says what it looked for', () => {
  const dir = copyFixture('qwen2');
  fs.rmSync(path.join(dir, 'model.safetensors'));
  const error = throwsModelError(() => loadModel(dir), path.basename(dir), /no model\.safetensors and no model\.safetensors\.index\.json/);
  assert.equal(error.file, dir);
});

// The fixtures exercise what they claim: without the option, the numbers leave the reference.
function maxWeightDiff(dir: string, name: string): number {
  const ref = JSON.parse(fs.readFileSync(path.join(FIXTURES, name, 'reference.json'), 'utf8')) as { ids: number[]; attentions: number[][][][] };
  const result = forward(loadModel(dir, { tokenizer: false }).model, ref.ids);
  let worst = 0;
  ref.attentions.forEach((layer, l) => layer.forEach((head, h) => head.forEach((row, i) => row.forEach((w, j) => {
    const got = result.layers[l]!.heads[h]!.weights!;
    worst = Math.max(worst, Math.abs(got.data[i * got.cols + j]! - w));
  }))));
  return worst;
}

test('the llama fixture depends on its llama3 rope_scaling, and mistral on its sliding window', () => {
  const llama = copyFixture('llama');
  patchJson(path.join(llama, 'config.json'), (json) => (json['rope_scaling'] = null));
  assert.ok(maxWeightDiff(llama, 'llama') > 1e-2);
  const mistral = copyFixture('mistral');
  patchJson(path.join(mistral, 'config.json'), (json) => (json['sliding_window'] = null));
  assert.ok(maxWeightDiff(mistral, 'mistral') > 1e-2);
  const linear = copyFixture('mistral');
  patchJson(path.join(linear, 'config.json'), (json) => (json['rope_scaling'] = null));
  assert.ok(maxWeightDiff(linear, 'mistral') > 1e-3);
});

test('forward refuses ids outside the vocabulary and keeping more than the budget', () => {
  const { model } = loadModel(path.join(FIXTURES, 'gpt2'), { tokenizer: false });
  assert.throws(() => forward(model, [1, 2, 100000]), /token id 100000 at position 2 is outside the vocabulary \(0…\d+\)/);
  assert.throws(() => forward(model, [1, 2, 3], { maxKeptBytes: 100 }), /over the 0\.00 MiB budget; report fewer layers, keep 'compact'/);
  const compact = forward(model, [1, 2, 3], { keep: 'compact', layers: { from: 1, to: 1 } });
  assert.equal(compact.layers[0]!.heads.length, 0);
  assert.equal(compact.layers[1]!.heads[0]!.compact!.length, 9);
  assert.equal(compact.layers[1]!.heads[0]!.compact![0], 255, 'the first query sees only itself');
});
