import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NumberStatus, isNumberField, scanNumber, scanned } from '../../../src/emb/formats/text/numbers';

const encoder = new TextEncoder();

function scan(text: string): { value: number; status: NumberStatus; end: number } {
  const bytes = encoder.encode(text);
  scanNumber(bytes, 0, bytes.length);
  return { value: scanned.value, status: scanned.status, end: scanned.end };
}

/** The reference: the float32 nearest to the double nearest to the decimal (what gensim/numpy store too, via float64). */
function reference(text: string): number {
  return Math.fround(parseFloat(text));
}

test('scanNumber equals Math.fround(parseFloat) on GloVe/word2vec-style values', () => {
  for (const text of ['0.41800', '-0.038194', '1e-05', '-1.2345e+02', '3', '-0', '+7.5', '.5', '5.', '0.000001', '123456789012345', '1E3', '9.999999e37']) {
    const got = scan(text);
    assert.equal(got.status, NumberStatus.Ok, text);
    assert.ok(Object.is(got.value, reference(text)), `${text}: ${got.value} vs ${reference(text)}`);
    assert.equal(got.end, text.length);
  }
});

test('scanNumber equals Math.fround(parseFloat) on 100,000 random decimal strings, exponents included', () => {
  const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
  const decimal = fc
    .tuple(fc.constantFrom('', '-', '+'), digits(0, 22), fc.option(digits(0, 22)), fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '-', '+'), digits(1, 3))))
    .map(([sign, whole, fraction, exponent]) => `${sign}${whole}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : exponent.join('')}`)
    .filter((text) => /\d/.test(text.replace(/[eE].*$/, '')));
  fc.assert(
    fc.property(decimal, (text) => {
      const got = scan(text);
      const expected = reference(text);
      if (!Number.isFinite(expected)) return got.status === NumberStatus.OutOfRange;
      return got.status === NumberStatus.Ok && Object.is(got.value, expected);
    }),
    { numRuns: 100_000, seed: 3 },
  );
});

test('scanNumber matches parseFloat on the shortest round-trip form of random float32 values', () => {
  fc.assert(
    fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (value) => {
      for (const text of [String(value), value.toExponential(), value.toPrecision(9), value.toFixed(6)]) {
        const got = scan(text);
        if (!(got.status === NumberStatus.Ok && Object.is(got.value, reference(text)))) return false;
      }
      return true;
    }),
    { numRuns: 50_000, seed: 4 },
  );
});

test('scanNumber says what is wrong with a field that is not a finite decimal', () => {
  for (const text of ['abc', '1,5', '1e', '1e+', '0x1F', '1.2.3', '--1', '.', '-', '', '1f', '١٢']) {
    assert.equal(scan(text).status, NumberStatus.NotANumber, JSON.stringify(text));
  }
  for (const text of ['nan', 'NaN', '-inf', 'Infinity', '+INF', '-infinity']) {
    assert.equal(scan(text).status, NumberStatus.NonFiniteLiteral, text);
  }
  for (const text of ['1e39', '-3.5e38', '1e400']) assert.equal(scan(text).status, NumberStatus.OutOfRange, text);
  assert.equal(scan('1e-50').value, 0, 'underflow is zero, as in float32');
});

test('a field ends at the first separator', () => {
  const bytes = encoder.encode('12.5\t7 x');
  scanNumber(bytes, 0, bytes.length);
  assert.deepEqual([scanned.value, scanned.status, scanned.end], [12.5, NumberStatus.Ok, 4]);
  scanNumber(bytes, 5, bytes.length);
  assert.deepEqual([scanned.value, scanned.end], [7, 6]);
  assert.equal(isNumberField(bytes, 0, 4), true);
  assert.equal(isNumberField(bytes, 7, 8), false);
});
