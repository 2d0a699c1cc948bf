import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseEmb } from '../../../src/emb/formats/text/parse';
import { explainRow, matmulTransposeB, randomMultiHeadWeights, runAttention, type Matrix } from '../../../src/core';
import type { PanelOptions } from '../../../src/shared/protocol';
import {
  LESSON_HAS_NO_WEIGHTS,
  LINE_TERMS,
  buildSnapshot,
  deckLine,
  lineDigits,
  exportMatrix,
  headView,
  plotView,
  pngBytesFromDataUrl,
  rowView,
  thumbnails,
  weightSlices,
  type AttentionRun,
} from '../../../src/shared/viewModel';
import { fromWire, thumbnail } from '../../../src/shared/wire';
import { DECK_DIMS, DECK_TABLE, cosineByHand, deckRows, softmaxByHand } from './deckFixture';

const LESSON: PanelOptions = { measure: 'cosine', source: 'lesson', heads: 1, seed: 0, causal: false, scale: true, temperature: 1 };
const WORDS = ['orange', 'apple', 'and', 'an'];

function lessonRun(words: readonly string[], options: Partial<PanelOptions> = {}): AttentionRun {
  const o = { ...LESSON, ...options };
  const x = deckRows(words);
  const report = runAttention(x, { kind: 'lesson' }, { measure: o.measure, scale: o.scale, causal: o.causal, temperature: o.temperature });
  return { tokens: words, x, report, weights: undefined, options: o, dimNames: [...DECK_DIMS] };
}

test('the softmax line of the deck: orange apple and an, cosine, lesson mode', () => {
  const row = rowView(lessonRun(WORDS), 0, 0);
  assert.equal(row.line, 'orange → 0.40 orange + 0.30 apple + 0.15 and + 0.15 an');
  assert.equal(row.query, 'orange');
});

test('every step of the breakdown matches the deck worked by hand', () => {
  const run = lessonRun(WORDS);
  const row = rowView(run, 0, 0);
  const raw = WORDS.map((w) => cosineByHand(DECK_TABLE.orange!, DECK_TABLE[w]!));
  const expected = softmaxByHand(raw);
  assert.deepEqual(row.entries.map((e) => e.key), WORDS);
  row.entries.forEach((e, j) => {
    assert.ok(Math.abs(e.raw - raw[j]!) < 1e-6, `raw ${j}: ${e.raw} vs ${raw[j]}`);
    // Cosine is never divided (the core's contract): scaled = raw, minus the row max 1.
    assert.ok(Math.abs(e.scaled - raw[j]!) < 1e-6);
    assert.ok(Math.abs(e.minusMax - (raw[j]! - 1)) < 1e-6);
    assert.ok(Math.abs(e.exp - Math.exp(raw[j]! - 1)) < 1e-6);
    assert.ok(Math.abs(e.probability - expected[j]!) < 1e-6, `p ${j}: ${e.probability} vs ${expected[j]}`);
    assert.equal(e.masked, false);
  });
  assert.ok(Math.abs(row.max - 1) < 1e-6);
  assert.ok(Math.abs(row.sum - raw.reduce((s, r) => s + Math.exp(r - 1), 0)) < 1e-6);
  assert.equal(row.scaleDivisor, 1);
  assert.equal(row.temperature, 1);
});

test('other rows read in the deck’s words, heaviest first', () => {
  const run = lessonRun(WORDS);
  const and = softmaxByHand([0, 0, 1, 1]);
  assert.equal(rowView(run, 0, 2).line, `and → ${and[2]!.toFixed(2)} and + ${and[3]!.toFixed(2)} an + ${and[0]!.toFixed(2)} orange + ${and[1]!.toFixed(2)} apple`);
  assert.equal(rowView(run, 0, 1).line, 'apple → 0.40 apple + 0.30 orange + 0.15 and + 0.15 an');
});

test('the two-word deck example: an apple phone gives apple → 0.43 phone + 0.57 apple', () => {
  const run = lessonRun(['phone', 'apple']);
  assert.equal(rowView(run, 0, 1).line, 'apple → 0.57 apple + 0.43 phone');
});

test('a causal mask leaves the first query only itself, and flags the masked keys', () => {
  const row = rowView(lessonRun(WORDS, { causal: true }), 0, 0);
  assert.equal(row.line, 'orange → 1.00 orange');
  assert.deepEqual(row.entries.map((e) => e.masked), [false, true, true, true]);
  assert.deepEqual(row.entries.map((e) => e.probability), [1, 0, 0, 0]);
});

test('head views carry the core weights unchanged through the wire', () => {
  const run = lessonRun(WORDS);
  const view = headView(run, 0);
  const weights = fromWire(view.weights);
  assert.deepEqual([...weights.data], [...run.report.heads[0]!.weights.data]);
  assert.equal(weights.rows, 4);
  assert.throws(() => headView(run, 1), /head 1/);
  assert.throws(() => rowView(run, 0, 4), /row 4/);
});

test('thumbnails max-pool, so a sharp diagonal survives shrinking 128 → 64', () => {
  const n = 128;
  const data = new Float32Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  const thumb = thumbnail({ rows: n, cols: n, data }, 64);
  assert.equal(thumb.rows, 64);
  assert.equal(thumb.cols, 64);
  assert.equal(thumb.max, 1);
  const bytes = new Uint8Array(thumb.data);
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 64; j++) assert.equal(bytes[i * 64 + j], i === j ? 255 : 0, `cell ${i},${j}`);
  }
});

test('thumbnails of a small matrix keep every cell, relative to the largest weight', () => {
  const run = lessonRun(WORDS);
  const [thumb] = thumbnails(run);
  const bytes = new Uint8Array(thumb!.data);
  const w = run.report.heads[0]!.weights.data;
  assert.equal(thumb!.rows, 4);
  for (let at = 0; at < 16; at++) assert.equal(bytes[at], Math.round((w[at]! / thumb!.max) * 255));
});

test('the embedding plot by named dimensions shows those columns of inputs and outputs', () => {
  const run = lessonRun(WORDS);
  const plot = plotView(run, { kind: 'dims', x: 0, y: 1 });
  assert.equal(plot.xLabel, 'tech');
  assert.equal(plot.yLabel, 'fruitness');
  const inputs = new Float32Array(plot.inputs);
  assert.deepEqual([...inputs], [0, 3, 2, 2, 0, 0, 0, 0]);
  const out = run.report.output;
  const outputs = new Float32Array(plot.outputs);
  for (let i = 0; i < 4; i++) {
    assert.equal(outputs[2 * i], out.data[i * 3]);
    assert.equal(outputs[2 * i + 1], out.data[i * 3 + 1]);
  }
});

test('PCA projects the outputs with the inputs’ projection: in lesson mode output = W · input, projected too', () => {
  // Each output row is Σ_j w_ij x_j with Σ_j w_ij = 1, and centring + projection is affine,
  // so the projected output must be the same weighted mean of the projected inputs.
  const run = lessonRun(WORDS);
  const plot = plotView(run, { kind: 'pca' });
  assert.match(plot.xLabel, /^PC1/);
  const inputs = new Float32Array(plot.inputs);
  const outputs = new Float32Array(plot.outputs);
  const w = run.report.heads[0]!.weights.data;
  for (let i = 0; i < 4; i++) {
    for (let c = 0; c < 2; c++) {
      let expected = 0;
      for (let j = 0; j < 4; j++) expected += w[i * 4 + j]! * inputs[2 * j + c]!;
      assert.ok(Math.abs(outputs[2 * i + c]! - expected) < 1e-5, `token ${i}, PC${c + 1}: ${outputs[2 * i + c]} vs ${expected}`);
    }
  }
  // The inputs are centred: their mean on each axis is 0.
  for (let c = 0; c < 2; c++) assert.ok(Math.abs((inputs[c]! + inputs[2 + c]! + inputs[4 + c]! + inputs[6 + c]!) / 4) < 1e-6);
});

test('an out-of-range dims projection falls back to PCA', () => {
  assert.equal(plotView(lessonRun(WORDS), { kind: 'dims', x: 7, y: 0 }).projection.kind, 'pca');
});

function randomRun(d: number, heads: number, seed: number): AttentionRun {
  const n = 5;
  const data = new Float32Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 1.7) * 2;
  const x: Matrix = { rows: n, cols: d, data };
  const weights = randomMultiHeadWeights(d, heads, seed);
  const report = runAttention(x, { kind: 'weights', weights }, { measure: 'scaled' });
  return {
    tokens: ['a', 'b', 'c', 'd', 'e'],
    x,
    report,
    weights,
    options: { ...LESSON, measure: 'scaled', source: 'random', heads, seed },
    dimNames: Array.from({ length: d }, (_, j) => `dim ${j + 1}`),
  };
}

test('weight slices are the rows (W_Q, W_K, W_V) and columns (W_O) of one head, and produce its q', () => {
  const run = randomRun(8, 2, 7);
  const slices = weightSlices(run.weights!, 1);
  assert.deepEqual(slices.map((s) => [s.name, s.matrix.rows, s.matrix.cols]), [
    ['W_Q', 4, 8],
    ['W_K', 4, 8],
    ['W_V', 4, 8],
    ['W_O', 8, 4],
  ]);
  // Head 1's queries are x · W_Q[head 1]ᵀ (+ a zero bias): the slice is the right one.
  const q = matmulTransposeB(run.x, slices[0]!.matrix);
  const coreQ = run.report.heads[1]!.q;
  for (let i = 0; i < q.data.length; i++) assert.ok(Math.abs(q.data[i]! - coreQ.data[i]!) < 1e-5);
  // W_O's slice is columns 4…7.
  const wo = run.weights!.wo;
  assert.equal(slices[3]!.matrix.data[0], wo.data[4]);
  assert.equal(slices[3]!.matrix.data[5], wo.data[8 + 5]);
  assert.throws(() => weightSlices(run.weights!, 2), /head 2/);
});

test('a snapshot holds every head, the focused head and the selected row', () => {
  const run = randomRun(12, 3, 1);
  const snapshot = buildSnapshot(run, {
    words: run.tokens.map((text) => ({ text, known: true })),
    oov: [],
    setLabel: 'test',
    setUri: '',
    weightsLabel: '',
    focusedHead: 2,
    selectedRow: 3,
    projection: { kind: 'pca' },
    computeMs: 1,
  });
  assert.equal(snapshot.thumbs.length, 3);
  assert.equal(snapshot.head.index, 2);
  assert.equal(snapshot.row.row, 3);
  assert.equal(snapshot.row.head, 2);
  assert.deepEqual(snapshot.model, { d: 12, dk: 4, heads: 3, dimNames: run.dimNames });
  assert.equal(snapshot.sourceLabel, 'Seeded random projections (3 heads, seed 1)');
  // scaled measure: divided by √d_k = 2.
  assert.equal(snapshot.row.scaleDivisor, 2);
});

test('CSV export of the weights: a header of keys, one row per query, each summing to 1', () => {
  const { text, fileName } = exportMatrix(lessonRun(WORDS), 'weights', 'csv', 0, 0);
  assert.equal(fileName, 'attention-weights-head1.csv');
  const lines = text.trimEnd().split('\r\n');
  assert.equal(lines[0], 'query \\ key,orange,apple,and,an');
  assert.equal(lines.length, 5);
  for (const line of lines.slice(1)) {
    const sum = line.split(',').slice(1).map(Number).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-6, line);
  }
});

test('JSON export carries the tokens and the options; lesson mode has no W matrices to export', () => {
  const run = lessonRun(WORDS);
  const parsed = JSON.parse(exportMatrix(run, 'scores', 'json', 0, 0).text) as { tokens: string[]; measure: string; shape: number[]; values: number[][] };
  assert.deepEqual(parsed.tokens, WORDS);
  assert.equal(parsed.measure, 'cosine');
  assert.deepEqual(parsed.shape, [4, 4]);
  assert.ok(Math.abs(parsed.values[0]![1]! - Math.SQRT1_2) < 1e-6);
  assert.throws(() => exportMatrix(run, 'wq', 'csv', 0, 0), (error: Error) => error.message === LESSON_HAS_NO_WEIGHTS);
});

test('the breakdown export ends with the max and the Σ rows', () => {
  const text = exportMatrix(lessonRun(WORDS), 'breakdown', 'csv', 0, 0).text;
  const lines = text.trimEnd().split('\r\n');
  assert.equal(lines[0], 'key,raw,scaled (÷1),minus_max,exp,probability');
  assert.equal(lines.length, 1 + 4 + 2);
  assert.match(lines[5]!, /^max,,1,/);
  assert.match(lines[6]!, /^sum,,,,/);
});

test('PNG data URLs are decoded only when they hold a PNG', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
  const bytes = pngBytesFromDataUrl(`data:image/png;base64,${png.toString('base64')}`);
  assert.deepEqual([...bytes], [...png]);
  assert.throws(() => pngBytesFromDataUrl(`data:image/png;base64,${Buffer.from('GIF89a....').toString('base64')}`), /not a PNG/);
  assert.throws(() => pngBytesFromDataUrl('data:text/html;base64,PHNjcmlwdD4='), /not a PNG data URL/);
  assert.throws(() => pngBytesFromDataUrl('data:image/png;base64,<script>'), /base64/);
});

test('long rows keep the heaviest terms and say how much weight the rest carries', () => {
  const n = 40;
  const data = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data[i * n + j] = (j + 1) / ((n * (n + 1)) / 2);
  const tokens = Array.from({ length: n }, (_, j) => `k${j}`);
  const line = deckLine(explainRow({ rows: n, cols: n, data }, 0, tokens, 2));
  // The core's order: printed weight descending, ties in input order.
  const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => Number(((b + 1) / 820).toFixed(2)) - Number(((a + 1) / 820).toFixed(2)) || a - b);
  const expectedTop = order.slice(0, LINE_TERMS).map((j) => `${((j + 1) / 820).toFixed(2)} k${j}`).join(' + ');
  const restWeight = order.slice(LINE_TERMS).reduce((sum, j) => sum + (j + 1) / 820, 0);
  assert.equal(line, `k0 → ${expectedTop} + … ${n - LINE_TERMS} more keys (together ${restWeight.toFixed(2)})`);
});

test('the bundled lesson set gives the deck’s line too (its first three dims are the deck’s table)', () => {
  const text = readFileSync(path.join(__dirname, '..', '..', '..', 'samples', 'lesson.emb'), 'utf8');
  const { store } = parseEmb(text, { name: 'lesson.emb' });
  const indices = WORDS.map((w) => store.lookup(w));
  assert.ok(indices.every((i) => i >= 0), 'the deck’s words are in the lesson set');
  const x = store.rows(indices);
  const report = runAttention(x, { kind: 'lesson' }, { measure: 'cosine' });
  const run: AttentionRun = { tokens: WORDS, x, report, weights: undefined, options: LESSON, dimNames: [...(store.dimNames ?? [])] };
  assert.equal(rowView(run, 0, 0).line, 'orange → 0.40 orange + 0.30 apple + 0.15 and + 0.15 an');
  assert.equal(plotView(run, { kind: 'dims', x: 0, y: 1 }).xLabel, store.dimNames?.[0]);
});

test('a flat row of many keys prints enough digits to be read', () => {
  const n = 300;
  const data = new Float32Array(n * n).fill(1 / n);
  const tokens = Array.from({ length: n }, (_, j) => `k${j}`);
  const digits = lineDigits({ rows: n, cols: n, data }, 0);
  assert.equal(digits, 4, '1/300 = 0.0033 needs four decimals');
  const line = deckLine(explainRow({ rows: n, cols: n, data }, 0, tokens, digits));
  assert.match(line, /^k0 → 0\.0033 k0 \+ 0\.0033 k1 \+ /);
  assert.match(line, /… 288 more keys \(together 0\.96\)$/);
  assert.equal(lineDigits(lessonRun(WORDS).report.heads[0]!.weights, 0), 2, 'the deck keeps two decimals');
});
