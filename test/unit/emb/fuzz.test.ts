import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CASE_TIME_LIMIT_MS, runEmbFuzz } from '../../fuzz/emb.fuzz';

test('emb parser fuzz, seed-fixed 300-case subset: no exception, every problem located, no slow case', () => {
  const report = runEmbFuzz(300, 20261125);
  const total = Object.values(report.cases).reduce((s, n) => s + n, 0);
  assert.ok(total >= 300, `${total} cases ran`);
  assert.ok(report.slowestMs < CASE_TIME_LIMIT_MS);
  // The subset must reach the interesting paths, or it proves little.
  for (const code of ['value-count', 'not-a-number', 'non-finite', 'duplicate-token', 'empty-file']) {
    assert.ok((report.problems[code] ?? 0) > 0, `the subset produced ${code} problems`);
  }
  assert.ok(report.cleanFiles > 0 && report.filesWithProblems > 0);
});
