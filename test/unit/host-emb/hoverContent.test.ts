import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEmb } from '../../../src/emb/formats/text/parse';
import { tokenHoverMarkdown, valueHoverMarkdown } from '../../../src/host/emb/hoverContent';
import { compareWords, nearestWords, UnknownWordError, wordAnalogy } from '../../../src/host/emb/wordQueries';
import { compareMarkdown } from '../../../src/host/emb/resultsMarkdown';

// The deck's "Measure 3: Scaled dot product" vectors: 1·0 + 4·3 = 12 → 12/√2 = 8.49,
// 1·3 + 4·0 = 3 → 3/√2 = 2.12, 0·3 + 3·0 = 0.
const DECK = ['# dims: Tech Fruitness', 'a 1 4', 'b 0 3', 'c 3 0', ''].join('\n');

/** The three measures worked out by hand, independently of src/core. */
function byHand(x: number[], y: number[]): { dot: number; cosine: number; scaled: number } {
  const dot = x.reduce((s, v, i) => s + v * (y[i] ?? 0), 0);
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, w) => s + w * w, 0));
  return { dot, cosine: dot / (norm(x) * norm(y)), scaled: dot / Math.sqrt(x.length) };
}

function rowsOf(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| :--') && !l.startsWith('| --:'))
    .map((l) => l.slice(2, -2).split(' | '));
}

test('compareWords gives the deck worked arithmetic and the three measures', () => {
  const { store } = parseEmb(DECK, { name: 'deck' });
  const result = compareWords(store, 'deck', 'a', 'b');
  assert.equal(result.worked.dot, '1·0 + 4·3 = 12');
  assert.equal(result.worked.scaled, '12/√2 = 8.49');
  const expected = byHand([1, 4], [0, 3]);
  assert.equal(result.dot, expected.dot);
  assert.ok(Math.abs(result.scaled - expected.scaled) < 1e-6);
  assert.ok(Math.abs(result.cosine - expected.cosine) < 1e-6);
  assert.deepEqual(result.dims.map((d) => d.name), ['Tech', 'Fruitness']);
  const md = compareMarkdown(result, store.count);
  // The deck's chain, escaped for markdown: "1·0 \+ 4·3 \= 12 → 12/√2 \= 8\.49".
  assert.equal(md.replace(/\\(.)/g, '$1').includes('1·0 + 4·3 = 12 → 12/√2 = 8.49'), true);
});

test('token hover: nearest by cosine, with cosine, dot and scaled dot columns worked out by hand', () => {
  const { store } = parseEmb(DECK, { name: 'deck' });
  const md = tokenHoverMarkdown({ store, index: store.indexOf('a'), spaced: false, k: 2, measure: 'cosine', selected: [] });
  const header = md.split('\n').find((l) => l.startsWith('| nearest'));
  assert.ok(header !== undefined && header.includes('cosine') && header.includes('dot') && header.includes('scaled'));
  const rows = rowsOf(md).filter((r) => r[0] !== 'nearest');
  assert.deepEqual(rows.map((r) => r[0]), ['b', 'c']);
  const ab = byHand([1, 4], [0, 3]);
  const ac = byHand([1, 4], [3, 0]);
  assert.deepEqual(rows[0], ['b', ab.cosine.toFixed(4), ab.dot.toFixed(4), ab.scaled.toFixed(4)]);
  assert.deepEqual(rows[1], ['c', ac.cosine.toFixed(4), ac.dot.toFixed(4), ac.scaled.toFixed(4)]);
  // Named dimensions and the norm √17.
  assert.match(md, /Tech \*\*1\*\* · Fruitness \*\*4\*\*/);
  assert.ok(md.includes(`norm ${Math.sqrt(17).toFixed(4)}`));
});

test('token hover lists the selected words with their similarity', () => {
  const { store } = parseEmb(DECK, { name: 'deck' });
  const md = tokenHoverMarkdown({ store, index: store.indexOf('b'), spaced: false, k: 1, measure: 'dot', selected: [store.indexOf('c')] });
  const selected = rowsOf(md.slice(md.indexOf('Selected words')));
  const bc = byHand([0, 3], [3, 0]);
  assert.deepEqual(selected[1], ['c', bc.cosine.toFixed(4), bc.dot.toFixed(4), bc.scaled.toFixed(4)]);
});

test('value hover names the dimension and its rank', () => {
  const { store } = parseEmb(DECK, { name: 'deck' });
  const md = valueHoverMarkdown(store, store.indexOf('b'), 1);
  assert.match(md, /\*\*Fruitness\*\* of \*\*b\*\* = 3/);
  // Fruitness values: a 4, b 3, c 0 → b is 2nd highest of 3.
  assert.match(md, /2nd highest of 3 in Fruitness/);
});

test('hostile tokens from a file are escaped in hovers', () => {
  const text = [
    '# dims: x y',
    '<img src=x onerror=alert(1)> 1 0',
    '[x](command:workbench.action.quit) 0 1',
    `${'w'.repeat(10_000)} 1 1`,
    'a|b`c 1 0.5',
    'evil\u202Etxt.exe 0.5 1',
    '',
  ].join('\n');
  const parsed = parseEmb(text, { name: 'hostile' });
  const { store } = parsed;
  assert.equal(store.count, 5);
  for (let i = 0; i < store.count; i++) {
    const md = tokenHoverMarkdown({ store, index: i, spaced: parsed.spaced.has(i), k: 4, measure: 'cosine', selected: [] });
    assert.doesNotMatch(md, /(^|[^\\])<img/, 'raw HTML');
    assert.doesNotMatch(md, /(^|[^\\])\]\(command/, 'command link');
    assert.ok(!md.includes('\u202E'), 'bidi override');
    assert.ok(!md.includes('w'.repeat(100)), '10,000-character token cut');
    assert.ok(md.replace(/\\(.)/g, '$1').includes('10,000 characters'), 'cut said');
    // Every table row keeps exactly 4 cells: no pipe from a token breaks the table.
    for (const row of rowsOf(md)) assert.equal(row.length, 4, row.join(' | '));
  }
});

test('nearestWords excludes the word itself; analogy excludes its inputs; unknown words are named', () => {
  const { store } = parseEmb(DECK, { name: 'deck' });
  const near = nearestWords(store, 'deck', 'a', 5, 'cosine');
  assert.deepEqual(near.neighbors.map((n) => n.token), ['b', 'c']);
  const analogy = wordAnalogy(store, 'deck', 'a', 'b', 'c', 5);
  assert.deepEqual(analogy.neighbors.map((n) => n.token), []);
  assert.throws(() => nearestWords(store, 'deck', 'zebra', 5, 'cosine'), (e: unknown) => e instanceof UnknownWordError && /zebra.*deck.*3 words/.test(e.message));
});
