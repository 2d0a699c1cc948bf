/**
 * A bounded, seed-fixed slice of the safetensors fuzzer (test/fuzz/safetensors.fuzz.ts runs
 * 100,000 cases): valid files read back, and on mutated or random bytes nothing but a located
 * SafetensorsError escapes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzSafetensors, mutate } from '../../fuzz/safetensors.fuzz';
import { readSafetensors, SafetensorsError } from '../../../src/core';
import { f32Bytes, writeSafetensors } from './helpers';

test('safetensors fuzz: 300 seed-fixed cases, no escape, every error located, no case over 1 s', () => {
  const report = fuzzSafetensors(300, 20261125);
  const total = Object.values(report.cases).reduce((a, b) => a + b, 0);
  assert.equal(total, 300);
  const refused = Object.values(report.refused).reduce((a, b) => a + b, 0);
  assert.ok(report.accepted > 0, 'some files were valid');
  assert.ok(refused > 0, 'some files were refused');
  assert.ok(report.slowestMs < 1000);
});

test('the fuzzer can fail: a mutation the reader refuses is seen as refused, not accepted', () => {
  const valid = writeSafetensors([{ name: 'w', dtype: 'F32', shape: [2], bytes: f32Bytes([1, 2]) }]);
  const truncated = mutate(valid, { kind: 'truncate', at: valid.length - 1 });
  assert.throws(() => readSafetensors(truncated), SafetensorsError);
  const shifted = mutate(valid, { kind: 'shift', which: 0, delta: 4 });
  assert.throws(() => readSafetensors(shifted), /run past the end/);
});
