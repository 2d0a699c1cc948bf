import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TOKEN_WIDTH, displayToken, visibleControls } from '../../../src/shared/displayToken';
import * as hostDisplay from '../../../src/host/emb/display';

/** Every character that reorders text or is invisible, by the Unicode categories we guard. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const LIVE_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

test('an ordinary word, non-ASCII text and emoji come back unchanged', () => {
  for (const word of ['orange', 'apple', 'naïve', '東京', '👩\u200D💻', 'می\u200Cخواهم', '<img src=x>', '[x](command:y)', '']) {
    assert.equal(displayToken(word), word);
    assert.equal(visibleControls(word), word);
  }
});

test('a right-to-left override cannot make a token pose as another', () => {
  const token = 'rtl\u202etxt.exe\u202c';
  const shown = displayToken(token);
  assert.doesNotMatch(shown, LIVE_CONTROLS);
  assert.equal(shown, 'rtl⟨U+202E⟩txt.exe⟨U+202C⟩');
  // Reading left to right, the letters appear in their stored order.
  assert.equal(shown.replace(/⟨U\+[0-9A-F]{4}⟩/g, ''), 'rtltxt.exe');
});

test('every bidi, C0 and C1 control becomes a visible ⟨U+XXXX⟩ label', () => {
  const controls = [0x00, 0x09, 0x0a, 0x1b, 0x7f, 0x85, 0x9b, 0x061c, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069];
  for (const codePoint of controls) {
    const label = `⟨U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}⟩`;
    const token = `a${String.fromCodePoint(codePoint)}b`;
    assert.equal(displayToken(token), `a${label}b`);
    assert.equal(visibleControls(token), `a${label}b`);
  }
});

test('a long token is cut at the width, with its full length stated; a control counts as one', () => {
  const long = 'L' + 'o'.repeat(9_998) + 'g';
  const shown = displayToken(long);
  assert.equal(shown, `L${'o'.repeat(DEFAULT_TOKEN_WIDTH - 1)}… ⟨10,000 characters⟩`);
  assert.equal(displayToken('abcdef', 3), 'abc… ⟨6 characters⟩');
  assert.equal(displayToken('abc', 3), 'abc', 'a token exactly as wide as the width is not cut');
  // Code points, not UTF-16 units: an emoji is never split in half.
  assert.equal(displayToken('😀😀😀😀', 2), '😀😀… ⟨4 characters⟩');
  assert.equal(displayToken('\u202e'.repeat(5), 2), '⟨U+202E⟩⟨U+202E⟩… ⟨5 characters⟩');
  // visibleControls never cuts.
  assert.equal(visibleControls(long), long);
});

test('the hover module re-uses the shared function', () => {
  assert.equal(hostDisplay.displayToken, displayToken);
  assert.equal(hostDisplay.DEFAULT_TOKEN_WIDTH, DEFAULT_TOKEN_WIDTH);
});
