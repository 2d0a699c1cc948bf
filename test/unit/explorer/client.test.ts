/**
 * The Explorer's client over a real worker thread (the worker from its TypeScript source): the
 * file is indexed there, progress arrives, answers (with their transferred buffers) equal the
 * in-process engine's, a refusal stays a refusal (ExplorerQueryError) and the worker keeps
 * answering, and dispose ends the thread.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ExplorerClient } from '../../../src/host/explorer/client';
import { ExplorerQueryError } from '../../../src/host/explorer/engine';

const FILE = path.join(__dirname, '..', '..', 'fixtures', 'emb', 'gensim-small.emb');
const WORKER = path.join(__dirname, 'worker-bootstrap.js');

test('worker and in-process clients give the same answers', async () => {
  const inWorker = new ExplorerClient(WORKER, () => {});
  const inProcess = new ExplorerClient(undefined, () => {});
  try {
    const fractions: number[] = [];
    const summary = await inWorker.load(FILE, 'gensim-small.emb', (f) => fractions.push(f));
    assert.equal(inWorker.where, 'worker');
    assert.equal(summary.count, 300);
    assert.equal(fractions.at(-1), 1, 'progress ends at 1');
    await inProcess.load(FILE, 'gensim-small.emb', () => {});
    assert.equal(inProcess.where, 'in-process');

    const queries = [
      { kind: 'rows', query: 'w1', start: 3, count: 7 },
      { kind: 'neighbours', word: 'w042', measure: 'scaled', k: 8 },
      { kind: 'analogy', a: 'w101', b: 'w023', c: 'w295', k: 5 },
      { kind: 'compare', a: 'w001', b: 'w002' },
    ] as const;
    for (const query of queries) {
      const a = (await inWorker.ask(query)) as unknown as Record<string, unknown>;
      const b = (await inProcess.ask(query)) as unknown as Record<string, unknown>;
      delete a.ms;
      delete b.ms;
      assert.deepEqual(a, b, query.kind);
    }
    const token = await inWorker.ask({ kind: 'token', word: 'w007' });
    assert.ok(token.vector instanceof ArrayBuffer);
    assert.equal(token.vector.byteLength, 16 * 4);
    const map = await inWorker.ask({ kind: 'map', method: 'pca', source: { kind: 'first', count: 50 } });
    assert.equal(map.points.byteLength, 50 * 8);

    await assert.rejects(inWorker.ask({ kind: 'token', word: 'nosuchword' }), (error: unknown) => error instanceof ExplorerQueryError && /nosuchword/.test(error.message));
    assert.equal((await inWorker.ask({ kind: 'token', word: 'w008' })).index, 8, 'still answering after a refusal');
  } finally {
    inWorker.dispose();
    inProcess.dispose();
  }
  assert.equal(inWorker.where, 'none');
  await assert.rejects(inWorker.ask({ kind: 'token', word: 'w001' }), /closed/);
});

test('a file that cannot be read is a rejection naming it', async () => {
  const client = new ExplorerClient(WORKER, () => {});
  try {
    await assert.rejects(client.load(path.join(__dirname, 'no-such-file.emb'), 'no-such-file.emb', () => {}), /no-such-file\.emb/);
  } finally {
    client.dispose();
  }
});
