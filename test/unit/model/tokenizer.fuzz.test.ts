/**
 * Hostile text through every tokenizer: lone surrogates, controls, combining marks without a
 * base, CR/LF mixes, unusual spaces, typed special tokens glued to words, empty input. Each
 * encode must not throw, must give the library's own ids, offsets inside the text that never go
 * back, and need no alignment recovery (stats.resyncs stays 0).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { uniform01 } from '../../../src/core/random';
import { loadTokenizer, tokenizerFromJson, type ModelTokenizer } from '../../../src/model/tokenizer';
import { bertTokenizerJson, gpt2TokenizerJson, HARD_CASES, lenmlModelDir, robertaTokenizerJson } from './tokenizerSources';

const ALPHABET = [
  'a', 'Z', 'é', 'e\u0301', '\u0301', 'ß', 'İ', 'Σ', 'ﬁ', '東', '서', '😀', '👩‍👩‍👧', '🇫🇷', '\ud83d', '\ude00', '\u0000', '\u0007', '\u200b', '\u00ad', '\ufeff', '\ufffd',
  ' ', '  ', '\t', '\n', '\r\n', '\r', '\u00a0', '\u3000', '\u2028', '1', '234', '.', "'s", "'", '-', '<', '>', '##', '▁', 'Ġ', '<s>', '</s>', '[CLS]', '[MASK]', '<mask>', '<|endoftext|>', '<|eot_id|>', '<0x41>', 'the', 'fox', 'Unbelievable',
];

function hostileTexts(count: number, seed: number): string[] {
  const random = uniform01(seed);
  const texts = ['', ' ', '\n', '😀', '\ud83d', '<s>', '[CLS]', '<|endoftext|>'];
  for (let i = 0; i < count; i++) {
    const length = 1 + Math.floor(random() * 24);
    let text = '';
    for (let k = 0; k < length; k++) text += ALPHABET[Math.floor(random() * ALPHABET.length)];
    texts.push(text);
  }
  return texts;
}

test('hostile text: library ids, offsets in order inside the text, no alignment recovery', () => {
  const tokenizers: [string, ModelTokenizer][] = [
    ['gpt2', tokenizerFromJson(gpt2TokenizerJson(), undefined, 'gpt2/tokenizer.json')],
    ['roberta', tokenizerFromJson(robertaTokenizerJson(), undefined, 'roberta/tokenizer.json')],
    ['bert', tokenizerFromJson(bertTokenizerJson(HARD_CASES), undefined, 'bert/tokenizer.json')],
    ['llama2', loadTokenizer(lenmlModelDir('llama2'))],
  ];
  const fixtures = join(__dirname, '..', '..', 'fixtures', 'models');
  if (existsSync(fixtures)) for (const d of readdirSync(fixtures)) if (existsSync(join(fixtures, d, 'tokenizer.json'))) tokenizers.push([`fixture ${d}`, loadTokenizer(join(fixtures, d))]);
  const texts = hostileTexts(300, 20261201);
  for (const [name, tokenizer] of tokenizers) {
    const library = (tokenizer as unknown as { library: Tokenizer }).library;
    for (const text of texts) {
      const label = `${name} ${JSON.stringify(text)}`;
      const e = tokenizer.encode(text);
      if (text.length > 0) assert.deepEqual(e.ids, library.encode(text).ids, label);
      let last: readonly [number, number] = [0, 0];
      e.offsets.forEach((offset, i) => {
        assert.equal(offset === null, e.wordIds[i] === null, `${label}: null offsets ⇔ null word`);
        if (!offset) return;
        assert.ok(offset[0] >= 0 && offset[0] <= offset[1] && offset[1] <= text.length, `${label}: token ${i} [${offset}]`);
        assert.ok(offset[0] >= last[0] && offset[1] >= last[1], `${label}: token ${i} [${offset}] after [${last}]`);
        last = offset;
      });
    }
    assert.equal((tokenizer as unknown as { stats: { resyncs: number } }).stats.resyncs, 0, `${name}: no alignment recovery`);
  }
});
