import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { randomMultiHeadWeights, runAttention, type Matrix } from '../../../src/core';
import { AttentionComputer, attentionWork, CancelledError, IN_PROCESS_WORK_LIMIT } from '../../../src/host/attention/compute';

const WORKER = path.join(__dirname, 'worker-bootstrap.js');

function input(n: number, d: number): Matrix {
  return { rows: n, cols: d, data: new Float32Array(n * d).map((_, i) => Math.sin(i * 0.7) + (i % 3)) };
}

test('the worker computes exactly what the core computes in-process', async () => {
  const computer = new AttentionComputer(WORKER, () => undefined, 0);
  try {
    const x = input(6, 8);
    const weights = randomMultiHeadWeights(8, 2, 3);
    const opts = { measure: 'scaled' as const, causal: true, temperature: 0.7 };
    const result = await computer.compute(x, weights, opts);
    assert.equal(result.where, 'worker');
    const reference = runAttention(x, { kind: 'weights', weights }, opts);
    assert.equal(result.report.heads.length, 2);
    result.report.heads.forEach((head, h) => assert.deepEqual([...head.weights.data], [...reference.heads[h]!.weights.data]));
    assert.deepEqual([...result.report.output.data], [...reference.output.data]);
    // Lesson mode (no weights) through the same worker.
    const lesson = await computer.compute(x, undefined, { measure: 'cosine' });
    assert.equal(lesson.report.heads.length, 1);
  } finally {
    computer.dispose();
  }
  assert.equal(computer.hasWorker, false, 'dispose leaves no worker thread behind');
});

test('a second request cancels the first: it rejects with CancelledError, the second completes', async () => {
  const computer = new AttentionComputer(WORKER, () => undefined);
  try {
    const big = input(384, 96);
    const weights = randomMultiHeadWeights(96, 12, 1);
    const first = computer.compute(big, weights, { measure: 'scaled' });
    const second = computer.compute(input(4, 8), undefined, { measure: 'cosine' });
    await assert.rejects(first, CancelledError);
    const done = await second;
    assert.equal(done.report.heads[0]!.weights.rows, 4);
  } finally {
    computer.dispose();
  }
});

test('an abort signal stops the computation and ends its worker', async () => {
  const computer = new AttentionComputer(WORKER, () => undefined);
  const abort = new AbortController();
  const pending = computer.compute(input(384, 96), randomMultiHeadWeights(96, 12, 2), { measure: 'scaled' }, abort.signal);
  assert.equal(computer.hasWorker, true);
  abort.abort();
  await assert.rejects(pending, CancelledError);
  assert.equal(computer.hasWorker, false);
  computer.dispose();
});

test('a shape error comes back as the core’s error, not a crash, from the worker and in-process alike', async () => {
  for (const limit of [0, IN_PROCESS_WORK_LIMIT]) {
    const computer = new AttentionComputer(WORKER, () => undefined, limit);
    try {
      await assert.rejects(computer.compute(input(3, 6), randomMultiHeadWeights(8, 2, 1), {}), (error: Error) => error.name === 'ShapeError' && /8/.test(error.message) && /6/.test(error.message));
    } finally {
      computer.dispose();
    }
  }
});

test('a small problem is computed at once on the calling thread: no worker thread is started', async () => {
  const computer = new AttentionComputer(WORKER, () => undefined);
  try {
    const x = input(12, 96);
    const weights = randomMultiHeadWeights(96, 12, 5);
    assert.ok(attentionWork(12, 96, true) < IN_PROCESS_WORK_LIMIT, '12 tokens × 12 heads at d = 96 counts as small');
    const result = await computer.compute(x, weights, { measure: 'scaled' });
    assert.equal(result.where, 'in-process');
    assert.equal(computer.hasWorker, false);
    const reference = runAttention(x, { kind: 'weights', weights }, { measure: 'scaled' });
    result.report.heads.forEach((head, h) => assert.deepEqual([...head.weights.data], [...reference.heads[h]!.weights.data]));
    // A big one still goes to the (cancellable) worker.
    assert.ok(attentionWork(384, 96, true) >= IN_PROCESS_WORK_LIMIT);
    const big = await computer.compute(input(384, 96), randomMultiHeadWeights(96, 12, 1), { measure: 'scaled' });
    assert.equal(big.where, 'worker');
    assert.equal(computer.hasWorker, true);
  } finally {
    computer.dispose();
  }
  assert.equal(computer.hasWorker, false);
});

test('a small problem after a big one cancels the big one and is answered first', async () => {
  const computer = new AttentionComputer(WORKER, () => undefined);
  try {
    const big = computer.compute(input(384, 96), randomMultiHeadWeights(96, 12, 1), { measure: 'scaled' });
    const small = await computer.compute(input(4, 8), undefined, { measure: 'cosine' });
    assert.equal(small.where, 'in-process');
    await assert.rejects(big, CancelledError);
    assert.equal(computer.hasWorker, false, 'the cancelled worker was ended');
  } finally {
    computer.dispose();
  }
});

test('without a worker bundle the computation runs in-process', async () => {
  const logged: string[] = [];
  const computer = new AttentionComputer(path.join(__dirname, 'no-such-worker.js'), (m) => logged.push(m), 0);
  const result = await computer.compute(input(4, 6), undefined, { measure: 'dot' });
  assert.equal(result.where, 'in-process');
  assert.equal(computer.hasWorker, false);
  computer.dispose();
  await assert.rejects(computer.compute(input(4, 6), undefined, {}), CancelledError, 'nothing runs after dispose');
});
