import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../../src/cli/main';
import { multiHeadWeightsFromSafetensors } from '../../../src/core/safetensors';
import { runAttention } from '../../../src/core/weightSource';
import { parseEmb } from '../../../src/emb/formats/text/parse';
import { f32Bytes, mhaTensors, writeSafetensors } from '../core/helpers';
import type { CliIo } from '../../../src/cli/io';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), version: 'test' };
  const code = await main(argv, io);
  return { code, out, err };
}

/** The deck's softmax written out by hand: e^s / Σ e^s. */
function softmax(scores: number[]): number[] {
  const exps = scores.map(Math.exp);
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

const SQRT1_2 = Math.SQRT1_2; // cos(orange, apple) = 6 / (3 · 2√2)

test('attention --tokens orange,apple,and,an --measure cosine reproduces the deck softmax table', async () => {
  const { code, out } = await run('attention', '--tokens', 'orange,apple,and,an', '--measure', 'cosine', '--json');
  assert.equal(code, 0);
  const json = JSON.parse(out);
  assert.deepEqual(json.tokens, ['orange', 'apple', 'and', 'an']);
  assert.deepEqual(json.oov, []);
  assert.equal(json.heads.length, 1);
  const expected = [
    softmax([1, SQRT1_2, 0, 0]),
    softmax([SQRT1_2, 1, 0, 0]),
    softmax([0, 0, 1, 1]),
    softmax([0, 0, 1, 1]),
  ];
  json.heads[0].weights.forEach((row: number[], i: number) =>
    row.forEach((w, j) => assert.ok(Math.abs(w - expected[i]![j]!) < 1e-5, `weight[${i}][${j}] = ${w}, expected ${expected[i]![j]}`)),
  );
  // The deck rounds to 0.4 / 0.3 / 0.15 / 0.15.
  assert.deepEqual(json.heads[0].weights[0].map((w: number) => Math.round(w * 100) / 100), [0.4, 0.3, 0.15, 0.15]);
});

test('attention prints each token\'s softmax line in the deck\'s words', async () => {
  const { code, out } = await run('attention', '--tokens', 'orange,apple,and,an', '--measure', 'cosine');
  assert.equal(code, 0);
  assert.match(out, /^orange → 0\.40 orange \+ 0\.30 apple \+ 0\.15 and \+ 0\.15 an$/m);
});

test('a sentence with a repeated word attends to each occurrence; unknown words are reported', async () => {
  const { code, out } = await run('attention', '--text', 'An apple and an orange, zzyzx!', '--measure', 'cosine', '--json');
  assert.equal(code, 0);
  const json = JSON.parse(out);
  assert.deepEqual(json.tokens, ['an', 'apple', 'and', 'an', 'orange']);
  assert.deepEqual(json.oov, ['zzyzx']);
  const weights: number[][] = json.heads[0].weights;
  assert.equal(weights.length, 5);
  // "an" (0,0,3) and "an" again: identical rows, and row sums of 1.
  assert.deepEqual(weights[0], weights[3]);
  for (const row of weights) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-6);
});

test('similarity reproduces the deck: Cherries · Tomato = 12, 12/√2 = 8.49, cos = 0.97', async () => {
  const { code, out } = await run('similarity', '--emb', 'samples/deck-cherries.emb', 'Cherries', 'Tomato', '--json');
  assert.equal(code, 0);
  const json = JSON.parse(out);
  assert.equal(json.dot, 12);
  assert.ok(Math.abs(json.scaled - 12 / Math.SQRT2) < 1e-5);
  assert.ok(Math.abs(json.cosine - 12 / (Math.sqrt(17) * 3)) < 1e-5);
  assert.equal(Math.round(json.cosine * 100) / 100, 0.97);
  const human = await run('similarity', '--emb', 'samples/deck-cherries.emb', 'Cherries', 'Tomato');
  assert.match(human.out, /1·0 \+ 4·3 = 12/);
  assert.match(human.out, /12\/√2 = 8\.49/);
});

test('neighbors --json follows the documented shape and excludes the word itself', async () => {
  const { code, out } = await run('neighbors', 'apple', '-k', '3', '--json');
  assert.equal(code, 0);
  const json = JSON.parse(out);
  assert.equal(json.word, 'apple');
  assert.equal(json.measure, 'cosine');
  assert.equal(json.neighbors.length, 3);
  assert.ok(json.neighbors.every((n: { word: string }) => n.word !== 'apple'));
  const scores = json.neighbors.map((n: { score: number }) => n.score);
  assert.deepEqual([...scores].sort((a, b) => b - a), scores);
});

test('check reports located problems and exits 1; a clean file exits 0', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headlight-cli-'));
  const bad = path.join(dir, 'bad.emb');
  fs.writeFileSync(bad, 'apple 1 2\nbanana 3\npear 1 x\n');
  const result = await run('check', bad);
  assert.equal(result.code, 1);
  assert.match(result.out, new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+: error: `, 'm'));
  assert.match(result.out, /:3:\d+: error: .*x/);
  const clean = await run('check', 'samples/deck-tech-fruit.emb');
  assert.equal(clean.code, 0);
});

test('usage errors exit 2 with one clear line; unknown words exit 1', async () => {
  const both = await run('attention', '--text', 'a', '--tokens', 'a');
  assert.equal(both.code, 2);
  assert.match(both.err, /exactly one of --text/);
  const measure = await run('attention', '--tokens', 'apple', '--measure', 'euclid');
  assert.equal(measure.code, 2);
  assert.match(measure.err, /--measure: expected dot, cosine or scaled/);
  const unknown = await run('similarity', 'apple', 'qwertyuiop');
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /"qwertyuiop" is not in the embeddings/);
});

test('the built CLI (node dist/cli.js) runs the same command', () => {
  assert.ok(fs.existsSync('dist/cli.js'), 'dist/cli.js is missing: run `npm run build` first (npm test does)');
  const out = execFileSync(process.execPath, ['dist/cli.js', 'attention', '--tokens', 'orange,apple,and,an', '--measure', 'cosine'], { encoding: 'utf8' });
  assert.match(out, /^orange → 0\.40 orange \+ 0\.30 apple \+ 0\.15 and \+ 0\.15 an$/m);
  const bad = spawnSync(process.execPath, ['dist/cli.js', 'frobnicate'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
});

test('attention --weights with several layers: --prefix picks one (each gives that layer\'s attention); without it the prefixes are listed', async () => {
  const e = 16; // the bundled lesson set's width
  const second = mhaTensors(e, 'layers.1.attn.').map((t) =>
    t.name.endsWith('in_proj_weight') ? { ...t, bytes: f32Bytes(Array.from(new Float32Array(t.bytes.slice().buffer), (v) => -2 * v)) } : t,
  );
  const bytes = writeSafetensors([...mhaTensors(e, 'layers.0.attn.'), ...second]);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'headlight-cli-')), 'two-layers.safetensors');
  fs.writeFileSync(file, bytes);
  const tokens = ['orange', 'apple', 'and', 'an'];
  const lesson = parseEmb(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'samples', 'lesson.emb'), 'utf8')).store;
  const x = lesson.rows(tokens.map((t) => lesson.lookup(t)));
  const outputs: number[][][] = [];
  for (const prefix of ['layers.0.attn.', 'layers.1.attn.']) {
    const { code, out } = await run('attention', '--tokens', tokens.join(','), '--weights', file, '--heads', '2', '--prefix', prefix, '--json');
    assert.equal(code, 0, prefix);
    const json = JSON.parse(out);
    const expected = runAttention(x, { kind: 'weights', weights: multiHeadWeightsFromSafetensors(bytes, 2, { prefix }) });
    assert.equal(json.heads.length, 2);
    json.heads.forEach((head: { weights: number[][] }, h: number) =>
      head.weights.forEach((row, i) => row.forEach((w, j) => assert.ok(Math.abs(w - expected.heads[h]!.weights.data[i * 4 + j]!) < 1e-6, `${prefix} head ${h} [${i}, ${j}]`))),
    );
    outputs.push(json.output);
  }
  assert.notDeepEqual(outputs[0], outputs[1], 'the two layers give different outputs');
  const unchosen = await run('attention', '--tokens', tokens.join(','), '--weights', file, '--heads', '2');
  assert.equal(unchosen.code, 1);
  assert.match(unchosen.err, /several attention layers \("layers\.0\.attn\.", "layers\.1\.attn\."\)/);
  const wrong = await run('attention', '--tokens', tokens.join(','), '--weights', file, '--heads', '2', '--prefix', 'layers.7.');
  assert.equal(wrong.code, 1);
  assert.match(wrong.err, /under prefix "layers\.7\."/);
  const alone = await run('attention', '--tokens', tokens.join(','), '--prefix', 'layers.0.attn.');
  assert.equal(alone.code, 2);
  assert.match(alone.err, /--prefix chooses a layer of a --weights file/);
});
