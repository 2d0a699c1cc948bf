/**
 * Every architecture's fixture (test/fixtures/models, torch references of
 * scripts/fixtures/make_model_fixtures.py) through the parallel engine: weights read into the
 * shared WeightArena (F32, F16 and BF16 checkpoints, GPT-2's Conv1D untransposed), every product
 * and every layer's heads split between this thread and a helper (minParallelWork 0, so even these
 * tiny models split). The same tolerances as the one-thread forward's fixture test: 1e-4 for F32,
 * 1e-3 for 16-bit (weights), ten times that for scores and logits.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { forward } from '../../../src/core/models';
import { loadModel } from '../../../src/model';
import { ParallelEngine } from '../../../src/model/parallel';

const ROOT = path.join(__dirname, '..', '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'models');
const NAMES = ['gpt2', 'bert', 'distilbert', 'roberta', 'llama', 'mistral', 'qwen2', 'gpt2-layer-scaled', 'qwen2-sliding'];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headlight-engine-'));
const WORKER = { script: path.join(dir, 'gemmWorker.js') };

interface Reference {
  readonly ids: number[];
  readonly attentions: number[][][][];
  readonly scores: (number | null)[][][][];
  readonly logitsLast?: number[];
  readonly maskPositions?: number[];
  readonly maskLogits?: number[][];
}

let engine: ParallelEngine;
let restore: () => void;

before(async () => {
  buildSync({ entryPoints: [path.join(ROOT, 'src', 'model', 'parallel', 'gemmWorker.ts')], outfile: WORKER.script, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
  engine = await ParallelEngine.start({ threads: 2, worker: WORKER, minParallelWork: 0 });
  restore = engine.install();
});

after(async () => {
  restore();
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function worst(ours: Float32Array, theirs: readonly (number | null)[], what: string): number {
  assert.equal(ours.length, theirs.length, `${what}: size`);
  let diff = 0;
  theirs.forEach((expected, i) => {
    if (expected === null) assert.equal(ours[i], Number.NEGATIVE_INFINITY, `${what}[${i}] masked`);
    else diff = Math.max(diff, Math.abs(ours[i]! - expected));
  });
  return diff;
}

for (const name of NAMES) {
  test(`${name}: on two threads over the shared arena, every head and the logits equal the torch reference`, () => {
    const ref = JSON.parse(fs.readFileSync(path.join(FIXTURES, name, 'reference.json'), 'utf8')) as Reference;
    const before = engine.pool.chunksRun();
    const loaded = loadModel(path.join(FIXTURES, name), { tokenizer: false, allocator: engine.allocator });
    const tolerance = loaded.summary.dtype === 'F32' ? 1e-4 : 1e-3;
    const maskTokenId = ref.maskPositions?.length ? ref.ids[ref.maskPositions[0]!] : undefined;
    const result = forward(loaded.model, ref.ids, { maskTokenId });
    let weights = 0, scores = 0, logits = 0;
    ref.attentions.forEach((layer, l) => layer.forEach((head, h) => {
      const ours = result.layers[l]!.heads[h]!;
      weights = Math.max(weights, worst(ours.weights!.data, head.flat(), `${name} L${l} H${h} weights`));
      scores = Math.max(scores, worst(ours.scores!.data, ref.scores[l]![h]!.flat(), `${name} L${l} H${h} scores`));
    }));
    if (ref.logitsLast) logits = worst(result.logitsLast!, ref.logitsLast, `${name} logits`);
    ref.maskLogits?.forEach((expected, m) => (logits = Math.max(logits, worst(result.masks![m]!.logits, expected, `${name} mask logits`))));
    assert.ok(weights <= tolerance, `${name}: weights differ by ${weights}`);
    assert.ok(scores <= 10 * tolerance, `${name}: scores differ by ${scores}`);
    assert.ok(logits <= 10 * tolerance, `${name}: logits differ by ${logits}`);
    const after = engine.pool.chunksRun();
    assert.ok(after.reduce((a, b) => a + b, 0) > before.reduce((a, b) => a + b, 0), `${name}: the pool ran the products`);
  });
}
