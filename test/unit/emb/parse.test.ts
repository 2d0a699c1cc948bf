import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseEmb, parseEmbBytes, type ParsedEmb } from '../../../src/emb/formats/text/parse';
import type { EmbProblem } from '../../../src/emb/types';
import { copyAllRows } from '../../../src/emb/store';

const ROOT = path.join(__dirname, '..', '..', '..');

function rows(parsed: ParsedEmb): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  parsed.store.vocabulary.toArray().forEach((token, i) => (out[token] = Array.from(parsed.store.vector(i))));
  return out;
}

function only(parsed: ParsedEmb, code: EmbProblem['code']): EmbProblem {
  const found = parsed.problems.filter((p) => p.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got ${JSON.stringify(parsed.problems)}`);
  return found[0]!;
}

test('GloVe layout: no header, space-separated, dimension from the entries', () => {
  const parsed = parseEmb('the 0.418 0.24968 -0.41242\n, 0.013441 0.23682 -0.16899\n');
  assert.equal(parsed.layout, 'glove');
  assert.equal(parsed.store.dim, 3);
  assert.deepEqual(parsed.store.vocabulary.toArray(), ['the', ',']);
  assert.deepEqual(rows(parsed).the, [0.418, 0.24968, -0.41242].map(Math.fround));
  assert.deepEqual(parsed.problems, []);
  assert.deepEqual(Array.from(parsed.lineOfToken), [0, 1]);
  assert.equal(parsed.dimNames, undefined);
});

test('word2vec / fastText text layout: "count dim" header line is read and skipped', () => {
  const parsed = parseEmb('2 3\nking 1 2 3\nqueen 4 5 6\n');
  assert.equal(parsed.layout, 'word2vec');
  assert.deepEqual(parsed.store.vocabulary.toArray(), ['king', 'queen']);
  assert.deepEqual(Array.from(parsed.lineOfToken), [1, 2]);
  assert.deepEqual(parsed.problems, []);
});

test("tab-separated table like the deck's: a header row with an empty first cell names the dims", () => {
  const parsed = parseEmb('\tTech\tFruitness\tOther\nOrange\t0\t3\t0\nPhone\t4\t0\t0\n');
  assert.equal(parsed.layout, 'table');
  assert.deepEqual(parsed.dimNames, ['Tech', 'Fruitness', 'Other']);
  assert.deepEqual(parsed.store.dimNames, ['Tech', 'Fruitness', 'Other']);
  assert.deepEqual(rows(parsed), { Orange: [0, 3, 0], Phone: [4, 0, 0] });
});

test('a header row whose first cell names the token column ("Word") names the dims after it', () => {
  const parsed = parseEmb('Word\tTech\tFruitness\nCherries\t1\t4\n');
  assert.deepEqual(parsed.dimNames, ['Tech', 'Fruitness']);
  assert.deepEqual(parsed.store.vocabulary.toArray(), ['Cherries']);
  assert.deepEqual(parsed.problems, []);
});

test('# comments are skipped; "# dims:" names the dimensions', () => {
  const parsed = parseEmb('# made by hand\n# dims: Tech Fruitness\n\nCherries 1 4\n  # indented comment\nTomato 0 3\n');
  assert.deepEqual(parsed.dimNames, ['Tech', 'Fruitness']);
  assert.deepEqual(parsed.store.vocabulary.toArray(), ['Cherries', 'Tomato']);
  assert.deepEqual(Array.from(parsed.lineOfToken), [3, 5]);
});

test('a line starting with # that holds exactly a token and dim numbers is an entry (GloVe has "#" and "#1")', () => {
  const parsed = parseEmb('the 1 2\n# 3 4\n#1 5 6\n# a comment with words\n');
  assert.deepEqual(parsed.store.vocabulary.toArray(), ['the', '#', '#1']);
  assert.deepEqual(parsed.problems, []);
});

test('a token with spaces (GloVe 840B): more than 1 + dim fields, the leading ones join into the token', () => {
  const parsed = parseEmb('the 1 2\n. . . 3 4\nat&t corp 5 6\nx 7 8\n');
  assert.deepEqual(parsed.store.vocabulary.toArray(), ['the', '. . .', 'at&t corp', 'x']);
  assert.deepEqual([...parsed.spaced].sort(), [1, 2]);
  assert.deepEqual(rows(parsed)['. . .'], [3, 4]);
  assert.deepEqual(parsed.problems, []);
});

test('a spaced token keeps the separators as written (tabs stay tabs)', () => {
  const parsed = parseEmb('a\tb\t1\t2\nc 3 4\nd 5 6\n');
  assert.deepEqual(parsed.store.vocabulary.toArray(), ['a\tb', 'c', 'd']);
});

test('too many values that are all numbers is a value-count problem, not a spaced token', () => {
  const parsed = parseEmb('a 1 2\nb 1 2 3\nc 1 2\n');
  const problem = only(parsed, 'value-count');
  assert.deepEqual(problem.range, { line: 1, startColumn: 0, endColumn: 7 });
  assert.equal(problem.message, 'Expected 2 values after "b", found 3.');
  assert.equal(problem.severity, 'error');
  assert.deepEqual(parsed.store.vocabulary.toArray(), ['a', 'c']);
});

test('too few values: located on the whole entry, with expected and found counts', () => {
  const parsed = parseEmb('a 1 2 3\n  short 1 2  \nc 4 5 6\nlonely\n');
  const problems = parsed.problems.filter((p) => p.code === 'value-count');
  assert.deepEqual(
    problems.map((p) => [p.range, p.message]),
    [
      [{ line: 1, startColumn: 2, endColumn: 13 }, 'Expected 3 values after "short", found 2.'],
      [{ line: 3, startColumn: 0, endColumn: 6 }, 'Expected 3 values after "lonely", found none.'],
    ],
  );
  assert.deepEqual(parsed.store.vocabulary.toArray(), ['a', 'c'], 'valid rows are kept');
});

test('the dimension is the most common value count, so one broken first row does not decide it', () => {
  const parsed = parseEmb('first 1 2 3 4\nb 1 2 3\nc 1 2 3\nd 1 2 3\n');
  assert.equal(parsed.store.dim, 3);
  assert.equal(only(parsed, 'value-count').message, 'Expected 3 values after "first", found 4.');
});

test('a value that is not a number: the field is located and quoted', () => {
  const parsed = parseEmb('apple 1 x2 3\npear 1 2 3\n');
  const problem = only(parsed, 'not-a-number');
  assert.deepEqual(problem.range, { line: 0, startColumn: 8, endColumn: 10 });
  assert.equal(problem.message, 'Value 2 of "apple" is "x2", which is not a number.');
  assert.deepEqual(parsed.store.vocabulary.toArray(), ['pear']);
});

test('each bad value of a line is reported', () => {
  const parsed = parseEmb('apple a b 3\npear 1 2 3\n');
  assert.deepEqual(
    parsed.problems.map((p) => [p.code, p.range.startColumn, p.range.endColumn]),
    [
      ['not-a-number', 6, 7],
      ['not-a-number', 8, 9],
    ],
  );
});

test('NaN, Infinity and values beyond float32 are non-finite problems', () => {
  const parsed = parseEmb('a 1 NaN\nb -inf 2\nc 1e39 1\nd 1 2\n');
  assert.deepEqual(
    parsed.problems.map((p) => [p.code, p.range, p.message]),
    [
      ['non-finite', { line: 0, startColumn: 4, endColumn: 7 }, 'Value 2 of "a" is NaN; embedding values must be finite numbers.'],
      ['non-finite', { line: 1, startColumn: 2, endColumn: 6 }, 'Value 1 of "b" is -inf; embedding values must be finite numbers.'],
      ['non-finite', { line: 2, startColumn: 2, endColumn: 6 }, 'Value 1 of "c" is 1e39, beyond the float32 range (±3.4e38).'],
    ],
  );
  assert.deepEqual(parsed.store.vocabulary.toArray(), ['d']);
});

test('duplicate token: the first entry wins; the later line is flagged with a fix that deletes it', () => {
  const parsed = parseEmb('apple 1 2\npear 3 4\napple 5 6\n');
  const problem = only(parsed, 'duplicate-token');
  assert.deepEqual(problem.range, { line: 2, startColumn: 0, endColumn: 5 });
  assert.equal(problem.severity, 'warning');
  assert.equal(problem.message, '"apple" is already defined on line 1; the first entry is used and this line is ignored.');
  assert.deepEqual(problem.fix, {
    title: 'Remove the duplicate "apple" (line 3)',
    range: { line: 2, startColumn: 0, endColumn: 9 },
    deleteLines: { startLine: 2, endLine: 3 },
    text: '',
  });
  assert.deepEqual(rows(parsed).apple, [1, 2]);
  assert.equal(parsed.store.count, 2);
});

test('header count not matching the body: warning on the count, fix rewrites the header', () => {
  const parsed = parseEmb('5 2\na 1 2\nb 3 4\n');
  const problem = only(parsed, 'header-count');
  assert.deepEqual(problem.range, { line: 0, startColumn: 0, endColumn: 1 });
  assert.equal(problem.message, 'The header says 5 entries, but the file has 2.');
  assert.deepEqual(problem.fix, { title: 'Set the header to "2 2"', range: { line: 0, startColumn: 0, endColumn: 3 }, text: '2 2' });
});

test('header dimension not matching the body: the body decides, the fix rewrites the header', () => {
  const parsed = parseEmb('2 300\na 1 2\nb 3 4\n');
  assert.equal(parsed.store.dim, 2);
  const problem = only(parsed, 'header-dim');
  assert.deepEqual(problem.range, { line: 0, startColumn: 2, endColumn: 5 });
  assert.equal(problem.message, 'The header says 300 dimensions, but the entries have 2 values each.');
  assert.equal(problem.fix?.text, '2 2');
  assert.deepEqual(parsed.store.vocabulary.toArray(), ['a', 'b']);
});

test('dims names count not matching the dimension: located on the names, names dropped', () => {
  const parsed = parseEmb('# dims: Tech Fruitness\na 1 2 3\n');
  const problem = only(parsed, 'dims-names');
  assert.deepEqual(problem.range, { line: 0, startColumn: 8, endColumn: 22 });
  assert.equal(problem.message, 'The # dims line names 2 dimensions, but the entries have 3 values; the names are not used.');
  assert.equal(parsed.dimNames, undefined);
  assert.equal(parsed.store.count, 1);
});

test('a "# dims:" line with no names points at the whole comment', () => {
  const parsed = parseEmb('# dims:   \na 1 2\n');
  assert.deepEqual(only(parsed, 'dims-names').range, { line: 0, startColumn: 0, endColumn: 7 });
  assert.equal(only(parsed, 'dims-names').message, 'The # dims line names 0 dimensions, but the entries have 2 values; the names are not used.');
});

test('empty file, blank file, comments only, header only: one empty-file error at line 0', () => {
  for (const text of ['', '\n\n  \n', '# dims: a b\n# nothing else\n']) {
    const parsed = parseEmb(text);
    const problem = only(parsed, 'empty-file');
    assert.deepEqual(problem.range, { line: 0, startColumn: 0, endColumn: 0 });
    assert.equal(problem.severity, 'error');
    assert.equal(parsed.store.count, 0);
  }
  const headerOnly = parseEmb('3 2\n');
  assert.deepEqual(headerOnly.problems.map((p) => p.code).sort(), ['empty-file', 'header-count']);
});

test('CRLF, a lone CR, a BOM, trailing whitespace and no final newline all parse the same rows', () => {
  const expected = { a: [1, 2], b: [3, 4] };
  for (const text of ['a 1 2\r\nb 3 4\r\n', 'a 1 2\rb 3 4', '\ufeffa 1 2\nb 3 4\n', 'a 1 2   \nb 3 4\t\t\n', 'a 1 2\nb 3 4', '  a  1\t 2\n\tb 3 4\n']) {
    const parsed = parseEmb(text);
    assert.deepEqual(rows(parsed), expected, JSON.stringify(text));
    assert.deepEqual(parsed.problems, [], JSON.stringify(text));
    assert.deepEqual(Array.from(parsed.lineOfToken), [0, 1], JSON.stringify(text));
  }
});

test('a problem after a BOM is located without counting the BOM; CRLF lines end before the \\r', () => {
  const parsed = parseEmb('\ufeffa 1 x\r\nb 1\r\n');
  assert.deepEqual(
    parsed.problems.map((p) => p.range),
    [
      { line: 0, startColumn: 4, endColumn: 5 },
      { line: 1, startColumn: 0, endColumn: 3 },
    ],
  );
});

test('columns are UTF-16 offsets, as the editor counts them', () => {
  const parsed = parseEmb('café 1 2\n😀 1 x\nnaïve 3 4\n');
  const problem = only(parsed, 'not-a-number');
  assert.deepEqual(problem.range, { line: 1, startColumn: 5, endColumn: 6 }, '😀 is two UTF-16 units');
  assert.deepEqual(parsed.store.vocabulary.toArray(), ['café', 'naïve']);
  const dup = parseEmb('😀x 1 2\n  😀x 3 4\n');
  assert.deepEqual(only(dup, 'duplicate-token').range, { line: 1, startColumn: 2, endColumn: 5 });
  assert.deepEqual(only(dup, 'duplicate-token').fix?.range, { line: 1, startColumn: 0, endColumn: 9 });
});

test('parseEmb(text) and parseEmbBytes(utf-8 bytes) agree', () => {
  const text = '# dims: x y\napple 1 2\nbanane 3 x\nice cream 5 6\napple 7 8\n';
  const a = parseEmb(text, { name: 't' });
  const b = parseEmbBytes(new TextEncoder().encode(text), { name: 't' });
  assert.deepEqual(a.problems, b.problems);
  assert.deepEqual(a.store.vocabulary.toArray(), b.store.vocabulary.toArray());
  assert.deepEqual(Array.from(copyAllRows(a.store)), Array.from(copyAllRows(b.store)));
  assert.equal(a.store.name, 't');
});

test('problems are sorted by line and column', () => {
  const parsed = parseEmb('3 9\na 1 2\nb 1 x\na 3 4\nc 1 2 3 4\n');
  const keys = parsed.problems.map((p) => [p.range.line, p.range.startColumn]);
  assert.deepEqual(keys, [...keys].sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!));
  assert.deepEqual(parsed.problems.map((p) => p.code), ['header-count', 'header-dim', 'not-a-number', 'duplicate-token', 'value-count']);
});

test('norms are precomputed per row', () => {
  const parsed = parseEmb('a 3 4\nb 0 0\n');
  assert.deepEqual(Array.from(parsed.store.norms), [5, 0]);
});

test("the deck's samples load with their names and the deck's numbers", () => {
  const load = (file: string) => parseEmbBytes(readFileSync(path.join(ROOT, 'samples', file)), { name: file });
  const twoD = load('deck-2d.emb');
  assert.deepEqual(twoD.problems, []);
  assert.equal(twoD.store.count, 13);
  assert.deepEqual(rows(twoD).Apple, [5, 5]);
  assert.deepEqual(rows(twoD).Car, [6, 0]);
  const techFruit = load('deck-tech-fruit.emb');
  assert.deepEqual(techFruit.problems, []);
  assert.deepEqual(techFruit.dimNames, ['Tech', 'Fruitness', 'Other']);
  assert.deepEqual(rows(techFruit), { Orange: [0, 3, 0], Phone: [4, 0, 0], Apple: [2, 2, 0], And: [0, 0, 2], An: [0, 0, 3] });
  const cherries = load('deck-cherries.emb');
  assert.deepEqual(cherries.problems, []);
  assert.deepEqual(cherries.dimNames, ['Tech', 'Fruitness']);
  assert.deepEqual(rows(cherries), { Cherries: [1, 4], Tomato: [0, 3], Smartphone: [3, 0] });
  const lesson = load('lesson.emb');
  assert.deepEqual(lesson.problems, []);
  assert.equal(lesson.dimNames?.slice(0, 3).join(' '), 'tech fruitness other');
});

test('the malformed fixtures give their documented problems', () => {
  const load = (file: string) => parseEmbBytes(readFileSync(path.join(ROOT, 'test', 'fixtures', 'emb', file)), { name: file });
  const broken = load('broken-glove.emb');
  assert.deepEqual(broken.problems.map((p) => [p.code, p.range.line]), [
    ['dims-names', 0],
    ['value-count', 3],
    ['not-a-number', 4],
    ['non-finite', 5],
    ['duplicate-token', 6],
    ['value-count', 8],
  ]);
  assert.deepEqual(broken.store.vocabulary.toArray(), ['apple', 'banana', 'cherry', 'ice cream']);
  const header = load('broken-word2vec.emb');
  assert.deepEqual(header.problems.map((p) => p.code), ['header-count', 'header-dim']);
  assert.equal(header.problems[0]!.fix?.text, '3 4');
});

test('tens of thousands of duplicates: the first MAX_PROBLEMS problems by line are listed, the rest counted', () => {
  // Line 0 is the first "a"; every third line after it is a bad row, the others duplicate "a".
  const lines = ['a 1 2'];
  for (let i = 1; i <= 45_000; i++) lines.push(i % 3 === 0 ? `b${i} 1 x` : 'a 3 4');
  const parsed = parseEmb(lines.join('\n'));
  assert.equal(parsed.problems.length, 10_000);
  assert.equal(parsed.problemsOmitted, 45_000 - 10_000);
  parsed.problems.forEach((p, i) => {
    assert.equal(p.range.line, i + 1);
    assert.equal(p.code === 'duplicate-token', (i + 1) % 3 !== 0, `line ${i + 1}: ${p.code}`);
  });
});
