import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sentenceAround, tokenize } from '../../../src/emb/tokenize';

test("the deck's sentences tokenize into its words", () => {
  const words = (text: string) => tokenize(text, { lowercase: true, punctuation: 'drop' }).map((t) => t.text);
  assert.deepEqual(words('Please buy an Apple and an orange.'), ['please', 'buy', 'an', 'apple', 'and', 'an', 'orange']);
  assert.deepEqual(words('apple unveiled the new **phone**'), ['apple', 'unveiled', 'the', 'new', 'phone']);
});

test('offsets are UTF-16 positions in the original text, also when lower-casing', () => {
  const text = 'Äpfel, 😀 naïve!';
  const tokens = tokenize(text, { lowercase: true, punctuation: 'keep' });
  assert.deepEqual(tokens.map((t) => [t.text, t.start, t.end]), [
    ['äpfel', 0, 5],
    [',', 5, 6],
    ['😀', 7, 9],
    ['naïve', 10, 15],
    ['!', 15, 16],
  ]);
  for (const t of tokens) assert.equal(text.slice(t.start, t.end).toLowerCase(), t.text);
});

test("inner apostrophes and hyphens stay in the word; punctuation can be kept or dropped", () => {
  assert.deepEqual(tokenize("don't state-of-the-art -x", { lowercase: false, punctuation: 'keep' }).map((t) => t.text), ["don't", 'state-of-the-art', '-', 'x']);
  assert.deepEqual(tokenize('a, b; c.', { lowercase: false, punctuation: 'drop' }).map((t) => t.text), ['a', 'b', 'c']);
  assert.deepEqual(tokenize('   ', { lowercase: true, punctuation: 'keep' }), []);
});

test('sentenceAround finds the sentence of an offset, by full stops and line breaks', () => {
  const text = 'Please buy an apple and an orange. Apple unveiled the new phone!\nAn apple phone';
  const at = (offset: number) => {
    const { start, end } = sentenceAround(text, offset);
    return text.slice(start, end);
  };
  assert.equal(at(3), 'Please buy an apple and an orange.');
  assert.equal(at(34), 'Please buy an apple and an orange.', 'right after the full stop');
  assert.equal(at(40), 'Apple unveiled the new phone!');
  assert.equal(at(text.length), 'An apple phone');
  assert.equal(at(-5), 'Please buy an apple and an orange.');
  assert.deepEqual(sentenceAround('', 0), { start: 0, end: 0 });
});
