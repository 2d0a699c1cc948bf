import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  breakdownToJson,
  csvField,
  formatFloat32,
  matrixToCsv,
  matrixToJson,
  stackToCsv,
  stackToJson,
} from '../../../src/shared/exportFormat';

const m = (rows: number, cols: number, values: number[]) => ({ rows, cols, data: Float32Array.from(values) });

test('numbers are the shortest text that reads back to the same float32', () => {
  assert.equal(formatFloat32(Math.fround(0.4)), '0.4');
  assert.equal(formatFloat32(Math.fround(1 / 3)), '0.33333334');
  assert.equal(Math.fround(Number(formatFloat32(Math.fround(1 / 3)))), Math.fround(1 / 3));
  assert.equal(formatFloat32(Math.fround(Math.SQRT1_2)), '0.70710677');
  assert.equal(formatFloat32(1), '1');
  assert.equal(formatFloat32(-0), '0');
  assert.equal(formatFloat32(-2.5), '-2.5');
  assert.equal(formatFloat32(1e-8), '1e-8');
  assert.equal(formatFloat32(-Infinity), '-inf');
  assert.equal(formatFloat32(Infinity), 'inf');
  assert.equal(formatFloat32(Number.NaN), 'nan');
  for (const v of [0.1, 123.456, -7.25e-5, 3.4e38, 1.17e-38]) {
    const f = Math.fround(v);
    assert.equal(Math.fround(Number(formatFloat32(f))), f, `round trip of ${f}`);
  }
});

test('CSV fields are quoted when needed and formulas are defused', () => {
  assert.equal(csvField('apple'), 'apple');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField(' padded'), '" padded"');
  assert.equal(csvField('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
  assert.equal(csvField('+1'), "'+1");
  assert.equal(csvField('-cmd'), "'-cmd");
  assert.equal(csvField('@sum'), "'@sum");
  assert.equal(csvField(''), '');
});

test('a matrix as CSV: corner, column labels, one labelled line per row, CRLF', () => {
  const csv = matrixToCsv({ name: 'w', matrix: m(2, 2, [0.4, 0.6, 1, -Infinity]), rowLabels: ['a', 'b,c'], colLabels: ['x', 'y'], corner: 'q \\ k' });
  assert.equal(csv, 'q \\ k,x,y\r\na,0.4,0.6\r\n"b,c",1,-inf\r\n');
});

test('labels must match the shape', () => {
  assert.throws(() => matrixToCsv({ name: 'w', matrix: m(2, 2, [1, 2, 3, 4]), rowLabels: ['a'], colLabels: ['x', 'y'], corner: '' }), /1×2 labels for a 2×2 matrix/);
});

test('a matrix as JSON: shape, labels, rows of values, null for −∞, extra fields first', () => {
  const text = matrixToJson({ name: 'scores', matrix: m(1, 3, [0.5, -Infinity, 2]), rowLabels: ['q'], colLabels: ['a', 'b', 'c'], corner: '' }, { head: 1 });
  const parsed = JSON.parse(text);
  assert.deepEqual(parsed, { head: 1, name: 'scores', shape: [1, 3], rows: ['q'], cols: ['a', 'b', 'c'], values: [[0.5, null, 2]] });
  assert.ok(text.endsWith('\n'));
});

test('every head as tidy CSV: one line per (head, query, key)', () => {
  const layer = (v: number[]) => ({ name: 'w', matrix: m(2, 2, v), rowLabels: ['a', 'b'], colLabels: ['a', 'b'], corner: '' });
  const lines = stackToCsv([layer([1, 0, 0.5, 0.5]), layer([0, 1, 0.25, 0.75])], 'head', 'weight').trimEnd().split('\r\n');
  assert.equal(lines[0], 'head,query_index,query,key_index,key,weight');
  assert.equal(lines.length, 1 + 2 * 4);
  assert.equal(lines[1], '1,0,a,0,a,1');
  assert.equal(lines[8], '2,1,b,1,b,0.75');
  const json = JSON.parse(stackToJson([layer([1, 0, 0, 1])], { tokens: ['a', 'b'] }));
  assert.deepEqual(json.tokens, ['a', 'b']);
  assert.equal(json.layers.length, 1);
  assert.deepEqual(json.layers[0].values, [[1, 0], [0, 1]]);
});

test('the softmax breakdown as JSON keeps the line and writes masked steps as null', () => {
  const json = JSON.parse(
    breakdownToJson({
      query: 'orange',
      scaleDivisor: 1,
      entries: [
        { key: 'orange', raw: 1, scaled: 1, minusMax: 0, exp: 1, probability: 1 },
        { key: 'apple', raw: 0.7, scaled: -Infinity, minusMax: -Infinity, exp: 0, probability: 0 },
      ],
      max: 1,
      sum: 1,
      line: 'orange → 1.00 orange',
    }),
  );
  assert.equal(json.line, 'orange → 1.00 orange');
  assert.equal(json.entries[1].scaled, null);
  assert.equal(json.entries[1].exp, 0);
});
