/**
 * The bundled model (samples/model/, trained by scripts/train/): it loads through the public CLI
 * like any user's checkpoint, our tokenizer encodes with its tokenizer.json exactly as the
 * trainer's own encoder does, and the head scores README quotes are what our engine measures.
 *
 * References: the ids come from scripts/train/bpe.py's encoder (test/fixtures/train/
 * tokenizer.reference.json); the head scores and losses from scripts/train/heads.py, which ran
 * the shipped F16 weights through the torch forward pass of scripts/fixtures/make_model_fixtures.py
 * (samples/model/measurements.json). Here the same probe ids go through src/model + src/core.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { forward } from '../../../src/core/models';
import { loadModel } from '../../../src/model';

const ROOT = path.join(__dirname, '..', '..', '..');
const MODEL = path.join(ROOT, 'samples', 'model');
const SENTENCE = 'The cat sat on the mat because it was tired.';

interface HeadScores {
  readonly layer: number;
  readonly head: number;
  readonly previousToken: number;
  readonly induction: number;
  readonly firstToken: number;
}

interface Measurements {
  readonly losses: { readonly model: number; readonly bigram: number; readonly unigram: number };
  readonly threshold: number;
  readonly previousTokenHeads: readonly string[];
  readonly inductionHeads: readonly string[];
  readonly firstTokenHeads: readonly string[];
  readonly best: Readonly<Record<'previousToken' | 'induction' | 'firstToken', { layer: number; head: number; score: number }>>;
  readonly heads: readonly HeadScores[];
  readonly probes: { readonly previousToken: readonly (readonly number[])[]; readonly induction: readonly (readonly number[])[]; readonly repeat: number };
}

const measurements = JSON.parse(fs.readFileSync(path.join(MODEL, 'measurements.json'), 'utf8')) as Measurements;

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const file = path.join(ROOT, 'dist', 'cli.js');
  assert.ok(fs.existsSync(file), 'dist/cli.js is missing: run `npm run build` first (npm test does)');
  const run = spawnSync(process.execPath, [file, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('headlight attention --model samples/model --json: every word of the sentence, every layer and head, rows summing to 1', () => {
  const run = cli('attention', '--model', MODEL, '--text', SENTENCE, '--json');
  assert.equal(run.status, 0, run.stderr);
  const json = JSON.parse(run.stdout) as {
    model: { type: string; layers: number; heads: number };
    tokens: string[];
    offsets: [number, number][];
    layers: { heads: { weights: number[][] }[] }[];
    next: { id: number; p: number }[];
  };
  assert.deepEqual(json.model, { type: 'gpt2', layers: 4, heads: 4, kvHeads: 4, hidden: 64 });
  // The offsets cover the sentence: every word is a token or a run of tokens, none left out.
  assert.equal(json.offsets.map(([a, b]) => SENTENCE.slice(a, b)).join(''), SENTENCE);
  assert.equal(json.layers.length, 4);
  for (const layer of json.layers) {
    assert.equal(layer.heads.length, 4);
    for (const head of layer.heads) {
      assert.equal(head.weights.length, json.tokens.length);
      head.weights.forEach((row, i) => assert.ok(Math.abs(row.reduce((s, w) => s + w, 0) - 1) < 1e-4, `row ${i} sums to 1`));
    }
  }
  assert.equal(json.next.length, 10);
});

test("our tokenizer encodes validation text with the bundled tokenizer.json exactly as the trainer's encoder (scripts/train/bpe.py)", () => {
  const reference = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'train', 'tokenizer.reference.json'), 'utf8')) as {
    documents: { text: string; ids: number[] }[];
  };
  const { tokenizer } = loadModel(MODEL);
  assert.ok(tokenizer);
  assert.ok(reference.documents.length >= 100);
  let tokens = 0;
  for (const [i, doc] of reference.documents.entries()) {
    assert.deepEqual(tokenizer.encode(doc.text, { addSpecialTokens: false }).ids, doc.ids, `document ${i}: ${doc.text.slice(0, 60)}`);
    assert.equal(tokenizer.decode(doc.ids), doc.text, `document ${i} decodes back`);
    tokens += doc.ids.length;
  }
  assert.ok(tokens > 5000, `${tokens} tokens compared`);
});

/** Per-head scores of one model over the stored probes, in float64 over our float32 weights. */
function measure(): HeadScores[] {
  const { model } = loadModel(MODEL, { tokenizer: false });
  const L = model.config.layers;
  const H = model.config.heads;
  const zeros = () => Array.from({ length: L }, () => new Float64Array(H));
  const prev = zeros();
  const first = zeros();
  const induction = zeros();
  const windows = measurements.probes.previousToken;
  for (const ids of windows) {
    const result = forward(model, ids, { keep: 'weights' });
    result.layers.forEach((layer, l) => layer.heads.forEach((head, h) => {
      const w = head.weights!;
      const n = ids.length;
      let p = 0;
      let f = 0;
      for (let i = 1; i < n; i++) {
        p += w.data[i * n + i - 1]!;
        f += w.data[i * n]!;
      }
      prev[l]![h]! += p / (n - 1) / windows.length;
      first[l]![h]! += f / (n - 1) / windows.length;
    }));
  }
  const S = measurements.probes.repeat;
  const sequences = measurements.probes.induction;
  for (const ids of sequences) {
    assert.equal(ids.length, 1 + 2 * S);
    assert.deepEqual(ids.slice(1 + S), ids.slice(1, 1 + S), 'the probe is a repeated sequence');
    const result = forward(model, ids, { keep: 'weights' });
    const n = ids.length;
    result.layers.forEach((layer, l) => layer.heads.forEach((head, h) => {
      let s = 0;
      for (let j = 0; j < S - 1; j++) s += head.weights!.data[(1 + S + j) * n + 2 + j]!;
      induction[l]![h]! += s / (S - 1) / sequences.length;
    }));
  }
  const out: HeadScores[] = [];
  for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) out.push({ layer: l, head: h, previousToken: prev[l]![h]!, induction: induction[l]![h]!, firstToken: first[l]![h]! });
  return out;
}

test('every head\'s previous-token, induction and first-token score, recomputed by our engine, equals what torch measured (measurements.json)', () => {
  const ours = measure();
  assert.equal(ours.length, measurements.heads.length);
  for (const [i, want] of measurements.heads.entries()) {
    const got = ours[i]!;
    for (const key of ['previousToken', 'induction', 'firstToken'] as const) {
      // The JSON rounds to 4 decimals; both engines read the same F16 weights.
      assert.ok(Math.abs(got[key] - want[key]) < 1e-3, `L${want.layer} H${want.head} ${key}: ours ${got[key].toFixed(5)}, torch ${want[key]}`);
    }
  }
  const named = (key: 'previousToken' | 'induction' | 'firstToken') =>
    ours.filter((e) => e[key] > measurements.threshold).map((e) => `L${e.layer} H${e.head}`);
  assert.deepEqual(named('previousToken'), measurements.previousTokenHeads);
  assert.deepEqual(named('induction'), measurements.inductionHeads);
  assert.deepEqual(named('firstToken'), measurements.firstTokenHeads);
});

test("README's trained-defaults section quotes measurements.json: the head table row by row, the losses and their verdict, the named heads", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  for (const e of measurements.heads) {
    const row = `| L${e.layer} H${e.head} | ${e.previousToken.toFixed(3)} | ${e.induction.toFixed(3)} | ${e.firstToken.toFixed(3)} |`;
    assert.ok(readme.includes(row), `README has the row ${row}`);
  }
  for (const loss of [measurements.losses.model, measurements.losses.bigram, measurements.losses.unigram]) {
    assert.ok(readme.includes(loss.toFixed(2)), `README quotes the loss ${loss.toFixed(2)}`);
  }
  for (const key of ['previousToken', 'induction', 'firstToken'] as const) {
    const best = measurements.best[key];
    assert.ok(readme.includes(`L${best.layer} H${best.head}`), `README names the best ${key} head L${best.layer} H${best.head}`);
  }
  // What README says of the losses follows the measured numbers, whichever way they fall.
  const { model, bigram, unigram } = measurements.losses;
  assert.ok(model < unigram, `the model (${model}) has learnt more than token frequencies (unigram ${unigram})`);
  const verdict = model < bigram ? 'beats the bigram baseline' : 'does not yet beat the bigram baseline';
  assert.ok(readme.includes(verdict), `README says the model ${verdict}`);
  for (const [kind, heads] of [['previous-token', measurements.previousTokenHeads], ['induction', measurements.inductionHeads], ['first-token', measurements.firstTokenHeads]] as const) {
    const claim = heads.length === 0 ? `no ${kind} head passes ${measurements.threshold}` : `${kind} heads (score > ${measurements.threshold}): ${heads.join(', ')}`;
    assert.ok(readme.includes(claim), `README says: ${claim}`);
  }
});
