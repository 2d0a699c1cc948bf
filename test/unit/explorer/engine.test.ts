/**
 * The Explorer's engine on the gensim fixture: neighbours and analogies against gensim 4.2's
 * most_similar (test/fixtures/emb/gensim-expected.json, made by make_gensim_fixture.py), the list
 * and the search against the file's own lines read here, Compare Words against a float64 sum
 * written here, PCA's first axis against a power iteration written here. Every answer is also
 * run through the protocol's validator, as the webview would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ExplorerEngine, ExplorerQueryError, type LoadedEmbeddings } from '../../../src/host/explorer/engine';
import { loadForExplorer } from '../../../src/host/explorer/load';
import { EmbeddingStore } from '../../../src/emb/store';
import { validateToExplorer } from '../../../src/shared/explorerProtocol';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'emb');
const FILE = path.join(FIXTURES, 'gensim-small.emb');
const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'gensim-expected.json'), 'utf8')) as {
  most_similar: Record<string, [string, number][]>;
  analogy: { positive: [string, string]; negative: [string]; neighbors: [string, number][] }[];
};

/** The file's rows as this test reads them: token, then numbers. */
const lines = readFileSync(FILE, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
const rows = new Map(lines.map((l) => {
  const [token, ...values] = l.trim().split(/\s+/);
  return [token!, values.map(Number)] as const;
}));
const fileTokens = [...rows.keys()];

let enginePromise: Promise<ExplorerEngine> | undefined;
function engine(): Promise<ExplorerEngine> {
  enginePromise ??= loadForExplorer(FILE).then((loaded) => new ExplorerEngine(loaded, 'gensim-small.emb'));
  return enginePromise;
}

function valid(type: string, answer: object): void {
  const checked = validateToExplorer({ type, requestId: 1, ...answer });
  assert.ok(checked.ok, checked.ok ? '' : checked.reason);
}

test('neighbours by cosine are gensim most_similar: same tokens in the same order, scores within 1e-6', async () => {
  const e = await engine();
  for (const [word, reference] of Object.entries(expected.most_similar)) {
    const answer = e.neighbours(word, 'cosine', reference.length);
    valid('neighbours', answer);
    assert.deepEqual(answer.neighbours.map((n) => n.token), reference.map(([t]) => t), word);
    answer.neighbours.forEach((n, i) => assert.ok(Math.abs(n.cosine - reference[i]![1]) < 1e-6, `${word} → ${n.token}: ${n.cosine} vs ${reference[i]![1]}`));
    assert.equal(answer.origin, 'row');
  }
});

test('analogies are gensim most_similar(positive=[a, c], negative=[b])', async () => {
  const e = await engine();
  for (const { positive, negative, neighbors } of expected.analogy) {
    const answer = e.analogy(positive[0], negative[0], positive[1], neighbors.length);
    valid('analogy', answer);
    assert.deepEqual(answer.answers.map((a) => a.token), neighbors.map(([t]) => t));
    answer.answers.forEach((a, i) => assert.ok(Math.abs(a.score - neighbors[i]![1]) < 1e-6));
  }
});

test('dot and scaled dot neighbours rank by the float64 dot product of the file text', async () => {
  const e = await engine();
  const q = rows.get('w020')!;
  const byDot = fileTokens
    .filter((t) => t !== 'w020')
    .map((t) => ({ t, dot: rows.get(t)!.reduce((s, v, d) => s + v * q[d]!, 0) }))
    .sort((a, b) => b.dot - a.dot);
  for (const measure of ['dot', 'scaled'] as const) {
    const answer = e.neighbours('w020', measure, 5);
    assert.deepEqual(answer.neighbours.map((n) => n.token), byDot.slice(0, 5).map((x) => x.t), measure);
    answer.neighbours.forEach((n, i) => {
      assert.ok(Math.abs(n.dot - byDot[i]!.dot) < 1e-4);
      assert.ok(Math.abs(n.scaled - byDot[i]!.dot / 4) < 1e-4, 'd = 16: ÷√16 = ÷4');
    });
  }
});

test('rows: file order for an empty query, slices of the search for a query', async () => {
  const e = await engine();
  const first = e.rows('', 0, 5);
  valid('rows', first);
  assert.equal(first.total, fileTokens.length);
  assert.deepEqual(first.tokens, fileTokens.slice(0, 5));
  const tail = e.rows('', fileTokens.length - 2, 10);
  assert.deepEqual(tail.tokens, fileTokens.slice(-2), 'a range past the end is cut at the total');

  // "w01": no exact token, ten that start with it (file order), none that merely contain it.
  const search = e.rows('W01', 0, 3);
  valid('rows', search);
  const starting = fileTokens.filter((t) => t.startsWith('w01'));
  assert.equal(search.total, starting.length);
  assert.deepEqual(search.tokens, starting.slice(0, 3));
  assert.deepEqual(e.rows('W01', 3, 100).tokens, starting.slice(3));
  assert.equal(search.oov, undefined, 'no subwords in a text file');
  // "29": tokens containing it, w029 first (w0290… do not exist), then w129, w229, w290…
  const containing = fileTokens.filter((t) => t.includes('29'));
  assert.deepEqual(new Set(e.rows('29', 0, 100).tokens), new Set(containing));
});

test('a token: its row, its norm, its values', async () => {
  const e = await engine();
  const answer = e.token('W007');
  valid('token', answer);
  assert.equal(answer.token, 'w007', 'case-insensitive lookup finds the file spelling');
  assert.equal(answer.index, fileTokens.indexOf('w007'));
  const values = rows.get('w007')!;
  const got = new Float32Array(answer.vector);
  values.forEach((v, d) => assert.ok(Math.abs(got[d]! - v) < 1e-6));
  assert.ok(Math.abs(answer.norm - Math.sqrt(values.reduce((s, v) => s + v * v, 0))) < 1e-5);
});

test('compare: the three measures and the worked arithmetic, against float64 sums of the file text', async () => {
  const e = await engine();
  const answer = e.compare('w001', 'w002');
  valid('compare', answer);
  const a = rows.get('w001')!;
  const b = rows.get('w002')!;
  const dot = a.reduce((s, v, d) => s + v * b[d]!, 0);
  const cos = dot / Math.sqrt(a.reduce((s, v) => s + v * v, 0) * b.reduce((s, v) => s + v * v, 0));
  assert.ok(Math.abs(answer.dot - dot) < 1e-5);
  assert.ok(Math.abs(answer.scaled - dot / 4) < 1e-5);
  assert.ok(Math.abs(answer.cosine - cos) < 1e-6);
  assert.match(answer.worked.dot, /\(16 terms\) = /);
  assert.ok(answer.worked.dot.endsWith(`= ${Number(dot.toFixed(2))}`), answer.worked.dot);
  assert.ok(answer.worked.scaled.startsWith(`${Number(dot.toFixed(2))}/√16 = `), answer.worked.scaled);
});

test('unknown words are a clear error naming the word and the file', async () => {
  const e = await engine();
  assert.throws(() => e.neighbours('nosuchword', 'cosine', 5), (error: unknown) => error instanceof ExplorerQueryError && /"nosuchword" is not in gensim-small\.emb \(300 words\)/.test(error.message));
  assert.throws(() => e.analogy('w001', 'nosuchword', 'w002', 5), ExplorerQueryError);
});

test('PCA map: the first axis carries the largest variance, as a float64 power iteration finds it', async () => {
  const e = await engine();
  const answer = await e.map('pca', { kind: 'first', count: 120 });
  valid('map', answer);
  assert.deepEqual(answer.tokens, fileTokens.slice(0, 120));
  const points = new Float32Array(answer.points);
  const m = answer.tokens.length;
  const variance = (axis: number) => {
    let mean = 0;
    for (let i = 0; i < m; i++) mean += points[2 * i + axis]!;
    mean /= m;
    let sum = 0;
    for (let i = 0; i < m; i++) sum += (points[2 * i + axis]! - mean) ** 2;
    return sum / (m - 1);
  };
  // The covariance of the 120 rows and its top eigenvalue by power iteration, here in float64.
  const x = fileTokens.slice(0, 120).map((t) => rows.get(t)!);
  const d = x[0]!.length;
  const mean = Array.from({ length: d }, (_, j) => x.reduce((s, r) => s + r[j]!, 0) / m);
  const cov = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => x.reduce((s, r) => s + (r[i]! - mean[i]!) * (r[j]! - mean[j]!), 0) / (m - 1)));
  let v = Array.from({ length: d }, (_, i) => 1 + i / d);
  let lambda = 0;
  for (let step = 0; step < 2000; step++) {
    const w = cov.map((row) => row.reduce((s, c, j) => s + c * v[j]!, 0));
    lambda = Math.sqrt(w.reduce((s, c) => s + c * c, 0));
    v = w.map((c) => c / lambda);
  }
  assert.ok(Math.abs(variance(0) - lambda) / lambda < 1e-4, `PC1 variance ${variance(0)} vs λ₁ ${lambda}`);
  assert.ok(variance(1) <= variance(0) + 1e-9);
  assert.match(answer.xLabel, /^PC1 \(\d+\.\d%\)$/);
});

test('UMAP map: seeded, so the same tokens give the same map; a neighbourhood starts with its word', async () => {
  const e = await engine();
  const first = await e.map('umap', { kind: 'neighbourhood', word: 'w005', count: 40 });
  valid('map', first);
  assert.equal(first.tokens[0], 'w005');
  assert.deepEqual(first.tokens.slice(1, 11), expected.most_similar.w005!.map(([t]) => t), 'the neighbourhood is the nearest by cosine');
  const again = await e.map('umap', { kind: 'neighbourhood', word: 'w005', count: 40 });
  assert.deepEqual(new Float32Array(again.points), new Float32Array(first.points));
  assert.ok(new Float32Array(first.points).every(Number.isFinite));
  assert.equal(fileTokens.filter((t) => t.includes('w299')).length, 1);
  await assert.rejects(e.map('pca', { kind: 'search', query: 'w299', count: 50 }), /at least 3 tokens; matching "w299" gives 1/);
});

test('OOV words of a set with subwords: the vector comes from them, neighbours rank every row against it', async () => {
  const tokens = ['alpha', 'beta', 'gamma', 'delta'];
  const vectors = new Float32Array([1, 0, 0, 1, 1, 1, -1, 0]);
  const loaded: LoadedEmbeddings = {
    store: new EmbeddingStore({ name: 'toy', dim: 2, tokens, vectors }),
    format: 'fastText .bin',
    problems: 0,
    problemLines: [],
    // A stand-in for the n-gram table: any word starting with "al" is near alpha.
    subwordVector: (word) => (word.startsWith('al') ? new Float32Array([0.9, 0.1]) : undefined),
  };
  const e = new ExplorerEngine(loaded, 'toy.bin');
  const token = e.token('alphabet');
  valid('token', token);
  assert.equal(token.origin, 'subwords');
  assert.equal(token.index, -1);
  const near = e.neighbours('alphabet', 'cosine', 2);
  valid('neighbours', near);
  assert.deepEqual(near.neighbours.map((n) => n.token), ['alpha', 'gamma']);
  assert.equal(near.origin, 'subwords');
  const rowsAnswer = e.rows('alphabet', 0, 10);
  assert.equal(rowsAnswer.oov, 'alphabet', 'the list offers the OOV word');
  assert.equal(e.rows('alpha', 0, 10).oov, undefined, 'not for a word that has a row');
  assert.equal(e.summary(10, 1).subwords, true);
  assert.throws(() => e.token('zzz'), /has no character n-grams in it/);
});

test('binary files (gensim and word2vec.c word2vec, fastText .bin): neighbours and OOV neighbours are gensim\'s', async () => {
  const bin = path.join(FIXTURES, 'bin');
  const reference = JSON.parse(readFileSync(path.join(bin, 'expected.json'), 'utf8')) as Record<
    string,
    { count: number; dim: number; neighbours: Record<string, [string, number][]>; oovNeighbours?: Record<string, [string, number][]> }
  >;
  for (const [file, format] of [['gensim.bin', 'word2vec binary'], ['word2vec-c.bin', 'word2vec binary'], ['skipgram.bin', 'fastText .bin']] as const) {
    const e = new ExplorerEngine(await loadForExplorer(path.join(bin, file)), file);
    const expectedFile = reference[file]!;
    const summary = e.summary(0, 0);
    assert.deepEqual([summary.format, summary.count, summary.dim, summary.subwords], [format, expectedFile.count, expectedFile.dim, format === 'fastText .bin']);
    for (const [word, list] of Object.entries(expectedFile.neighbours)) {
      const answer = e.neighbours(word, 'cosine', list.length);
      assert.deepEqual(answer.neighbours.map((n) => n.token), list.map(([t]) => t), `${file}: ${word}`);
      answer.neighbours.forEach((n, i) => assert.ok(Math.abs(n.cosine - list[i]![1]) < 1e-5));
    }
    for (const [word, list] of Object.entries(expectedFile.oovNeighbours ?? {})) {
      const answer = e.neighbours(word, 'cosine', list.length);
      assert.equal(answer.origin, 'subwords', `${word} is not in the vocabulary`);
      answer.neighbours.forEach((n, i) => assert.ok(Math.abs(n.cosine - list[i]![1]) < 1e-5, `${file}: OOV ${word}: ${n.token}`));
      assert.equal(e.rows(word, 0, 5).oov, word, 'the list offers the OOV word');
    }
  }
});
