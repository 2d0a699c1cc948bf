/**
 * The model source's view model (src/host/model/engine.ts) on every fixture checkpoint, against
 * the torch reference that scripts/fixtures/make_model_fixtures.py recorded
 * (test/fixtures/models/<name>/reference.json): the focused head's weights and scaled scores, the
 * neuron view's q and k, every head's thumbnail cell, the next-token list (softmax of the
 * reference logits, ranked here in float64), the mask predictions; the rollout against numpy's
 * (test/fixtures/core/token_views.json).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_VIEW_STATE, ModelEngine } from '../../../src/host/model/engine';
import { thumbCellOf, thumbCellWeight, type FloatMatrix, type ModelPassProgress } from '../../../src/shared/modelView';

const MODELS = path.join(__dirname, '..', '..', 'fixtures', 'models');
const TOKEN_VIEWS = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'core', 'token_views.json'), 'utf8')) as {
  models: Record<string, { rollout: number[][][] }>;
};

interface Reference {
  text: string;
  ids: number[];
  attentions: number[][][][];
  scores: (number | null)[][][][];
  focus: { layer: number; head: number; q: number[][]; k: number[][] };
  logitsLast?: number[];
  maskPositions?: number[];
  maskLogits?: number[][];
}

function floats(m: FloatMatrix): number[][] {
  const data = new Float32Array(m.data);
  return Array.from({ length: m.rows }, (_, i) => Array.from(data.subarray(i * m.cols, (i + 1) * m.cols)));
}

function assertClose(ours: readonly (readonly number[])[], theirs: readonly (readonly (number | null)[])[], tol: number, what: string): void {
  assert.equal(ours.length, theirs.length, `${what}: rows`);
  ours.forEach((row, i) =>
    row.forEach((v, j) => {
      const t = theirs[i]![j];
      if (t === null || t === undefined) assert.equal(v, Number.NEGATIVE_INFINITY, `${what} (${i}, ${j}) should be masked`);
      else assert.ok(Math.abs(v - t) <= tol, `${what} (${i}, ${j}): ${v} vs ${t}`);
    }),
  );
}

/** Top k of softmax(logits) by a plain float64 sort (ties: lower id first). */
function referenceTop(logits: readonly number[], k: number): { id: number; p: number }[] {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return logits.map((_, id) => ({ id, p: exps[id]! / sum })).sort((a, b) => b.p - a.p || a.id - b.id).slice(0, k);
}

for (const name of fs.readdirSync(MODELS).filter((n) => fs.existsSync(path.join(MODELS, n, 'reference.json'))).sort()) {
  test(`${name}: the engine's view equals the torch reference`, () => {
    const ref = JSON.parse(fs.readFileSync(path.join(MODELS, name, 'reference.json'), 'utf8')) as Reference;
    const engine = ModelEngine.load(path.join(MODELS, name));
    const { layer, head } = ref.focus;
    const snapshot = engine.runText(ref.text, { ...DEFAULT_VIEW_STATE, layer, head, query: ref.ids.length - 1 });
    assert.deepEqual(snapshot.tokens.map((t) => t.id), ref.ids, 'the tokenizer gives the reference ids');
    assert.equal(snapshot.model.layers, ref.attentions.length);
    assert.equal(snapshot.model.heads, ref.attentions[0]!.length);

    // The focused head, exact.
    assert.equal(snapshot.focus.layer, layer);
    assert.equal(snapshot.focus.head, head);
    assertClose(floats(snapshot.focus.weights), ref.attentions[layer]![head]!, 1e-4, `${name} L${layer}H${head} weights`);
    assertClose(floats(snapshot.focus.scores!), ref.scores[layer]![head]!, 1e-4, `${name} L${layer}H${head} scores`);

    // The neuron view: q of the query token, k of every key, and their dot products scaled = the scores.
    const n = ref.ids.length;
    const q = Array.from(new Float32Array(snapshot.neuron.q));
    assertClose([q], [ref.focus.q[n - 1]!], 1e-4, `${name} q`);
    assertClose(floats(snapshot.neuron.k), ref.focus.k, 1e-4, `${name} k`);
    const scaledDots = Array.from(new Float32Array(snapshot.neuron.dots), (d) => d * snapshot.neuron.scale);
    const refRow = ref.scores[layer]![head]![n - 1]!;
    scaledDots.forEach((v, j) => {
      if (refRow[j] !== null) assert.ok(Math.abs(v - refRow[j]!) < 1e-4, `${name} q·k·scale at key ${j}: ${v} vs ${refRow[j]}`);
    });
    assertClose([Array.from(new Float32Array(snapshot.neuron.weights))], [ref.attentions[layer]![head]![n - 1]!], 1e-4, `${name} neuron weights`);

    // Every thumbnail cell (n ≤ 64: one cell per entry) is round(255 · w).
    snapshot.thumbs.forEach((lt, l) =>
      lt.heads.forEach((thumb, h) => {
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            const cell = thumbCellOf(thumb, n, i, j);
            const w = ref.attentions[l]![h]![i]![j]!;
            assert.ok(Math.abs(thumbCellWeight(thumb, cell.row, cell.col) - w) <= 0.5 / 255 + 1e-4, `${name} thumb L${l}H${h} (${i}, ${j})`);
          }
        }
      }),
    );

    // Rollout through the last layer, against numpy's.
    const rollouts = TOKEN_VIEWS.models[name]?.rollout;
    if (rollouts) assertClose(floats(snapshot.rollout.matrix), rollouts[rollouts.length - 1]!, 1e-5, `${name} rollout`);

    // Predictions.
    if (ref.logitsLast) {
      assert.equal(snapshot.predictions.kind, 'next');
      const top = snapshot.predictions.kind === 'next' ? snapshot.predictions.top : [];
      const expected = referenceTop(ref.logitsLast, 10);
      assert.deepEqual(top.map((t) => t.id), expected.map((t) => t.id), `${name} next-token ids`);
      top.forEach((t, r) => assert.ok(Math.abs(t.p - expected[r]!.p) < 1e-5, `${name} p of rank ${r}`));
    }
    if (ref.maskLogits && ref.maskPositions) {
      assert.equal(snapshot.predictions.kind, 'masks');
      const masks = snapshot.predictions.kind === 'masks' ? snapshot.predictions.masks : [];
      assert.deepEqual(masks.map((m) => m.position), ref.maskPositions);
      masks.forEach((m, at) => assert.deepEqual(m.top.map((t) => t.id), referenceTop(ref.maskLogits![at]!, 10).map((t) => t.id), `${name} mask ${at}`));
    }
  });
}

test('bert: hiding specials and word aggregation change the units, not the model', () => {
  const engine = ModelEngine.load(path.join(MODELS, 'bert'));
  const ref = JSON.parse(fs.readFileSync(path.join(MODELS, 'bert', 'reference.json'), 'utf8')) as Reference;
  const plain = engine.runText(ref.text, DEFAULT_VIEW_STATE);
  assert.equal(plain.units.length, ref.ids.length);
  const hidden = engine.snapshot({ ...DEFAULT_VIEW_STATE, options: { hideSpecial: true, renormalize: true, aggregate: 'tokens' } });
  assert.equal(hidden.units.length, ref.ids.length - 2, '[CLS] and [SEP] hidden');
  assert.deepEqual(hidden.units.map((u) => u.label), plain.units.slice(1, -1).map((u) => u.label), 'the typed [MASK] stays');
  const w = floats(hidden.focus.weights);
  w.forEach((row, i) => assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, `renormalised row ${i}`));
  assert.equal(hidden.focus.scores!.rows, ref.ids.length - 2);
  // Words: the units follow the tokenizer's word ids, the focused head goes through groupTokens.
  const words = engine.snapshot({ ...DEFAULT_VIEW_STATE, options: { hideSpecial: false, renormalize: true, aggregate: 'words' } });
  const wordIds = new Set(plain.tokens.filter((t) => t.offset !== null).map((t) => t.word));
  assert.equal(words.units.length, wordIds.size + 2);
  assert.equal(words.focus.weights.rows, words.units.length);
  floats(words.focus.weights).forEach((row, i) => assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, `word row ${i}`));
  // The units' ranges are the tokens' offsets into the text.
  for (const unit of hidden.units) {
    const [s, e] = unit.range!;
    assert.ok(s < e && e <= ref.text.length, `range ${s}…${e}`);
  }
});

test('an empty text and a text past the model\'s positions are refused with a reason', () => {
  const engine = ModelEngine.load(path.join(MODELS, 'gpt2'));
  assert.throws(() => engine.runText('', DEFAULT_VIEW_STATE), /no tokens/);
  assert.throws(() => engine.runText('cat '.repeat(100), DEFAULT_VIEW_STATE), /at most 32/);
});

test('gpt2: Append adds the id itself; the earlier rows of a causal model stay the reference', () => {
  const ref = JSON.parse(fs.readFileSync(path.join(MODELS, 'gpt2', 'reference.json'), 'utf8')) as Reference;
  const engine = ModelEngine.load(path.join(MODELS, 'gpt2'));
  const first = engine.runText(ref.text, DEFAULT_VIEW_STATE);
  const top = first.predictions.kind === 'next' ? first.predictions.top[0]!.id : -1;
  // A byte-level token may be a fragment of a character: appending must not re-tokenize text.
  const grown = engine.appendToken(top, { ...DEFAULT_VIEW_STATE, layer: 1, head: 3 });
  const n = ref.ids.length;
  assert.deepEqual(grown.tokens.map((t) => t.id), [...ref.ids, top]);
  assert.equal(grown.tokens[n]!.offset, null, 'an appended token is not in the document');
  assert.ok(grown.text.startsWith(ref.text));
  const w = floats(grown.focus.weights);
  for (let i = 0; i < n; i++) assertClose([w[i]!.slice(0, n)], [ref.attentions[1]![3]![i]!], 1e-4, `row ${i} after Append`);
  const again = engine.appendToken(top, DEFAULT_VIEW_STATE);
  assert.equal(again.tokens.length, n + 2);
  assert.equal(engine.rerun(DEFAULT_VIEW_STATE).tokens.length, n + 2, 'a rerun keeps the appended ids');
});

// Progressive paint: the parts a pass announces (start, then layers in order) are exactly the
// complete result's, and the start's focused head is torch's (it is what paints first).
test('gpt2: a pass announces its start (the focused head, torch’s) and its layers in order, and they equal the complete snapshot', () => {
  const ref = JSON.parse(fs.readFileSync(path.join(MODELS, 'gpt2', 'reference.json'), 'utf8')) as Reference;
  const engine = ModelEngine.load(path.join(MODELS, 'gpt2'));
  const parts: ModelPassProgress[] = [];
  const state = { ...DEFAULT_VIEW_STATE, layer: 1, head: 3 };
  const snapshot = engine.runText(ref.text, state, { pass: 7, progress: (p) => parts.push(p) });
  assert.equal(parts[0]?.kind, 'start', 'the start comes first');
  const start = (parts[0] as Extract<ModelPassProgress, { kind: 'start' }>).start;
  assert.equal(start.pass, 7);
  assertClose(floats(start.focus.weights), ref.attentions[1]![3]!, 1e-4, 'start: L2H4 weights');
  assert.deepEqual(start.focus, snapshot.focus, 'the start’s focused head is the snapshot’s, bit for bit');
  assert.deepEqual(start.neuron, snapshot.neuron);
  assert.deepEqual(start.units, snapshot.units);
  assert.deepEqual(start.tokens, snapshot.tokens);
  const layers = parts.slice(1).map((p) => {
    assert.equal(p.kind, 'layers', 'only layers after the start');
    return (p as Extract<ModelPassProgress, { kind: 'layers' }>).layers;
  });
  let next = 0;
  for (const l of layers) {
    assert.equal(l.pass, 7);
    assert.equal(l.from, next, 'layers arrive contiguous, in order');
    next += l.thumbs.length;
  }
  assert.equal(next, ref.attentions.length, 'every layer announced');
  assert.deepEqual(layers.flatMap((l) => l.thumbs), snapshot.thumbs, 'the announced thumbnails are the snapshot’s');
});

test('gpt2: a superseded pass stops with SupersededError and the previous run stays', () => {
  const ref = JSON.parse(fs.readFileSync(path.join(MODELS, 'gpt2', 'reference.json'), 'utf8')) as Reference;
  const engine = ModelEngine.load(path.join(MODELS, 'gpt2'));
  const first = engine.runText('a cat', DEFAULT_VIEW_STATE, { pass: 1 });
  // Asked after the focused head (no), then after each layer: superseded after the first layer.
  let asked = 0;
  const parts: string[] = [];
  assert.throws(
    () => engine.runText(ref.text, DEFAULT_VIEW_STATE, { pass: 2, progress: (p) => parts.push(p.kind), superseded: () => ++asked > 1 }),
    (e: Error) => e.name === 'SupersededError',
  );
  assert.equal(asked, 2, 'it stopped at the first layer boundary');
  assert.deepEqual(parts, ['start'], 'nothing announced after it stopped');
  assert.equal(engine.text, 'a cat', 'the stopped pass left the previous run');
  assert.deepEqual(engine.snapshot(DEFAULT_VIEW_STATE).focus, first.focus);
});
