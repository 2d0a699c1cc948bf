/**
 * Every number the deck (intro-to-transformers) shows, from the core. The expected values are
 * the deck's own, or worked by hand from the deck's vectors in the comments; none is copied from
 * our output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cosine,
  dot,
  explainRow,
  lessonAttention,
  scaledDot,
  scoreMatrix,
  similarity,
  softmaxBreakdown,
  workedArithmetic,
} from '../../../src/core';
import { assertClose, at, mat, r2, row } from './helpers';

// "an apple and an orange / an apple phone": Tech, Fruitness, Other.
const ORANGE = [0, 3, 0];
const PHONE = [4, 0, 0];
const APPLE = [2, 2, 0];
const AND = [0, 0, 2];
const AN = [0, 0, 3];

// "Similarity": Tech, Fruitness.
const CHERRIES = [1, 4];
const TOMATO = [0, 3];
const SMARTPHONE = [3, 0];

test('deck: cosine table of Orange, Phone, Apple, And, An', () => {
  const deck = [
    [1, 0, 0.71, 0, 0],
    [0, 1, 0.71, 0, 0],
    [0.71, 0.71, 1, 0, 0],
    [0, 0, 0, 1, 1],
    [0, 0, 0, 1, 1],
  ];
  const x = mat([ORANGE, PHONE, APPLE, AND, AN]);
  const s = scoreMatrix(x, x, 'cosine');
  for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) assert.equal(r2(at(s, i, j)), deck[i]![j], `cos[${i}, ${j}]`);
  // By hand: orange·apple = 6, |orange| = 3, |apple| = 2√2 → 6 / (6√2) = 1/√2.
  assertClose(at(s, 0, 2), Math.SQRT1_2, 1e-6, 'cos(orange, apple)');
  // phone·apple = 8, |phone| = 4 → 8 / (8√2) = 1/√2.
  assertClose(cosine(PHONE, APPLE).value, Math.SQRT1_2, 1e-12, 'cos(phone, apple)');
});

test('deck: "an apple and an orange" → orange → 0.40 orange + 0.30 apple + 0.15 and + 0.15 an', () => {
  const tokens = ['orange', 'apple', 'and', 'an'];
  const result = lessonAttention(mat([ORANGE, APPLE, AND, AN]), 'cosine');
  const weights = result.heads[0]!.weights;
  assert.equal(explainRow(weights, 0, tokens).text, 'orange → 0.40 orange + 0.30 apple + 0.15 and + 0.15 an');
  // By hand: e¹, e^(1/√2), e⁰, e⁰ over their sum.
  const e = [Math.E, Math.exp(Math.SQRT1_2), 1, 1];
  const sum = e.reduce((a, b) => a + b, 0);
  row(weights, 0).forEach((w, j) => assertClose(w, e[j]! / sum, 1e-6, `orange row, key ${j}`));
  // The deck's value-matrix slide, Apple row: 0.3 Orange + 0.4 Apple + 0.15 And + 0.15 An.
  assert.deepEqual(row(weights, 1).map(r2), [0.3, 0.4, 0.15, 0.15]);
  // Output = weighted sum of value rows (V = the embeddings in lesson mode).
  const expected = [0, 0, 0].map((_, c) => [ORANGE, APPLE, AND, AN].reduce((acc, v, j) => acc + (e[j]! / sum) * v[c]!, 0));
  row(result.output, 0).forEach((v, c) => assertClose(v, expected[c]!, 1e-6, `orange output[${c}]`));
});

test('deck: two words, Orange → 0.57 Orange + 0.43 Apple (softmax, not plain normalisation)', () => {
  const tokens = ['Orange', 'Apple'];
  const weights = lessonAttention(mat([ORANGE, APPLE]), 'cosine').heads[0]!.weights;
  assert.equal(explainRow(weights, 0, tokens).text, 'Orange → 0.57 Orange + 0.43 Apple');
  // "Apple → 0.43 Orange + 0.57 Apple"
  assert.deepEqual(row(weights, 1).map(r2), [0.43, 0.57]);
  // The deck's first try, (1 Orange + 0.71 Apple) / (1 + 0.71) = 0.58 Orange + 0.42 Apple, is what softmax replaces.
  assert.equal(r2(1 / (1 + 0.71)), 0.58);
  assert.notEqual(r2(at(weights, 0, 0)), 0.58);
});

test('deck: And → 0.5 And + 0.5 An; an apple phone → Phone → 0.57 Phone + 0.43 Apple; An → 1 An', () => {
  const andAn = lessonAttention(mat([AND, AN]), 'cosine').heads[0]!.weights;
  assert.deepEqual(row(andAn, 0), [0.5, 0.5]);
  assert.deepEqual(row(andAn, 1), [0.5, 0.5]);

  // "an apple phone" cosine table, Phone, Apple, An.
  const x = mat([PHONE, APPLE, AN]);
  const s = scoreMatrix(x, x, 'cosine');
  const deck = [
    [1, 0.71, 0],
    [0.71, 1, 0],
    [0, 0, 1],
  ];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) assert.equal(r2(at(s, i, j)), deck[i]![j], `cos[${i}, ${j}]`);

  const phoneApple = lessonAttention(mat([PHONE, APPLE]), 'cosine').heads[0]!.weights;
  assert.equal(explainRow(phoneApple, 0, ['Phone', 'Apple']).text, 'Phone → 0.57 Phone + 0.43 Apple');
  assert.deepEqual(row(phoneApple, 1).map(r2), [0.43, 0.57]); // Apple → 0.43 Phone + 0.57 Apple
  const an = lessonAttention(mat([AN]), 'cosine').heads[0]!.weights;
  assert.equal(explainRow(an, 0, ['An'], 0).text, 'An → 1 An');
});

test('deck: Cherries, Tomato, Smartphone — dot 12, 3, 0', () => {
  assert.equal(dot(CHERRIES, TOMATO), 12); // 1·0 + 4·3
  assert.equal(dot(CHERRIES, SMARTPHONE), 3); // 1·3 + 4·0
  assert.equal(dot(TOMATO, SMARTPHONE), 0); // 0·3 + 3·0
  assert.equal(workedArithmetic(CHERRIES, TOMATO).dot, '1·0 + 4·3 = 12');
  assert.equal(workedArithmetic(CHERRIES, SMARTPHONE).dot, '1·3 + 4·0 = 3');
  assert.equal(workedArithmetic(TOMATO, SMARTPHONE).dot, '0·3 + 3·0 = 0');
});

test('deck: scaled dot product 12/√2 = 8.49, 3/√2 = 2.12, 0/√2 = 0', () => {
  assert.equal(r2(scaledDot(CHERRIES, TOMATO)), 8.49);
  assert.equal(r2(scaledDot(CHERRIES, SMARTPHONE)), 2.12);
  assert.equal(scaledDot(TOMATO, SMARTPHONE), 0);
  assert.equal(workedArithmetic(CHERRIES, TOMATO).scaled, '12/√2 = 8.49');
  assert.equal(workedArithmetic(CHERRIES, SMARTPHONE).scaled, '3/√2 = 2.12');
  assert.equal(workedArithmetic(TOMATO, SMARTPHONE).scaled, '0/√2 = 0');
  const x = mat([CHERRIES, TOMATO, SMARTPHONE]);
  const s = scoreMatrix(x, x, 'scaled');
  assertClose(at(s, 0, 1), 12 / Math.SQRT2, 1e-5, 'scaled(Cherries, Tomato)');
  assertClose(at(s, 0, 2), 3 / Math.SQRT2, 1e-5, 'scaled(Cherries, Smartphone)');
  assert.equal(at(s, 1, 2), 0);
});

test('deck: cosines cos(14°) = 0.97, cos(76°) = 0.24, cos(90°) = 0', () => {
  // By hand: |Cherries| = √17, |Tomato| = 3, |Smartphone| = 3.
  assertClose(cosine(CHERRIES, TOMATO).value, 12 / (Math.sqrt(17) * 3), 1e-12, 'cos(C, T)');
  assertClose(cosine(CHERRIES, SMARTPHONE).value, 3 / (Math.sqrt(17) * 3), 1e-12, 'cos(C, S)');
  assert.equal(r2(similarity(CHERRIES, TOMATO).cosine), 0.97);
  assert.equal(r2(similarity(CHERRIES, SMARTPHONE).cosine), 0.24);
  assert.equal(similarity(TOMATO, SMARTPHONE).cosine, 0);
  assert.match(workedArithmetic(CHERRIES, TOMATO, ['Cherries', 'Tomato']).cosine, /^cos\(Cherries, Tomato\) = 12\/\(√17·3\) = 0\.97 \(14°\)$/);
  assert.match(workedArithmetic(CHERRIES, SMARTPHONE).cosine, /= 0\.24 \(76°\)$/);
  assert.match(workedArithmetic(TOMATO, SMARTPHONE).cosine, /= 0 \(90°\)$/);
});

test('deck: e¹/(e¹ + e⁻¹) = 0.88 Orange + 0.12 Motorcycle', () => {
  const b = softmaxBreakdown([1, -1], { scaleDivisor: 1, temperature: 1 });
  assert.equal(r2(b.entries[0]!.probability), 0.88);
  assert.equal(r2(b.entries[1]!.probability), 0.12);
  assertClose(b.entries[0]!.probability, Math.E / (Math.E + 1 / Math.E), 1e-15, 'p(Orange)');
  // The steps: max 1, minus max 0 and −2, exp 1 and e⁻², sum 1 + e⁻².
  assert.equal(b.max, 1);
  assert.deepEqual(b.entries.map((e) => e.minusMax), [0, -2]);
  assertClose(b.entries[1]!.exp, Math.exp(-2), 1e-15, 'exp(−2)');
  assertClose(b.sum, 1 + Math.exp(-2), 1e-15, 'sum');
});
