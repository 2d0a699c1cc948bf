import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CASE_TIME_LIMIT_MS, runEmbBinaryFuzz } from '../../../fuzz/embBinary.fuzz';

test('binary readers fuzz, seed-fixed 400-case subset: no exception, every problem at a byte offset, blocks equal whole reads', async () => {
  const report = await runEmbBinaryFuzz(400, 20261201);
  const total = Object.values(report.cases).reduce((s, n) => s + n, 0);
  assert.ok(total >= 400, `${total} cases ran`);
  assert.ok(report.slowestMs < CASE_TIME_LIMIT_MS);
  // The subset must reach the interesting paths, or it proves little.
  for (const code of ['truncated', 'binary-header', 'non-finite', 'invalid-utf8', 'empty-token', 'unsupported-model']) {
    assert.ok((report.problems[code] ?? 0) > 0, `the subset produced ${code} problems`);
  }
  assert.ok(report.loadedRows > 100, 'and loaded rows');
});
