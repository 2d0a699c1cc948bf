import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayToken, formatScore, formatValue, markdownText, markdownToken, ordinal, plainLabel } from '../../../src/host/emb/display';

/**
 * What a CommonMark renderer would treat as markup in `text`: any ASCII punctuation character that
 * is not preceded by an escaping backslash. After `markdownText` there must be none.
 */
function unescapedPunctuation(text: string): string[] {
  const found: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '\\') {
      i++; // the escaped character
      continue;
    }
    if (/[!-/:-@[-`{-~]/.test(c)) found.push(c);
  }
  return found;
}

const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '</script><script>alert(1)</script>',
  '[x](command:workbench.action.quit)',
  '![x](https://example.com/a.png)',
  '<https://example.com>',
  'www.example.com',
  '`code` and ``double``',
  'a|b|c',
  '**bold** _em_ ~~strike~~',
  '# heading',
  '&lt;entity&gt; &#60;',
  '\\[escaped\\]',
  '$(alert) $(zap~spin)',
];

test('markdownText leaves no unescaped markdown punctuation in hostile tokens', () => {
  for (const token of HOSTILE) {
    const escaped = markdownText(token);
    assert.deepEqual(unescapedPunctuation(escaped), [], `${token} → ${escaped}`);
    // Removing the escapes gives the text back: nothing was lost, only neutralised.
    assert.equal(escaped.replace(/\\(.)/g, '$1'), token);
  }
});

test('markdownToken of an HTML payload contains no raw angle bracket, link or command URI syntax', () => {
  const md = markdownToken('<img src=x onerror=alert(1)>');
  assert.doesNotMatch(md, /(^|[^\\])</);
  const link = markdownToken('[x](command:workbench.action.quit)');
  assert.doesNotMatch(link, /(^|[^\\])[[\]()]/);
  assert.match(link, /command\\:workbench\\\.action\\\.quit/);
});

test('pipes and backticks are escaped so a token cannot break out of a table cell or open code', () => {
  const cell = markdownToken('a|b`c`');
  assert.equal(cell, 'a\\|b\\`c\\`');
});

test('right-to-left overrides and other invisible controls become visible code points', () => {
  const token = 'abc\u202Egpj.exe';
  const shown = displayToken(token);
  assert.ok(!shown.includes('\u202E'));
  assert.ok(shown.includes('⟨U+202E⟩'));
  for (const control of ['\u2066', '\u2067', '\u2068', '\u2069', '\u200F', '\u061C', '\u0000', '\u0007', '\u009B', '\u2028']) {
    const visible = displayToken(`x${control}y`);
    assert.ok(!visible.includes(control), `U+${control.codePointAt(0)?.toString(16)} still present`);
    assert.match(visible, /⟨U\+[0-9A-F]{4}⟩/);
  }
  // Ordinary non-ASCII text is left alone (including joiners used by emoji and Persian).
  assert.equal(displayToken('naïve 東京 👩\u200D💻 می\u200Cخواهم'), 'naïve 東京 👩\u200D💻 می\u200Cخواهم');
});

test('a 10,000-character token is cut visibly, with its full length stated', () => {
  const token = 'x'.repeat(10_000);
  const shown = displayToken(token, 64);
  assert.ok(shown.length < 100, `shown ${shown.length} characters`);
  assert.ok(shown.startsWith('x'.repeat(64)));
  assert.ok(shown.includes('…'));
  assert.ok(shown.includes('10,000 characters'));
  assert.ok(markdownToken(token).length < 200);
});

test('truncation counts code points and never splits a surrogate pair', () => {
  const shown = displayToken('😀'.repeat(10), 3);
  assert.ok(shown.startsWith('😀😀😀…'));
  assert.doesNotMatch(shown, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
});

test('a short token is shown exactly as written', () => {
  assert.equal(displayToken('apple'), 'apple');
  assert.equal(markdownToken('apple'), 'apple');
});

test('plainLabel breaks the $(icon) syntax of quick pick labels and the status bar', () => {
  const label = plainLabel('$(alert) boom');
  assert.ok(!label.includes('$('));
  assert.equal(label.replace(/\u200b/g, ''), '$(alert) boom');
});

test('formatScore never prints NaN, and zero has no sign', () => {
  assert.equal(formatScore(Number.NaN), 'n/a');
  assert.equal(formatScore(Number.POSITIVE_INFINITY), '∞');
  assert.equal(formatScore(-0.00001), '0.0000');
  assert.equal(formatScore(8.485281374), '8.4853');
  assert.equal(formatScore(2.5e7), '2.500e+7');
});

test('formatValue shows a float32 value as the file wrote it', () => {
  assert.equal(formatValue(Math.fround(0.418)), '0.418');
  assert.equal(formatValue(Math.fround(-1.5)), '-1.5');
  assert.equal(formatValue(3), '3');
  assert.equal(formatValue(0), '0');
});

test('ordinal suffixes', () => {
  assert.deepEqual([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111, 400000].map(ordinal), [
    '1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '23rd', '101st', '111th', '400,000th',
  ]);
});
