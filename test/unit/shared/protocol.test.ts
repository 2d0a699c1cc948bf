import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAttention, randomMultiHeadWeights } from '../../../src/core';
import {
  bootPayload,
  MAX_MILESTONES,
  readBoot,
  validateFromHeads,
  validateFromPanel,
  validatePersistedState,
  validateToHeads,
  validateToPanel,
  type FromPanelMessage,
  type FromPanelType,
  type InitMessage,
  type PanelOptions,
  type ToPanelMessage,
  type ToPanelType,
} from '../../../src/shared/protocol';
import { buildSnapshot, headView, plotView, rowView, type AttentionRun } from '../../../src/shared/viewModel';
import { deckRows, DECK_DIMS } from './deckFixture';
import { GOOD_MODEL_FROM_PANEL, goodModelToPanel } from './modelMessages';

const OPTIONS: PanelOptions = { measure: 'cosine', source: 'lesson', heads: 1, seed: 0, causal: false, scale: true, temperature: 1 };
const PNG = 'data:image/png;base64,iVBORw0KGgo=';

function run(): AttentionRun {
  const tokens = ['orange', 'apple', 'and', 'an'];
  const x = deckRows(tokens);
  return { tokens, x, report: runAttention(x, { kind: 'lesson' }, { measure: 'cosine' }), weights: undefined, options: OPTIONS, dimNames: [...DECK_DIMS] };
}

function snapshot() {
  const r = run();
  return buildSnapshot(r, {
    words: [{ text: 'orange', known: true }, { text: 'apple', known: true }, { text: 'xyzzy', known: false }, { text: 'and', known: true }, { text: 'an', known: true }],
    oov: ['xyzzy'],
    setLabel: 'Lesson (bundled)',
    setUri: '',
    weightsLabel: '',
    focusedHead: 0,
    selectedRow: 0,
    projection: { kind: 'pca' },
    computeMs: 2,
  });
}

/** One well-formed message of every type, per direction (the Record makes a missing type a compile error). */
const GOOD_FROM_PANEL: { readonly [K in FromPanelType]: Extract<FromPanelMessage, { type: K }> } = {
  ready: { type: 'ready' },
  setOptions: { type: 'setOptions', options: OPTIONS },
  pickWeightsFile: { type: 'pickWeightsFile' },
  focusHead: { type: 'focusHead', head: 3 },
  selectRow: { type: 'selectRow', row: 0 },
  setProjection: { type: 'setProjection', projection: { kind: 'dims', x: 0, y: 2 } },
  requestWeights: { type: 'requestWeights', head: 0 },
  exportImage: { type: 'exportImage', chart: 'heatmap', dataUrl: PNG },
  exportMatrix: { type: 'exportMatrix', matrix: 'all-weights', format: 'csv' },
  exportSvg: { type: 'exportSvg', chart: 'heatmap' },
  captured: { type: 'captured', requestId: 7, chart: 'plot', dataUrl: PNG },
  captureFailed: { type: 'captureFailed', requestId: 7, reason: 'not loaded' },
  log: { type: 'log', level: 'warn', message: 'hello' },
  chooseUnknownWords: { type: 'chooseUnknownWords', choice: 'trainedVectors' },
  ...GOOD_MODEL_FROM_PANEL,
};

function goodToPanel(): { readonly [K in ToPanelType]: Extract<ToPanelMessage, { type: K }> } {
  const s = snapshot();
  const r = run();
  return {
    init: { type: 'init', status: 'ready', snapshot: s, message: '', options: OPTIONS, printValuesUpTo: 16, weightsLabel: '', timings: { command: 1.7e12, init: 1.7e12 + 40.5 }, sameAsBoot: true },
    computing: { type: 'computing', active: true },
    options: { type: 'options', options: { ...OPTIONS, source: 'random', heads: 3 }, weightsLabel: '' },
    snapshot: { type: 'snapshot', snapshot: s, timings: { command: 1.7e12, snapshot: 1.7e12 + 3 } },
    head: { type: 'head', head: headView(r, 0), row: rowView(r, 0, 1) },
    row: { type: 'row', row: rowView(r, 0, 2) },
    plot: { type: 'plot', plot: plotView(r, { kind: 'dims', x: 0, y: 1 }) },
    weights: { type: 'weights', head: 0, matrices: [], unavailable: 'lesson mode' },
    error: { type: 'error', message: 'bad' },
    capture: { type: 'capture', requestId: 1, chart: 'weights' },
    unknownWords: { type: 'unknownWords', offer: { count: 5, setLabel: 'Lesson (bundled)', sources: ['trainedVectors', 'bundledModel'] } },
    ...goodModelToPanel(),
  };
}

test('every well-formed message from the panel is accepted as is', () => {
  for (const message of Object.values(GOOD_FROM_PANEL)) {
    const checked = validateFromPanel(message);
    assert.ok(checked.ok, `${message.type}: ${checked.ok ? '' : checked.reason}`);
    assert.equal(checked.message, message);
  }
});

test('every well-formed message to the panel is accepted, a real snapshot included', () => {
  for (const message of Object.values(goodToPanel())) {
    const checked = validateToPanel(message);
    assert.ok(checked.ok, `${message.type}: ${checked.ok ? '' : checked.reason}`);
  }
  const empty = validateToPanel({ type: 'init', status: 'empty', snapshot: undefined, message: 'Select text', options: OPTIONS, printValuesUpTo: 0, weightsLabel: '' });
  assert.ok(empty.ok);
});

const MALFORMED_FROM_PANEL: readonly [string, unknown, RegExp][] = [
  ['not an object', 'ready', /expected an object/],
  ['null', null, /expected an object/],
  ['an array', [{ type: 'ready' }], /expected an object/],
  ['no type', { head: 1 }, /unknown type/],
  ['unknown type', { type: 'runScript', code: 'alert(1)' }, /unknown type "runScript"/],
  ['prototype key as type', { type: 'constructor' }, /unknown type/],
  ['extra field', { type: 'ready', extra: 1 }, /unexpected field "extra"/],
  ['head not an integer', { type: 'focusHead', head: 1.5 }, /integer/],
  ['head negative', { type: 'focusHead', head: -1 }, /outside/],
  ['head as a string', { type: 'focusHead', head: '1' }, /integer/],
  ['row NaN', { type: 'selectRow', row: Number.NaN }, /integer/],
  ['measure unknown', { type: 'setOptions', options: { ...OPTIONS, measure: 'euclid' } }, /measure/],
  ['temperature 0', { type: 'setOptions', options: { ...OPTIONS, temperature: 0 } }, /temperature/],
  ['temperature infinite', { type: 'setOptions', options: { ...OPTIONS, temperature: Infinity } }, /temperature/],
  ['options field missing', { type: 'setOptions', options: { measure: 'dot' } }, /source/],
  ['projection kind unknown', { type: 'setProjection', projection: { kind: 'tsne' } }, /dims/],
  ['chart unknown', { type: 'exportImage', chart: 'everything', dataUrl: PNG }, /chart/],
  ['data URL not PNG', { type: 'exportImage', chart: 'heatmap', dataUrl: 'data:text/html;base64,PHNjcmlwdD4=' }, /png/],
  ['matrix unknown', { type: 'exportMatrix', matrix: 'secrets', format: 'csv' }, /matrix/],
  ['format unknown', { type: 'exportMatrix', matrix: 'weights', format: 'xlsx' }, /format/],
  ['SVG of a chart the host cannot write as SVG', { type: 'exportSvg', chart: 'plot' }, /chart/],
  ['log level unknown', { type: 'log', level: 'trace', message: 'x' }, /level/],
  ['log too long', { type: 'log', level: 'info', message: 'x'.repeat(5000) }, /longer/],
  ['unknown-words choice unknown', { type: 'chooseUnknownWords', choice: 'download' }, /choice/],
  ['unknown-words choice missing', { type: 'chooseUnknownWords' }, /choice/],
];

for (const [what, data, reason] of MALFORMED_FROM_PANEL) {
  test(`a malformed message from the panel is refused: ${what}`, () => {
    const checked = validateFromPanel(data);
    assert.equal(checked.ok, false);
    if (!checked.ok) assert.match(checked.reason, reason);
  });
}

test('an unknown-words offer without its source list, with an empty or repeated one, or with a source nobody handles is refused', () => {
  const offer = { count: 5, setLabel: 'Lesson (bundled)', sources: ['trainedVectors'] };
  assert.ok(validateToPanel({ type: 'unknownWords', offer }).ok);
  assert.ok(validateToPanel({ type: 'unknownWords' }).ok, 'no offer: the panel hides it');
  const cases: [unknown, RegExp][] = [
    [{ ...offer, sources: undefined }, /sources: expected an array/],
    [{ ...offer, sources: [] }, /sources: empty/],
    [{ ...offer, sources: ['trainedVectors', 'trainedVectors'] }, /a source twice/],
    [{ ...offer, sources: ['notNow'] }, /sources\[0\]/],
    [{ ...offer, count: 0 }, /count/],
    [{ ...offer, setLabel: 3 }, /setLabel/],
  ];
  for (const [bad, reason] of cases) {
    const checked = validateToPanel({ type: 'unknownWords', offer: bad });
    assert.equal(checked.ok, false, JSON.stringify(bad));
    if (!checked.ok) assert.match(checked.reason, reason);
  }
});

test('an unknown type is repeated in the refusal cut to about 80 characters, visibly', () => {
  const long = `evil${'x'.repeat(100_000)}`;
  for (const validate of [validateFromPanel, validateToPanel, validateFromHeads, validateToHeads]) {
    const checked = validate({ type: long });
    assert.equal(checked.ok, false);
    if (checked.ok) continue;
    assert.ok(checked.reason.length < 120, `the refusal is ${checked.reason.length} characters long`);
    assert.match(checked.reason, /^message: unknown type "evilx+…"$/);
  }
  // A short one is shown whole, and a type that is not a string is named by its kind, not dumped.
  const short = validateFromPanel({ type: 'x'.repeat(80) });
  assert.ok(!short.ok && short.reason === `message: unknown type "${'x'.repeat(80)}"`);
  const object = validateFromPanel({ type: { nested: 'y'.repeat(10_000) } });
  assert.ok(!object.ok && object.reason === 'message: unknown type object');
});

test('a snapshot whose sizes disagree is refused', () => {
  const s = snapshot();
  const cases: [string, unknown, RegExp][] = [
    ['truncated weights buffer', { ...s, head: { ...s.head, weights: { ...s.head.weights, data: new ArrayBuffer(12) } } }, /bytes for 4×4/],
    ['weights as a plain array', { ...s, head: { ...s.head, weights: { rows: 4, cols: 4, data: Array(16).fill(0) } } }, /ArrayBuffer/],
    ['thumbnail missing', { ...s, thumbs: [] }, /0 thumbnails for 1 heads/],
    ['focused head beyond the heads', { ...s, head: { ...s.head, index: 3 } }, /focused head 3/],
    ['plot for another token count', { ...s, plot: { ...s.plot, inputs: new ArrayBuffer(8), outputs: new ArrayBuffer(8) } }, /1 points for 4 tokens/],
    ['a word without its flag', { ...s, words: [{ text: 'orange' }] }, /known/],
    ['a probability above 1', { ...s, row: { ...s.row, entries: [{ ...s.row.entries[0]!, probability: 2 }] } }, /probability/],
  ];
  for (const [what, bad, reason] of cases) {
    const checked = validateToPanel({ type: 'snapshot', snapshot: bad });
    assert.equal(checked.ok, false, what);
    if (!checked.ok) assert.match(checked.reason, reason, what);
  }
});

test('masked scores (−∞) are legal on the wire, NaN is not', () => {
  const r = run();
  const row = rowView(r, 0, 0);
  assert.ok(validateToPanel({ type: 'row', row: { ...row, entries: [{ ...row.entries[0]!, scaled: -Infinity, minusMax: -Infinity }] } }).ok);
  const bad = validateToPanel({ type: 'row', row: { ...row, entries: [{ ...row.entries[0]!, raw: Number.NaN }] } });
  assert.equal(bad.ok, false);
});

test('the Heads view protocol: good messages pass, malformed ones do not', () => {
  const s = snapshot();
  assert.ok(validateToHeads({ type: 'heads', thumbs: s.thumbs, focusedHead: 0, tokens: 4, label: 'x' }).ok);
  assert.ok(validateToHeads({ type: 'heads', thumbs: [], focusedHead: 0, tokens: 0, label: '' }).ok);
  assert.ok(validateToHeads({ type: 'focus', head: 2 }).ok);
  assert.equal(validateToHeads({ type: 'heads', thumbs: s.thumbs, focusedHead: 4, tokens: 4, label: 'x' }).ok, false);
  // A model's grid: the thumbnails fill the layers exactly.
  const four = [s.thumbs[0]!, s.thumbs[0]!, s.thumbs[0]!, s.thumbs[0]!];
  assert.equal(four.length, 4);
  assert.ok(validateToHeads({ type: 'heads', thumbs: four, focusedHead: 3, tokens: 4, label: 'x', layers: 2 }).ok);
  const ragged = validateToHeads({ type: 'heads', thumbs: four.slice(0, 3), focusedHead: 0, tokens: 4, label: 'x', layers: 2 });
  assert.equal(ragged.ok, false);
  if (!ragged.ok) assert.match(ragged.reason, /3 thumbnails do not fill 2 layers/);
  assert.equal(validateToHeads({ type: 'heads', thumbs: four, focusedHead: 0, tokens: 4, label: 'x', layers: 0 }).ok, false);
  assert.equal(validateToHeads({ type: 'snapshot', snapshot: s }).ok, false);
  for (const good of [{ type: 'ready' }, { type: 'focusHead', head: 0 }, { type: 'showAttention' }, { type: 'log', level: 'info', message: 'm' }, { type: 'log', level: 'debug', message: 'timing: 3 ms' }]) {
    assert.ok(validateFromHeads(good).ok, JSON.stringify(good));
  }
  assert.equal(validateFromHeads({ type: 'setOptions', options: OPTIONS }).ok, false);
  assert.equal(validateFromHeads({ type: 'focusHead', head: -2 }).ok, false);
});

test('the persisted panel state round-trips and refuses anything else', () => {
  const state = { version: 1, words: ['orange', 'apple'], setUri: '', options: OPTIONS, focusedHead: 0, selectedRow: 1, projection: { kind: 'pca' } };
  assert.ok(validatePersistedState(state).ok);
  assert.ok(validatePersistedState(JSON.parse(JSON.stringify(state))).ok);
  assert.equal(validatePersistedState({ ...state, version: 2 }).ok, false);
  assert.equal(validatePersistedState({ ...state, words: 'orange apple' }).ok, false);
  assert.equal(validatePersistedState(undefined).ok, false);
});

test('random projections with several heads validate, head by head', () => {
  const tokens = ['a', 'b', 'c'];
  const x = deckRows(['orange', 'apple', 'an']);
  const xx = { rows: 3, cols: 6, data: new Float32Array(18).map((_, i) => x.data[i % 9]! + i / 10) };
  const weights = randomMultiHeadWeights(6, 3, 5);
  const r: AttentionRun = {
    tokens,
    x: xx,
    report: runAttention(xx, { kind: 'weights', weights }, { measure: 'scaled', causal: true }),
    weights,
    options: { ...OPTIONS, source: 'random', heads: 3, causal: true },
    dimNames: ['a', 'b', 'c', 'd', 'e', 'f'],
  };
  for (let h = 0; h < 3; h++) {
    const checked = validateToPanel({ type: 'head', head: headView(r, h), row: rowView(r, h, 1) });
    assert.ok(checked.ok, checked.ok ? '' : checked.reason);
  }
});

test('milestones (name → epoch ms) are checked like everything else: names, count, finite times', () => {
  const init = (timings: unknown): unknown => ({ type: 'init', status: 'empty', snapshot: undefined, message: '', options: OPTIONS, printValuesUpTo: 16, weightsLabel: '', timings });
  assert.ok(validateToPanel(init({ command: 1.7e12, panelCreated: 1.7e12 + 5.5 })).ok);
  const refused: readonly [unknown, RegExp][] = [
    [[1, 2], /expected an object/],
    [{ 'a b': 1 }, /milestone name/],
    [{ __proto__x: 1 }, /milestone name/],
    [{ command: Number.NaN }, /finite/],
    [{ command: -1 }, /outside/],
    [{ command: '1' }, /finite/],
    [Object.fromEntries(Array.from({ length: MAX_MILESTONES + 1 }, (_, i) => [`m${i}`, i])), /more than/],
  ];
  for (const [timings, reason] of refused) {
    const checked = validateToPanel(init(timings));
    assert.equal(checked.ok, false, JSON.stringify(timings));
    if (!checked.ok) assert.match(checked.reason, reason);
  }
  const sameAsBoot = validateToPanel({ ...(init(undefined) as object), sameAsBoot: 'yes' });
  assert.equal(sameAsBoot.ok, false);
});

test('the boot data (an init in the page’s HTML) round-trips exactly, ArrayBuffers included', () => {
  const s = snapshot();
  const init: InitMessage = { type: 'init', status: 'ready', snapshot: s, message: '', options: OPTIONS, printValuesUpTo: 16, weightsLabel: 'w.safetensors', timings: { command: 1.7e12, boot: 1.7e12 + 9 } };
  // What the attribute holds: JSON text, with no ArrayBuffer left in the payload.
  const text = JSON.stringify(bootPayload(init));
  assert.doesNotMatch(text, /"data":\{\}/, 'no buffer was written as an empty object');
  const read = readBoot(text);
  assert.ok(read.ok, read.ok ? '' : read.reason);
  const back = read.message.snapshot!;
  assert.deepEqual(back.tokens, s.tokens);
  assert.deepEqual([...new Float32Array(back.head.weights.data)], [...new Float32Array(s.head.weights.data)]);
  assert.deepEqual([...new Float32Array(back.head.scores.data)], [...new Float32Array(s.head.scores.data)]);
  assert.deepEqual([...new Uint8Array(back.thumbs[0]!.data)], [...new Uint8Array(s.thumbs[0]!.data)]);
  assert.deepEqual([...new Float32Array(back.plot.inputs)], [...new Float32Array(s.plot.inputs)]);
  assert.deepEqual(read.message.timings, init.timings);
  assert.equal(read.message.weightsLabel, 'w.safetensors');
});

test('boot data that is not a valid init is refused with a reason, never half-read', () => {
  const s = snapshot();
  const good = bootPayload({ type: 'init', status: 'ready', snapshot: s, message: '', options: OPTIONS, printValuesUpTo: 16, weightsLabel: '' }) as Record<string, unknown>;
  const cases: readonly [string, RegExp][] = [
    ['{"type": "init"', /not JSON/],
    [JSON.stringify({ type: 'snapshot', snapshot: good.snapshot }), /expected an init/],
    [JSON.stringify({ ...good, extra: 1 }), /unexpected field/],
    [JSON.stringify(good).replace(/"\$bytes":"[^"]*"/, '"$bytes":"%%%"'), /ArrayBuffer/],
    [JSON.stringify(good).replace(/"\$bytes":"[^"]*"/, '"$bytes":"AAAA"'), /snapshot|weights|bytes|rows|values/],
    ['x'.repeat((1 << 20) + 1), /longer than/],
  ];
  for (const [text, reason] of cases) {
    const read = readBoot(text);
    assert.equal(read.ok, false, text.slice(0, 60));
    if (!read.ok) assert.match(read.reason, reason);
  }
});
