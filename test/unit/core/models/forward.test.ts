/**
 * What forward() keeps and streams, and what it refuses, on the committed fixtures (the numbers
 * themselves are checked against torch in fixtures.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { focusHead, forward, keptAttentionBytes, topTokens, type ComputedHead } from '../../../../src/core/models';
import { loadModel } from '../../../../src/model';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'fixtures', 'models');
const ids = (name: string) => (JSON.parse(fs.readFileSync(path.join(FIXTURES, name, 'reference.json'), 'utf8')) as { ids: number[] }).ids;

test('onLayer streams each reported layer once, in order, with every query head; keep decides what stays', () => {
  const { model } = loadModel(path.join(FIXTURES, 'mistral'), { tokenizer: false });
  const input = ids('mistral');
  const streamed: { layer: number; heads: readonly ComputedHead[] }[] = [];
  const full = forward(model, input);
  const none = forward(model, input, { keep: 'none', onLayer: (layer, heads) => streamed.push({ layer, heads }) });
  assert.deepEqual(streamed.map((s) => s.layer), [0, 1]);
  streamed.forEach(({ layer, heads }) => {
    assert.equal(heads.length, 4, 'query heads, not the one kv head');
    heads.forEach((head, h) => assert.deepEqual([...head.weights.data], [...full.layers[layer]!.heads[h]!.weights!.data]));
  });
  assert.deepEqual(none.layers.map((l) => l.heads.map((h) => Object.keys(h).length)), [[0, 0, 0, 0], [0, 0, 0, 0]]);
  const weightsOnly = forward(model, input, { keep: 'weights', layers: { from: 1, to: 1 } });
  assert.equal(weightsOnly.layers[0]!.heads.length, 0);
  assert.equal(weightsOnly.layers[1]!.heads[2]!.scores, undefined);
  const compact = forward(model, input, { keep: 'compact' }).layers[1]!.heads[2]!.compact!;
  const exact = full.layers[1]!.heads[2]!.weights!.data;
  compact.forEach((c, i) => assert.equal(c, Math.round(exact[i]! * 255)));
});

test('the keep budget counts what would be kept: 2 GiB of scores and weights at 512 × 32 × 32', () => {
  assert.equal(keptAttentionBytes(512, 32, 32, 'scores+weights'), 2 * 1024 ** 3);
  assert.equal(keptAttentionBytes(512, 32, 32, 'compact'), 256 * 1024 ** 2);
  assert.equal(keptAttentionBytes(512, 32, 32, 'none'), 0);
});

test('forward and focusHead refuse what the model cannot do, naming it', () => {
  const { model } = loadModel(path.join(FIXTURES, 'gpt2'), { tokenizer: false });
  assert.throws(() => forward(model, Array.from({ length: 33 }, () => 1)), /33 tokens, but this gpt2 model has positions for at most 32/);
  assert.throws(() => forward(model, []), /no tokens/);
  assert.throws(() => forward(model, [1, 2], { layers: { from: 1, to: 2 } }), /layers 1…2 are outside 0…1/);
  assert.throws(() => focusHead(model, [1, 2], 0, 4), /head 4 is outside 0…3/);
  const { model: roberta } = loadModel(path.join(FIXTURES, 'roberta'), { tokenizer: false });
  // max_position_embeddings 34 minus padding_idx + 1 = 2 rows RoBERTa never gives a token.
  assert.throws(() => forward(roberta, Array.from({ length: 33 }, () => 5)), /at most 32/);
});

test('topTokens: softmax over the whole vocabulary, best first, ties by the lower id', () => {
  const logits = Float32Array.from([1, 3, 3, -2, 0.5]);
  const top = topTokens(logits, 3);
  assert.deepEqual(top.map((t) => t.id), [1, 2, 0]);
  const sum = [...logits].reduce((s, v) => s + Math.exp(v), 0);
  top.forEach((t) => assert.ok(Math.abs(t.p - Math.exp(logits[t.id]!) / sum) < 1e-12));
});
