/**
 * A parsed set handed to another thread (src/emb/storeTransfer.ts, "Use as Active Set" from the
 * Explorer's worker): after a structured clone — what postMessage does — the set has the same
 * tokens, every float bit, norms, problems, neighbours and subword vectors; shared row blocks are
 * the same memory (no copy) and are scanned with the second scratch area, so the two threads'
 * scans never write the same bytes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { BINARY_WORKER_FILE, loadEmbFile } from '../../../src/emb/loadFile';
import { nearest } from '../../../src/emb/neighbors';
import { scanMemoryOf, sharedMemoryOf } from '../../../src/emb/rowMemory';
import { copyAllRows } from '../../../src/emb/store';
import { parsedFromMessage, parsedToMessage } from '../../../src/emb/storeTransfer';
import type { ParsedEmb } from '../../../src/emb/types';

const ROOT = path.join(__dirname, '..', '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'emb');
let dir = '';
let script = '';

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headlight-transfer-'));
  script = path.join(dir, BINARY_WORKER_FILE);
  buildSync({ entryPoints: [path.join(ROOT, 'src', 'emb', 'formats', 'binaryWorker.ts')], outfile: script, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function assertSameSet(a: ParsedEmb, b: ParsedEmb): void {
  assert.deepEqual(b.store.vocabulary.toArray(), a.store.vocabulary.toArray());
  const bits = (p: ParsedEmb) => Array.from(new Uint32Array(copyAllRows(p.store).buffer));
  assert.deepEqual(bits(b), bits(a));
  assert.deepEqual(Array.from(b.store.norms), Array.from(a.store.norms));
  assert.deepEqual(b.problems, a.problems);
  assert.equal(b.layout, a.layout);
  assert.deepEqual(Array.from(b.lineOfToken), Array.from(a.lineOfToken));
  for (const i of [0, 7, a.store.count - 1]) {
    const word = a.store.token(i);
    assert.equal(b.store.lookup(word.toUpperCase()), a.store.lookup(word.toUpperCase()));
    for (const measure of ['cosine', 'dot'] as const) {
      assert.deepEqual(nearest(b.store, b.store.vector(i), 10, measure, new Set([i])), nearest(a.store, a.store.vector(i), 10, measure, new Set([i])));
    }
  }
}

test('word2vec and fastText binaries read in the worker cross as the same shared memory, scanned with their own scratch', async () => {
  for (const name of ['gensim.bin', 'skipgram.bin']) {
    const original = await loadEmbFile(path.join(FIXTURES, 'bin', name), { binaryWorker: script });
    const crossed = parsedFromMessage(structuredClone(parsedToMessage(original)));
    assertSameSet(original, crossed);
    const [a, b] = [original.store.blocks[0]!, crossed.store.blocks[0]!];
    assert.ok(sharedMemoryOf(a) && sharedMemoryOf(b), `${name}: both sides' rows are in shared memory`);
    const mine = scanMemoryOf(a);
    const theirs = scanMemoryOf(b);
    if (mine && theirs) assert.ok(theirs.queryOffset >= mine.scoresOffset + mine.capacityRows * 4, `${name}: the adopted scratch starts after the loader's`);
    // The same bytes: a value written on one side shows on the other.
    const saved = a[0]!;
    a[0] = 12345;
    assert.equal(b[0], 12345);
    a[0] = saved;
    if (original.store.subwords) {
      for (const word of ['unseenword', 'xyzzy']) assert.deepEqual(crossed.store.vectorFor(word)?.vector, original.store.vectorFor(word)?.vector);
    }
  }
});

test('a text file (rows not in shared memory) crosses as a copy', async () => {
  const original = await loadEmbFile(path.join(FIXTURES, 'gensim-small.emb'));
  const crossed = parsedFromMessage(structuredClone(parsedToMessage(original)));
  assertSameSet(original, crossed);
});
