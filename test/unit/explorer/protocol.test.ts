/**
 * The Explorer protocol's validators: every message type accepted in its valid form, and refused
 * — with the path of the bad field — when a field is missing, extra, of the wrong type, or
 * inconsistent with another (rows and tokens of different lengths, a point buffer of the wrong
 * size, an OOV index with a row's origin, UMAP over its limit).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EXPLORER_LIMITS,
  validateFromExplorer,
  validateToExplorer,
  type FromExplorerMessage,
  type FromExplorerType,
  type ToExplorerMessage,
  type ToExplorerType,
} from '../../../src/shared/explorerProtocol';

const summary = {
  name: 'glove.txt',
  count: 3,
  dim: 2,
  dimNames: ['dim 1', 'dim 2'],
  named: false,
  format: 'GloVe text',
  subwords: false,
  problems: 0,
  problemLines: [],
  bytes: 100,
  loadMs: 5,
};

const toExplorer: { readonly [K in ToExplorerType]: Extract<ToExplorerMessage, { type: K }> } = {
  init: { type: 'init', file: 'glove.txt', status: 'loading', progress: 0.5, summary: undefined, preview: undefined, message: '', timings: { opened: 1 } },
  progress: { type: 'progress', fraction: 0.25 },
  preview: { type: 'preview', preview: { count: 3_000_000, dim: 300, format: 'word2vec binary', tokens: ['</s>', 'in', 'for'] } },
  loaded: { type: 'loaded', summary },
  failed: { type: 'failed', message: 'Cannot index glove.txt: byte 8: truncated' },
  rows: { type: 'rows', requestId: 3, query: 'ap', start: 0, total: 2, capped: false, indices: [4, 9], tokens: ['apple', 'grape'], oov: undefined },
  token: { type: 'token', requestId: 1, index: 2, token: 'apple', origin: 'row', vector: new Float32Array([1, 2]).buffer, norm: Math.sqrt(5) },
  neighbours: { type: 'neighbours', requestId: 2, word: 'apple', origin: 'row', measure: 'cosine', neighbours: [{ index: 0, token: 'pear', cosine: 0.9, dot: 3, scaled: 2.1 }], ms: 1 },
  analogy: { type: 'analogy', requestId: 4, a: 'king', b: 'man', c: 'woman', answers: [{ index: 7, token: 'queen', score: 0.7 }] },
  compare: { type: 'compare', requestId: 5, a: 'a', b: 'b', cosine: 0.97, dot: 12, scaled: 8.49, zeroVector: false, worked: { dot: '1·0 + 4·3 = 12', scaled: '12/√2 = 8.49', cosine: '12/(√17·3) = 0.97 (14°)' } },
  map: { type: 'map', requestId: 6, method: 'pca', indices: [0, 1, 2], tokens: ['a', 'b', 'c'], points: new Float32Array(6).buffer, xLabel: 'PC1', yLabel: 'PC2', note: '', ms: 3 },
  queryFailed: { type: 'queryFailed', requestId: 7, message: '"x" is not in glove.txt' },
  activeSet: { type: 'activeSet', active: true, message: 'ok' },
};

const fromExplorer: { readonly [K in FromExplorerType]: Extract<FromExplorerMessage, { type: K }> } = {
  ready: { type: 'ready' },
  requestRows: { type: 'requestRows', requestId: 1, query: '', start: 2_999_960, count: 40 },
  requestToken: { type: 'requestToken', requestId: 2, word: 'apple' },
  requestNeighbours: { type: 'requestNeighbours', requestId: 3, word: 'apple', measure: 'scaled', k: 10 },
  requestAnalogy: { type: 'requestAnalogy', requestId: 4, a: 'king', b: 'man', c: 'woman', k: 10 },
  requestCompare: { type: 'requestCompare', requestId: 5, a: 'cherries', b: 'tomato' },
  requestMap: { type: 'requestMap', requestId: 6, method: 'umap', source: { kind: 'neighbourhood', word: 'apple', count: 200 } },
  useAsActiveSet: { type: 'useAsActiveSet' },
  painted: { type: 'painted', milestones: { firstPaint: 1700000000000 } },
  log: { type: 'log', level: 'warn', message: 'hello' },
};

function refused(result: { ok: boolean; reason?: string }, pattern: RegExp): void {
  assert.equal(result.ok, false, 'expected a refusal');
  assert.match((result as { reason: string }).reason, pattern);
}

test('every message of both directions passes its validator', () => {
  for (const message of Object.values(toExplorer)) {
    const checked = validateToExplorer(message);
    assert.ok(checked.ok, checked.ok ? '' : `${message.type}: ${checked.reason}`);
  }
  for (const message of Object.values(fromExplorer)) {
    const checked = validateFromExplorer(message);
    assert.ok(checked.ok, checked.ok ? '' : `${message.type}: ${checked.reason}`);
  }
});

test('unknown types, extra fields and missing fields are refused with where', () => {
  refused(validateToExplorer({ type: 'rowz' }), /unknown type "rowz"/);
  refused(validateToExplorer(null), /expected an object/);
  refused(validateFromExplorer({ ...fromExplorer.requestToken, html: '<b>' }), /requestToken: unexpected field "html"/);
  const { word: _word, ...noWord } = fromExplorer.requestToken;
  refused(validateFromExplorer(noWord), /requestToken\.word: expected a string/);
  refused(validateFromExplorer({ type: 'ready', extra: 1 }), /unexpected field/);
});

test('inconsistent messages are refused', () => {
  refused(validateToExplorer({ ...toExplorer.rows, tokens: ['apple'] }), /rows: 2 indices for 1 tokens/);
  refused(validateToExplorer({ ...toExplorer.rows, start: 1 }), /past the total 2/);
  refused(validateToExplorer({ ...toExplorer.token, index: -1 }), /index -1 with a vector from row/);
  refused(validateToExplorer({ ...toExplorer.token, vector: new Uint8Array(3).buffer }), /vector: expected an ArrayBuffer of 4-byte values/);
  refused(validateToExplorer({ ...toExplorer.map, points: new Float32Array(4).buffer }), /map: 2 points for 3 tokens/);
  refused(validateToExplorer({ ...toExplorer.loaded, summary: { ...summary, dimNames: ['x'] } }), /1 dimension names for 2 dimensions/);
  refused(validateToExplorer({ ...toExplorer.init, status: 'ready', summary: undefined }), /status ready without a summary/);
  refused(validateToExplorer({ ...toExplorer.neighbours, neighbours: [{ index: 0, token: 'p', cosine: Number.NaN, dot: 0, scaled: 0 }] }), /cosine: expected a finite number/);
  refused(validateToExplorer({ ...toExplorer.progress, fraction: 1.5 }), /fraction: 1\.5 is outside \[0, 1\]/);
});

test('requests: words are non-empty, counts bounded, UMAP limited, map sources known', () => {
  refused(validateFromExplorer({ ...fromExplorer.requestToken, word: '   ' }), /expected a word/);
  refused(validateFromExplorer({ ...fromExplorer.requestNeighbours, k: 0 }), /k: 0 is outside/);
  refused(validateFromExplorer({ ...fromExplorer.requestNeighbours, measure: 'euclid' }), /measure: expected one of dot, cosine, scaled/);
  refused(validateFromExplorer({ ...fromExplorer.requestRows, count: EXPLORER_LIMITS.maxRows + 1 }), /count: 1001 is outside/);
  refused(validateFromExplorer({ ...fromExplorer.requestMap, source: { kind: 'first', count: EXPLORER_LIMITS.maxMapPointsUmap + 1 } }), /UMAP draws at most 5000 points/);
  assert.ok(validateFromExplorer({ ...fromExplorer.requestMap, method: 'pca', source: { kind: 'first', count: EXPLORER_LIMITS.maxMapPointsUmap + 1 } }).ok);
  refused(validateFromExplorer({ ...fromExplorer.requestMap, source: { kind: 'random', count: 5 } }), /source\.kind: expected one of first, search, neighbourhood/);
  refused(validateFromExplorer({ ...fromExplorer.requestMap, source: { kind: 'search', query: '', count: 5 } }), /source\.query: expected a word/);
  refused(validateFromExplorer({ type: 'painted', milestones: { 'bad name': 1 } }), /unexpected milestone name/);
  refused(validateFromExplorer({ type: 'log', level: 'fatal', message: 'x' }), /level: expected one of/);
});

test('the validators never throw, whatever arrives (fast-check, seeded)', async () => {
  const fc = await import('fast-check');
  const valid = [...Object.values(toExplorer), ...Object.values(fromExplorer)];
  // Arbitrary JSON-like values, and valid messages with one field replaced by anything.
  const mutated = fc.tuple(fc.constantFrom(...valid), fc.string(), fc.anything()).map(([message, key, value]) => {
    const keys = Object.keys(message);
    return { ...message, [keys[key.length % keys.length]!]: value };
  });
  fc.assert(
    fc.property(fc.oneof(fc.anything(), mutated), (data) => {
      const to = validateToExplorer(data);
      const from = validateFromExplorer(data);
      return typeof to.ok === 'boolean' && typeof from.ok === 'boolean';
    }),
    { seed: 13, numRuns: 3000 },
  );
});
