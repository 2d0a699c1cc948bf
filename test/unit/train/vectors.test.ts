/**
 * The bundled word vectors (samples/words.bin, trained by scripts/train/vectors.py with Debian's
 * fastText CLI): a real fastText .bin that our reader loads, knowing every word of a plain
 * English sentence, with fastText's own neighbours.
 *
 * Reference: samples/words.json holds what `fasttext nn samples/words.bin` printed for the probe
 * words (fastText's C++ over the same file), not anything our code computed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadEmbFile } from '../../../src/emb/loadFile';
import { nearest } from '../../../src/emb/neighbors';
import type { ParsedEmb } from '../../../src/emb/types';

const ROOT = path.join(__dirname, '..', '..', '..');
const FILE = path.join(ROOT, 'samples', 'words.bin');
const SENTENCE = 'The cat sat on the mat because it was tired.';

interface Summary {
  readonly bytes: number;
  readonly words: number;
  readonly dim: number;
  readonly bucket: number;
  readonly neighbours: Readonly<Record<string, readonly (readonly [string, number])[]>>;
}
const summary = JSON.parse(fs.readFileSync(path.join(ROOT, 'samples', 'words.json'), 'utf8')) as Summary;

let loaded: Promise<ParsedEmb> | undefined;
const load = () => (loaded ??= loadEmbFile(FILE));

test('every word of "The cat sat on the mat because it was tired." has its own row (in the vocabulary, not built from n-grams)', async () => {
  const { store, format, problems } = await load();
  assert.equal(format, 'fasttext');
  assert.deepEqual(problems, []);
  assert.equal(store.count, summary.words);
  assert.equal(store.dim, summary.dim);
  const words = SENTENCE.match(/[A-Za-z]+/g)!;
  assert.equal(words.length, 10);
  for (const word of words) {
    assert.ok(store.lookup(word) >= 0, `${word} is in the vocabulary`);
    assert.equal(store.vectorFor(word)?.fromSubwords, false, `${word} has its own row`);
  }
  // A word outside the vocabulary still gets a vector, from its character n-grams.
  const unseen = store.vectorFor('catlikeness');
  assert.equal(store.lookup('catlikeness'), -1);
  assert.equal(unseen?.fromSubwords, true);
  assert.equal(fs.statSync(FILE).size, summary.bytes);
});

test("neighbours equal fastText's `nn` on the same file (same words; order up to near ties in fastText's printed scores)", async () => {
  const { store } = await load();
  const probes = Object.entries(summary.neighbours);
  assert.ok(probes.length >= 8);
  for (const [word, want] of probes) {
    const found = store.vectorFor(word);
    assert.ok(found, `${word} has a vector`);
    const exclude = store.lookup(word);
    const got = nearest(store, found.vector, want.length, 'cosine', exclude >= 0 ? new Set([exclude]) : undefined);
    const wantScore = new Map(want.map(([w, s]) => [w, s]));
    got.forEach((n, i) => {
      const reference = wantScore.get(n.token);
      assert.ok(reference !== undefined, `${word}: ${n.token} (rank ${i + 1}) is not in fastText's list ${JSON.stringify(want.map(([w]) => w))}`);
      // fastText prints about six significant digits and computes in float32.
      assert.ok(Math.abs(n.score - reference) < 1e-4, `${word}: ${n.token} scores ${n.score}, fastText ${reference}`);
      if (want[i]![0] !== n.token) assert.ok(Math.abs(want[i]![1] - reference) < 1e-4, `${word}: rank ${i + 1} is ${n.token}, fastText's is ${want[i]![0]}`);
    });
  }
});
