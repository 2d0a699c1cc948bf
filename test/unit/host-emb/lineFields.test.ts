import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entryPartAt, splitFields } from '../../../src/host/emb/lineFields';

test('splitFields finds fields separated by spaces and tabs, with UTF-16 columns', () => {
  assert.deepEqual(splitFields('apple\t2  2 0'), [
    { start: 0, end: 5 },
    { start: 6, end: 7 },
    { start: 9, end: 10 },
    { start: 11, end: 12 },
  ]);
  assert.deepEqual(splitFields('   '), []);
  assert.deepEqual(splitFields(''), []);
  assert.deepEqual(splitFields('😀 1'), [
    { start: 0, end: 2 },
    { start: 3, end: 4 },
  ]);
});

test('entryPartAt: the token, then each value with its dimension', () => {
  const line = 'apple 2 2 0';
  assert.deepEqual(entryPartAt(line, 2, 3), { kind: 'token', span: { start: 0, end: 5 }, spaced: false });
  assert.deepEqual(entryPartAt(line, 6, 3), { kind: 'value', span: { start: 6, end: 7 }, dim: 0 });
  assert.deepEqual(entryPartAt(line, 8, 3), { kind: 'value', span: { start: 8, end: 9 }, dim: 1 });
  assert.deepEqual(entryPartAt(line, 11, 3), { kind: 'value', span: { start: 10, end: 11 }, dim: 2 });
});

test('entryPartAt: a line with more than 1 + d fields is a token with spaces', () => {
  const line = 'new york city 0.1 0.2';
  const part = entryPartAt(line, 5, 2);
  assert.deepEqual(part, { kind: 'token', span: { start: 0, end: 13 }, spaced: true });
  assert.deepEqual(entryPartAt(line, 14, 2), { kind: 'value', span: { start: 14, end: 17 }, dim: 0 });
});

test('entryPartAt: a numeric token is still the token', () => {
  assert.equal(entryPartAt('1990 0.5 0.25', 1, 2)?.kind, 'token');
});

test('entryPartAt: a line with too few values keeps its token first', () => {
  assert.deepEqual(entryPartAt('apple 2', 0, 3), { kind: 'token', span: { start: 0, end: 5 }, spaced: false });
  assert.deepEqual(entryPartAt('apple 2', 6, 3), { kind: 'value', span: { start: 6, end: 7 }, dim: 0 });
});

test('entryPartAt: nothing on a lone word', () => {
  assert.equal(entryPartAt('apple', 1, 3), undefined);
});
