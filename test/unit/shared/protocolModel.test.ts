/**
 * The model messages of the panel protocol (src/shared/protocol/model.ts): what the model source
 * really sends for every fixture checkpoint, under every unit option, passes as is; what is cut,
 * mis-sized or out of range is refused with where.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_VIEW_STATE, ModelEngine } from '../../../src/host/model/engine';
import { validateFromPanel, validateToPanel } from '../../../src/shared/protocol';
import type { ModelViewOptions } from '../../../src/shared/modelView';
import { GOOD_MODEL_FROM_PANEL, goodModelToPanel, gpt2Snapshot } from './modelMessages';

const MODELS = path.join(__dirname, '..', '..', 'fixtures', 'models');
const OPTIONS: readonly ModelViewOptions[] = [
  { hideSpecial: false, renormalize: true, aggregate: 'tokens' },
  { hideSpecial: true, renormalize: true, aggregate: 'tokens' },
  { hideSpecial: true, renormalize: false, aggregate: 'words' },
];

/** Words with hidden specials where no word has two pieces: the case whose focused scores once stayed n × n. */
const WORDS_WITHOUT_SPECIALS = (name: string, o: ModelViewOptions): boolean => ['bert', 'distilbert', 'roberta'].includes(name) && o.hideSpecial && o.aggregate === 'words';

function problems(which: (name: string, options: ModelViewOptions) => boolean): string[] {
  const names = fs.readdirSync(MODELS).filter((n) => fs.existsSync(path.join(MODELS, n, 'config.json')));
  assert.ok(names.length >= 7, `fixtures: ${names.join(', ')}`);
  const found: string[] = [];
  for (const name of names) {
    const engine = ModelEngine.load(path.join(MODELS, name));
    for (const options of OPTIONS.filter((o) => which(name, o))) {
      const state = { ...DEFAULT_VIEW_STATE, layer: 1, head: 1, options };
      const snapshot = engine.runText('The cat sat on the mat.', state);
      for (const message of [
        { type: 'modelSnapshot', snapshot },
        { type: 'modelFocus', focus: engine.focus(state), neuron: engine.neuron(state) },
        { type: 'modelRollout', rollout: engine.rollout({ ...state, rolloutUpTo: 0 }) },
        { type: 'modelLayerHeads', heads: engine.layerHeads(0, state) },
      ]) {
        const checked = validateToPanel(message);
        if (!checked.ok) found.push(`${name} ${JSON.stringify(options)} ${message.type}: ${checked.reason}`);
      }
    }
  }
  return found;
}

test('every fixture model’s snapshot, focus, neuron, rollout and layer heads validate under every unit option', () => {
  assert.deepEqual(problems((name, o) => !WORDS_WITHOUT_SPECIALS(name, o)), []);
});

test('encoders, words with hidden specials: the focused scores are over units', () => {
  assert.deepEqual(problems(WORDS_WITHOUT_SPECIALS), []);
});

test('bert, words with hidden specials: the focused scores are torch’s scaled scores without the specials’ rows and columns', () => {
  const dir = path.join(MODELS, 'bert');
  const reference = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8')) as { text: string; scores: number[][][][] };
  const engine = ModelEngine.load(dir);
  const state = { ...DEFAULT_VIEW_STATE, layer: 1, head: 2, options: { hideSpecial: true, renormalize: false, aggregate: 'words' } as const };
  const snapshot = engine.runText(reference.text, state);
  // [CLS] and [SEP] are hidden ([MASK] is a token of the text and stays).
  const kept = snapshot.units.map((u) => u.tokens[0]!);
  assert.deepEqual(kept, [1, 2, 3, 4, 5, 6, 7]);
  assert.ok(snapshot.units.every((u) => u.tokens.length === 1), 'one piece per word');
  const { scores } = engine.focus(state);
  assert.ok(scores, 'scores sent');
  assert.equal(scores.rows, snapshot.units.length);
  const got = new Float32Array(scores.data);
  const torch = reference.scores[1]![2]!;
  kept.forEach((i, a) => kept.forEach((j, b) => assert.ok(Math.abs(got[a * kept.length + b]! - torch[i]![j]!) < 1e-3, `scores[${a}][${b}] ${got[a * kept.length + b]} vs torch ${torch[i]![j]}`)));
});

test('the good messages of modelMessages.ts pass in both directions', () => {
  for (const message of Object.values(goodModelToPanel())) assert.ok(validateToPanel(message).ok, message.type);
  for (const message of Object.values(GOOD_MODEL_FROM_PANEL)) assert.ok(validateFromPanel(message).ok, message.type);
});

test('a model snapshot whose parts disagree is refused, saying where', () => {
  const s = gpt2Snapshot();
  const n = s.tokens.length;
  const thumb = s.thumbs[0]!.heads[0]!;
  const cases: [string, unknown, RegExp][] = [
    ['a thumbnail cut short', { ...s, thumbs: [{ ...s.thumbs[0]!, heads: [{ ...thumb, data: new ArrayBuffer(3) }, ...s.thumbs[0]!.heads.slice(1)] }, ...s.thumbs.slice(1)] }, /thumb: 3 bytes for/],
    ['a layer of thumbnails missing', { ...s, thumbs: s.thumbs.slice(1) }, /1 layers of thumbnails for 2 layers/],
    ['a head of thumbnails missing', { ...s, thumbs: [{ ...s.thumbs[0]!, heads: s.thumbs[0]!.heads.slice(1) }, ...s.thumbs.slice(1)] }, /thumbs\[0\]: 3 heads for 4/],
    ['a thumbnail beyond 64 a side', { ...s, thumbs: [{ ...s.thumbs[0]!, average: { rows: 65, cols: 1, data: new ArrayBuffer(65), max: 1 } }, ...s.thumbs.slice(1)] }, /outside \[0, 64\]/],
    ['the focused head beyond the model', { ...s, focus: { ...s.focus, head: 9 } }, /focused L2H10 of 2 × 4/],
    ['focused weights for other units', { ...s, units: s.units.slice(1) }, /focus.weights: 7×7 for 6 units/],
    ['a unit pointing past the tokens', { ...s, units: [{ ...s.units[0]!, tokens: [n] }, ...s.units.slice(1)] }, new RegExp(`units\\[0\\]: token ${n} of ${n}`)],
    ['a neuron query past the tokens', { ...s, neuron: { ...s.neuron, query: n } }, new RegExp(`neuron: query ${n} of ${n} tokens`)],
    ['a neuron q of another width', { ...s, neuron: { ...s.neuron, q: new ArrayBuffer(4) } }, /neuron.q: 1 floats, expected 8/],
    ['weights as a plain array', { ...s, focus: { ...s.focus, weights: { rows: n, cols: n, data: Array(n * n).fill(0) } } }, /ArrayBuffer/],
    ['an offset that ends before it starts', { ...s, tokens: [{ ...s.tokens[0]!, offset: [5, 2] }, ...s.tokens.slice(1)] }, /offset: starts after it ends/],
    ['a prediction of another kind', { ...s, predictions: { kind: 'beam', top: [] } }, /kind: expected one of next, masks, none/],
    ['a probability above 1', { ...s, predictions: { kind: 'next', top: [{ id: 1, raw: 'a', text: 'a', p: 1.5 }] } }, /p: 1.5 is outside/],
    ['a rollout past the layers', { ...s, rollout: { ...s.rollout, upTo: 2 } }, /rollout up to layer 3 of 2/],
    ['an extra field', { ...s, secret: 1 }, /unexpected field "secret"/],
  ];
  for (const [what, bad, reason] of cases) {
    const checked = validateToPanel({ type: 'modelSnapshot', snapshot: bad });
    assert.equal(checked.ok, false, what);
    if (!checked.ok) assert.match(checked.reason, reason, what);
  }
});

test('malformed model messages from the panel are refused', () => {
  const cases: [unknown, RegExp][] = [
    [{ type: 'focusModelHead', layer: -1, head: 0 }, /layer: -1 is outside/],
    [{ type: 'focusModelHead', layer: 0 }, /head: expected an integer/],
    [{ type: 'selectModelQuery', token: 1.5 }, /integer/],
    [{ type: 'hoverToken', unit: -2 }, /outside/],
    [{ type: 'hoverToken' }, /unit: expected an integer/],
    [{ type: 'appendToken', id: '42' }, /integer/],
    [{ type: 'setModelViewOptions', options: { hideSpecial: true, renormalize: true, aggregate: 'sentences' } }, /aggregate/],
    [{ type: 'setRolloutLayer', upTo: 1, extra: true }, /unexpected field "extra"/],
  ];
  for (const [data, reason] of cases) {
    const checked = validateFromPanel(data);
    assert.equal(checked.ok, false, JSON.stringify(data));
    if (!checked.ok) assert.match(checked.reason, reason, JSON.stringify(data));
  }
  assert.ok(validateToPanel({ type: 'highlightToken', unit: null }).ok);
  assert.equal(validateToPanel({ type: 'highlightToken', unit: 'cat' }).ok, false);
  const heads = goodModelToPanel().modelLayerHeads.heads;
  const short = validateToPanel({ type: 'modelLayerHeads', heads: { ...heads, n: heads.n + 1 } });
  assert.ok(!short.ok && /layerHeads.heads\[0\]: 7×7 for 8 units/.test(short.reason), short.ok ? '' : short.reason);
});

test('a pass’s parts that disagree are refused, saying where', () => {
  const good = goodModelToPanel();
  const start = good.modelStart.start;
  const layers = good.modelLayers.layers;
  const n = start.tokens.length;
  const cases: [string, unknown, RegExp][] = [
    ['a start focused beyond the model', { type: 'modelStart', start: { ...start, focus: { ...start.focus, layer: 5 } } }, /focused L6H2 of 2 × 4/],
    ['a start whose neuron is of another head', { type: 'modelStart', start: { ...start, neuron: { ...start.neuron, head: 3 } } }, /neuron view is not of the focused head/],
    ['a start whose weights are for other units', { type: 'modelStart', start: { ...start, units: start.units.slice(1) } }, new RegExp(`focus.weights: ${n}×${n} for ${n - 1} units`)],
    ['a start without its pass', { type: 'modelStart', start: { ...start, pass: undefined } }, /pass/],
    ['layers without thumbnails', { type: 'modelLayers', layers: { ...layers, thumbs: [] } }, /no thumbnails/],
    ['layers from a negative layer', { type: 'modelLayers', layers: { ...layers, from: -1 } }, /from: -1 is outside/],
    ['an end without its rollout', { type: 'modelComplete', pass: 4, predictions: good.modelComplete.predictions, timings: good.modelComplete.timings }, /rollout/],
  ];
  for (const [what, bad, reason] of cases) {
    const checked = validateToPanel(bad);
    assert.equal(checked.ok, false, what);
    if (!checked.ok) assert.match(checked.reason, reason, what);
  }
});
