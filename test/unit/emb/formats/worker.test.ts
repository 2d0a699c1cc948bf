/**
 * Binary files read in a worker thread (formats/binaryWorker.ts, bundled by esbuild as it ships):
 * the rows come back in shared memory and the result equals reading on this thread — tokens,
 * every value, norms, problems, neighbours and fastText's subword vectors; an abort terminates it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { BINARY_WORKER_FILE, loadEmbFile } from '../../../../src/emb/loadFile';
import { nearest } from '../../../../src/emb/neighbors';
import { copyAllRows } from '../../../../src/emb/store';
import type { ParsedEmb } from '../../../../src/emb/types';

const ROOT = path.join(__dirname, '..', '..', '..', '..');
const BIN = path.join(ROOT, 'test', 'fixtures', 'emb', 'bin');
let dir = '';
let script = '';

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headlight-binworker-'));
  script = path.join(dir, BINARY_WORKER_FILE);
  buildSync({ entryPoints: [path.join(ROOT, 'src', 'emb', 'formats', 'binaryWorker.ts')], outfile: script, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

function assertSame(a: ParsedEmb, b: ParsedEmb): void {
  assert.deepEqual(a.store.vocabulary.toArray(), b.store.vocabulary.toArray());
  assert.deepEqual(Array.from(copyAllRows(a.store)), Array.from(copyAllRows(b.store)));
  assert.deepEqual(Array.from(a.store.norms), Array.from(b.store.norms));
  assert.deepEqual(a.problems, b.problems);
  assert.equal(a.format, b.format);
}

test('word2vec and fastText binaries read in the worker equal the in-thread reads, neighbours and subwords included', async () => {
  for (const name of ['gensim.bin', 'word2vec-c.bin', 'skipgram.bin']) {
    const file = path.join(BIN, name);
    const here = await loadEmbFile(file, { binaryWorker: false });
    const there = await loadEmbFile(file, { binaryWorker: script, blockSize: 4096 });
    assertSame(there, here);
    const q = there.store.vector(5);
    assert.deepEqual(nearest(there.store, q, 10, 'cosine'), nearest(here.store, q, 10, 'cosine'), `${name}: neighbours`);
    if (name === 'skipgram.bin') assert.deepEqual(Array.from(there.store.vectorFor('headlight')!.vector), Array.from(here.store.vectorFor('headlight')!.vector));
  }
});

test('the worker path: refused models keep their reason, damaged files their located problems, an abort rejects', async () => {
  const supervised = await loadEmbFile(path.join(BIN, 'supervised.bin'), { binaryWorker: script });
  assert.equal(supervised.store.count, 0);
  assert.equal(supervised.problems[0]!.code, 'unsupported-model');
  const cut = path.join(dir, 'cut.bin');
  const whole = fs.readFileSync(path.join(BIN, 'gensim.bin'));
  fs.writeFileSync(cut, whole.subarray(0, whole.length - 100));
  assertSame(await loadEmbFile(cut, { binaryWorker: script }), await loadEmbFile(cut, { binaryWorker: false }));
  const controller = new AbortController();
  const loading = loadEmbFile(path.join(BIN, 'skipgram.bin'), { binaryWorker: script, signal: controller.signal });
  controller.abort(new Error('stop'));
  await assert.rejects(loading, /stop/);
});
