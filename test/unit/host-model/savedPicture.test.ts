/**
 * The panel's model picture as kept across a window reload (src/host/model/savedPicture.ts): a
 * stored value read back field by field, a damaged or older one refused with the field named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSavedPicture } from '../../../src/host/model/savedPicture';

const GOOD = {
  dir: '/work/models/gpt2',
  name: 'gpt2',
  text: 'The cat sat on the mat',
  layer: 1,
  head: 2,
  query: 3,
  rolloutUpTo: 1,
  options: { hideSpecial: true, renormalize: false, aggregate: 'words' },
  origin: { uri: 'file:///work/notes.txt', start: 12, length: 22 },
};

test('a saved picture reads back as it was stored (JSON round trip, as workspaceState keeps it)', () => {
  const read = readSavedPicture(JSON.parse(JSON.stringify(GOOD)));
  assert.deepEqual(read, { picture: GOOD });
  // query and rolloutUpTo may be absent (the engine's defaults then).
  const { query: _q, rolloutUpTo: _r, ...bare } = GOOD;
  const plain = readSavedPicture(JSON.parse(JSON.stringify(bare)));
  assert.ok(plain && 'picture' in plain);
  assert.equal(plain.picture.query, undefined);
  assert.equal(plain.picture.rolloutUpTo, undefined);
  // A picture saved before the origin was kept restores without linking.
  const { origin: _o, ...older } = GOOD;
  const old = readSavedPicture(JSON.parse(JSON.stringify(older)));
  assert.ok(old && 'picture' in old);
  assert.equal(old.picture.origin, undefined);
});

test('nothing stored is nothing to restore; a damaged value names its first wrong field', () => {
  assert.equal(readSavedPicture(undefined), undefined);
  const cases: [string, unknown, RegExp][] = [
    ['null', null, /not an object/],
    ['an array', [GOOD], /not an object/],
    ['no folder', { ...GOOD, dir: undefined }, /^dir: expected a non-empty string/],
    ['empty text', { ...GOOD, text: '' }, /^text: expected a non-empty string/],
    ['a fractional layer', { ...GOOD, layer: 1.5 }, /^layer: expected an index/],
    ['a negative head', { ...GOOD, head: -1 }, /^head: expected an index/],
    ['a query as text', { ...GOOD, query: '3' }, /^query: expected an index .* or nothing/],
    ['no options', { ...GOOD, options: undefined }, /^options: expected an object/],
    ['options of an older version', { ...GOOD, options: { hideSpecial: 'yes', renormalize: true, aggregate: 'tokens' } }, /options\.hideSpecial/],
    ['an unknown aggregate', { ...GOOD, options: { ...GOOD.options, aggregate: 'sentences' } }, /^options\.aggregate/],
    ['an origin without its document', { ...GOOD, origin: { start: 0, length: 3 } }, /^origin: expected/],
    ['an origin at a negative offset', { ...GOOD, origin: { ...GOOD.origin, start: -4 } }, /^origin: expected/],
  ];
  for (const [what, value, reason] of cases) {
    const read = readSavedPicture(value);
    assert.ok(read && 'reason' in read, `${what}: refused`);
    assert.match(read.reason, reason, what);
  }
});
