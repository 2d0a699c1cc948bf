/**
 * The model worker and its client (src/host/model/client.ts, worker.ts) on a real worker thread:
 * a load, a run whose focused head equals the torch reference, errors keeping their message, a
 * load cancelled mid-way (the worker is terminated and the request rejects as cancelled), and
 * the host thread's event loop staying free while the worker loads and computes
 * (monitorEventLoopDelay, printed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CancelledError, ModelClient } from '../../../src/host/model/client';
import { DEFAULT_VIEW_STATE } from '../../../src/host/model/engine';

const WORKER = path.join(__dirname, 'worker-bootstrap.js');
const MODELS = path.join(__dirname, '..', '..', 'fixtures', 'models');

test('a worker loads a model and runs text; the focused head equals the reference; the host loop stays free', async () => {
  const client = new ModelClient(WORKER, () => undefined);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  try {
    assert.equal(client.where, 'worker');
    const ref = JSON.parse(fs.readFileSync(path.join(MODELS, 'llama', 'reference.json'), 'utf8')) as { text: string; attentions: number[][][][] };
    // Only the worker's work is measured: the host thread posts, waits and receives.
    delay.enable();
    const loaded = await client.request({ op: 'load', dir: path.join(MODELS, 'llama'), name: 'llama' });
    const snapshot = await client.request({ op: 'run', text: ref.text, state: { ...DEFAULT_VIEW_STATE, layer: 1, head: 2 }, pass: 1 });
    delay.disable();
    assert.equal(loaded.info.type, 'llama');
    const w = new Float32Array(snapshot.focus.weights.data);
    const n = snapshot.focus.weights.rows;
    ref.attentions[1]![2]!.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(w[i * n + j]! - v) < 1e-4, `(${i}, ${j})`)));
    await assert.rejects(client.request({ op: 'load', dir: path.join(MODELS, 'nothing-here'), name: 'x' }), (e: Error) => /not a folder/.test(e.message) && e.name === 'ModelError');
  } finally {
    client.dispose();
  }
  // Printed, not asserted (timings vary with the machine's load).
  console.log(`host event loop while the worker loaded and ran: max delay ${(delay.max / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms`);
  assert.equal(client.hasWorker, false, 'dispose ends the worker');
});

test('a cancelled load terminates the worker and rejects as cancelled', async () => {
  const client = new ModelClient(WORKER, () => undefined);
  const abort = new AbortController();
  const loading = client.request({ op: 'load', dir: path.join(MODELS, 'gpt2'), name: 'gpt2' }, abort.signal);
  abort.abort();
  await assert.rejects(loading, CancelledError);
  assert.equal(client.hasWorker, false);
  client.dispose();
});

test('a worker announces a pass in parts before its answer; a pass superseded by a newer one rejects as cancelled and the newer one answers', async () => {
  const client = new ModelClient(WORKER, () => undefined);
  try {
    const ref = JSON.parse(fs.readFileSync(path.join(MODELS, 'gpt2', 'reference.json'), 'utf8')) as { text: string; attentions: number[][][][] };
    await client.request({ op: 'load', dir: path.join(MODELS, 'gpt2'), name: 'gpt2' });
    const parts: string[] = [];
    const snapshot = await client.request({ op: 'run', text: ref.text, state: DEFAULT_VIEW_STATE, pass: 1 }, undefined, (p) => parts.push(p.kind));
    assert.equal(parts[0], 'start');
    assert.ok(parts.length >= 2 && parts.slice(1).every((k) => k === 'layers'), `parts: ${parts.join(', ')}`);
    assert.equal(snapshot.thumbs.length, ref.attentions.length);
    // Sent in one turn behind a load that keeps the worker busy for milliseconds: the first pass
    // starts after the second was sent, so it stops at its first check and only the second's
    // parts arrive.
    const reload = client.request({ op: 'load', dir: path.join(MODELS, 'gpt2'), name: 'gpt2' });
    const firstParts: string[] = [];
    const secondParts: string[] = [];
    const first = client.request({ op: 'run', text: 'the dog', state: DEFAULT_VIEW_STATE, pass: 2 }, undefined, (p) => firstParts.push(p.kind));
    const second = client.request({ op: 'run', text: ref.text, state: DEFAULT_VIEW_STATE, pass: 3 }, undefined, (p) => secondParts.push(p.kind));
    await reload;
    await assert.rejects(first, CancelledError);
    const answer = await second;
    assert.deepEqual(firstParts, [], 'the superseded pass announced nothing');
    assert.equal(secondParts[0], 'start');
    assert.equal(answer.text, ref.text);
    const w = new Float32Array(answer.focus.weights.data);
    const n = answer.focus.weights.rows;
    ref.attentions[0]![0]!.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(w[i * n + j]! - v) < 1e-4, `(${i}, ${j})`)));
  } finally {
    client.dispose();
  }
});
