import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uniform01 } from '../../../src/core/random';
import { runToEnd } from '../../../src/emb/slices';
import { Vocabulary } from '../../../src/emb/vocabulary';

/**
 * The plain definition of the quick-pick search, one word at a time (what Vocabulary.search does
 * with substring search over one text): exact (exact case first), then prefix, then contains.
 */
function referenceSearch(tokens: readonly string[], query: string, limit: number): number[] {
  const needle = query.trim().toLowerCase();
  if (limit <= 0) return [];
  if (needle.length === 0) return tokens.slice(0, limit).map((_, i) => i);
  const exact: number[] = [];
  const prefix: number[] = [];
  const contains: number[] = [];
  tokens.forEach((token, i) => {
    const word = token.toLowerCase();
    const at = word.indexOf(needle);
    if (at < 0) return;
    if (at === 0 && word.length === needle.length) exact.push(i);
    else if (at === 0) prefix.push(i);
    else contains.push(i);
  });
  exact.sort((a, b) => Number(tokens[b] === query.trim()) - Number(tokens[a] === query.trim()) || a - b);
  return [...exact, ...prefix, ...contains].slice(0, limit);
}

/** The plain definition of lookup: exact, else the lower-case form, else the first case variant. */
function referenceLookup(tokens: readonly string[], query: string): number {
  const exact = tokens.indexOf(query);
  if (exact >= 0) return exact;
  const lower = query.toLowerCase();
  const lowerHit = tokens.indexOf(lower);
  if (lowerHit >= 0) return lowerHit;
  return tokens.findIndex((t) => t.toLowerCase() === lower);
}

const words = ['the', 'apple', 'Apple', 'pineapple', 'applesauce', 'orange', 'apples', 'snapple'];

test('search: exact match first (exact case before other cases), then prefixes, then contains, each in file order', () => {
  const vocabulary = Vocabulary.fromTokens(words);
  const found = vocabulary.search('apple', 10).map((i) => words[i]);
  assert.deepEqual(found, ['apple', 'Apple', 'applesauce', 'apples', 'pineapple', 'snapple']);
  const upper = vocabulary.search('Apple', 10).map((i) => words[i]);
  assert.deepEqual(upper.slice(0, 2), ['Apple', 'apple']);
});

test('search: the limit applies, and an empty query lists the first words', () => {
  const vocabulary = Vocabulary.fromTokens(words);
  assert.equal(vocabulary.search('apple', 3).length, 3);
  assert.deepEqual(vocabulary.search('', 3), [0, 1, 2]);
  assert.deepEqual(vocabulary.search('zzz', 5), []);
  assert.deepEqual(vocabulary.search('apple', 0), []);
});

test('search: an exact match late in a big vocabulary still comes first after the prefix quota is full', () => {
  const big = Array.from({ length: 200_000 }, (_, i) => `word${i}`);
  big.push('word');
  const found = Vocabulary.fromTokens(big).search('word', 50);
  assert.equal(found.length, 50);
  assert.equal(big[found[0] ?? -1], 'word');
  assert.deepEqual(found, referenceSearch(big, 'word', 50));
});

/** Random words over a small alphabet (so prefixes, substrings, case variants and repeats are common). */
function randomWords(seed: number, count: number, alphabet: string): string[] {
  const random = uniform01(seed);
  const letters = [...alphabet];
  return Array.from({ length: count }, () => {
    const length = 1 + Math.floor(random() * 5);
    let word = '';
    for (let i = 0; i < length; i++) word += letters[Math.floor(random() * letters.length)];
    return word;
  });
}

for (const [name, alphabet] of [
  ['ASCII with case', 'abAB c'],
  ['non-ASCII: é/É, final sigma, dotted İ, Kelvin sign, a wide character', 'aéÉσςΣİiK\u212Ak語'],
] as const) {
  test(`search and lookup agree with the word-by-word definitions on random vocabularies (${name})`, () => {
    for (let seed = 1; seed <= 20; seed++) {
      const raw = randomWords(seed, 300, alphabet);
      const tokens = [...new Set(raw)];
      const vocabulary = Vocabulary.fromTokens(tokens);
      assert.equal(vocabulary.count, tokens.length);
      assert.deepEqual(vocabulary.toArray(), tokens);
      const queries = [...randomWords(seed + 100, 40, alphabet), ...tokens.slice(0, 20), ...tokens.slice(0, 20).map((t) => t.toUpperCase())];
      for (const query of queries) {
        assert.deepEqual(vocabulary.search(query, 7), referenceSearch(tokens, query, 7), `search ${JSON.stringify(query)} (seed ${seed})`);
        assert.equal(vocabulary.lookup(query), referenceLookup(tokens, query), `lookup ${JSON.stringify(query)} (seed ${seed})`);
        assert.equal(vocabulary.indexOf(query), tokens.indexOf(query), `indexOf ${JSON.stringify(query)} (seed ${seed})`);
      }
    }
  });
}

test('build keeps the first of equal tokens and maps each later one to it', () => {
  const text = 'a\nb\na\nB\nb\n';
  const { vocabulary, rowOf } = runToEnd(Vocabulary.build(text, 5));
  assert.deepEqual(vocabulary.toArray(), ['a', 'b', 'B']);
  assert.deepEqual(Array.from(rowOf), [0, 1, -1 - 0, 2, -1 - 1]);
  // A search must not land on the dropped rows that still sit in the text.
  assert.deepEqual(vocabulary.search('a', 5), [0]);
  assert.deepEqual(vocabulary.search('b', 5), [1, 2]);
});

test('build yields while it works, and refuses a text that holds fewer tokens than promised', () => {
  const tokens = Array.from({ length: 5000 }, (_, i) => `t${i}`);
  let yields = 0;
  const steps = Vocabulary.build(`${tokens.join('\n')}\n`, tokens.length);
  for (let step = steps.next(); !step.done; step = steps.next()) yields++;
  assert.ok(yields >= 4, `${yields} yields for 5000 rows`);
  assert.throws(() => runToEnd(Vocabulary.build('a\nb\n', 3)), /3 tokens expected, the text holds 2/);
  assert.throws(() => Vocabulary.fromTokens(['a\nb']), /cannot contain a line break/);
});

test('memory: about 0.06× the float32 rows of GloVe 400k × 100 (text, offsets, table)', () => {
  const tokens = Array.from({ length: 400_000 }, (_, i) => `w${i.toString(36)}x`);
  const vocabulary = Vocabulary.fromTokens(tokens);
  const raw = 400_000 * 100 * 4;
  assert.ok(vocabulary.byteLength < 0.08 * raw, `${vocabulary.byteLength} bytes for ${raw} raw`);
  assert.equal(vocabulary.indexOf('w0x'), 0);
  assert.equal(vocabulary.indexOf(`w${(399_999).toString(36)}x`), 399_999);
  assert.equal(vocabulary.lookup(`W${(123_456).toString(36).toUpperCase()}X`), 123_456);
});

test('a vocabulary built from UTF-8 bytes (buildFromUtf8 + fromParts) answers as one built from the strings, skipped rows left out', () => {
  const tokens = ['the', 'The', 'THE', 'naïve', 'Naïve', '😀x', '\uFEFFbom', 'İstanbul', 'istanbul', 'ΣΊΣΥΦΟΣ', 'σίσυφος', 'the', 'gone', 'ü', 'Ü', 'a\u2424b', 'zz'];
  const skipped = new Set([12]);
  const bytes = new TextEncoder().encode(`${tokens.join('\n')}\n`);
  const skip = Uint8Array.from(tokens, (_, i) => (skipped.has(i) ? 1 : 0));
  const { parts, rowOf } = runToEnd(Vocabulary.buildFromUtf8(bytes, bytes.length, tokens.length, skip));
  const fromBytes = Vocabulary.fromParts(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes), parts);
  const kept = tokens.filter((_, i) => !skipped.has(i));
  const reference = Vocabulary.fromTokens(kept);
  assert.deepEqual(fromBytes.toArray(), reference.toArray());
  assert.equal(rowOf[11], -1 - 0, 'the second "the" is a duplicate of row 0');
  assert.equal(rowOf[12]! < -tokens.length, true, 'the skipped row has no row');
  for (const query of [...tokens, 'THE', 'NAÏVE', 'istanbul', 'İSTANBUL', 'σίσυφος', 'Σίσυφος', 'missing', 'gone', 'Ü', 'bom', '\uFEFFBOM']) {
    assert.equal(fromBytes.indexOf(query), reference.indexOf(query), `indexOf ${query}`);
    assert.equal(fromBytes.lookup(query), reference.lookup(query), `lookup ${query}`);
  }
  assert.deepEqual(fromBytes.search('t', 10), reference.search('t', 10));
});
