/**
 * Offset rules against the Rust tokenizers' own unit tests (huggingface/tokenizers, the expected
 * values copied from the tests named below; they are byte offsets there, equal to UTF-16 offsets
 * for the ASCII inputs used, and converted by hand for "i⭢j").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenizerFromJson, type EncodedText } from '../../../src/model/tokenizer';
import { trimOffsets } from '../../../src/model/tokenizer/encode';
import { gpt2TokenizerJson } from './tokenizerSources';

/** [min start, max end] of each word, in word order. */
function wordSpans(e: EncodedText): [number, number][] {
  const spans = new Map<number, [number, number]>();
  e.wordIds.forEach((w, i) => {
    const offset = e.offsets[i];
    if (w === null || offset === null) return;
    const span = spans.get(w);
    spans.set(w, span ? [Math.min(span[0], offset[0]), Math.max(span[1], offset[1])] : [offset[0], offset[1]]);
  });
  return [...spans.entries()].sort((a, b) => a[0] - b[0]).map(([, span]) => span);
}

const gpt2 = tokenizerFromJson(gpt2TokenizerJson(), undefined, 'gpt2/tokenizer.json');

test('byte_level.rs handling_of_multiple_whitespaces / handling_of_newlines: word spans are the pre-tokenizer splits', () => {
  assert.deepEqual(wordSpans(gpt2.encode('Hello there       dear')), [[0, 5], [5, 11], [11, 17], [17, 22]]);
  assert.deepEqual(wordSpans(gpt2.encode('Hello there\nHello there')), [[0, 5], [5, 11], [11, 12], [12, 17], [17, 23]]);
  assert.deepEqual(wordSpans(gpt2.encode('Hello my friend, how is your day going?')), [[0, 5], [5, 8], [8, 15], [15, 16], [16, 20], [20, 23], [23, 28], [28, 32], [32, 38], [38, 39]]);
});

test('byte_level.rs offsets_when_char_split_up: every piece of "⭢" spans the whole character', () => {
  const e = gpt2.encode('i⭢j');
  assert.ok(e.tokens.length >= 3);
  assert.deepEqual(e.offsets[0], [0, 1]);
  assert.deepEqual(e.offsets[e.offsets.length - 1], [2, 3]);
  for (const offset of e.offsets.slice(1, -1)) assert.deepEqual(offset, [1, 2]);
  assert.deepEqual(wordSpans(e), [[0, 1], [1, 2], [2, 3]]);
});

test('byte_level.rs processor_trims_offsets: leading and trailing "Ġ" leave the span', () => {
  const tokens = [
    { token: 'Ġ', start: 0, end: 1 },
    { token: 'ĠĠĠĠHelloĠĠ', start: 0, end: 11 },
    { token: 'ĠĠHello', start: 11, end: 18 },
    { token: 'HelloĠĠ', start: 18, end: 25 },
    { token: 'ĠĠĠĠ', start: 25, end: 29 },
  ];
  trimOffsets(tokens, true);
  assert.deepEqual(tokens.map((t) => [t.start, t.end]), [[0, 0], [4, 9], [13, 18], [18, 23], [29, 29]]);
});

/** A Unigram model with Metaspace, as T5/ALBERT tokenizers are laid out. */
function metaspaceUnigram(split: boolean) {
  const pieces = ['<unk>', '▁Hey', '▁', '▁friend!', ...'Heyfrind!'.split('')];
  return tokenizerFromJson(
    {
      version: '1.0',
      added_tokens: [{ id: 0, content: '<unk>', special: true, normalized: false }],
      normalizer: null,
      pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split },
      post_processor: null,
      decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split },
      model: { type: 'Unigram', unk_id: 0, vocab: pieces.map((p, i) => [p, i === 0 ? 0 : p.length > 1 ? -1 : -5]), byte_fallback: false },
    },
    undefined,
    'unigram/tokenizer.json',
  );
}

test('metaspace.rs basic / multiple_spaces: "▁" stands for the space it replaced; the prefix one takes the first character', () => {
  const tokenizer = metaspaceUnigram(true);
  const basic = tokenizer.encode('Hey friend!');
  assert.deepEqual(basic.tokens, ['▁Hey', '▁friend!']);
  assert.deepEqual(basic.offsets, [[0, 3], [3, 11]]);
  const multiple = tokenizer.encode('Hey   friend!');
  assert.deepEqual(multiple.tokens, ['▁Hey', '▁', '▁', '▁friend!']);
  assert.deepEqual(multiple.offsets, [[0, 3], [3, 4], [4, 5], [5, 13]]);
  assert.deepEqual(multiple.wordIds, [0, 1, 2, 3], 'split: every "▁" starts a pre-token');
  assert.equal(tokenizer.kind, 'Unigram');
});

test('tokenizer_config add_bos_token / add_eos_token replace the specials for Llama-family classes only (LlamaTokenizerFast.update_post_processor)', () => {
  const json = {
    version: '1.0',
    added_tokens: [
      { id: 0, content: '<unk>', special: true, normalized: false },
      { id: 1, content: '<s>', special: true, normalized: false },
      { id: 2, content: '</s>', special: true, normalized: false },
    ],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
    pre_tokenizer: null,
    post_processor: { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }], pair: [], special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } } },
    decoder: null,
    model: { type: 'BPE', byte_fallback: false, fuse_unk: true, unk_token: '<unk>', vocab: { '<unk>': 0, '<s>': 1, '</s>': 2, '▁': 3, h: 4, i: 5, '▁h': 6, '▁hi': 7 }, merges: ['▁ h', '▁h i'] },
  };
  const both = tokenizerFromJson(json, { tokenizer_class: 'LlamaTokenizer', add_bos_token: true, add_eos_token: true, bos_token: '<s>', eos_token: { content: '</s>' } }, 'l/tokenizer.json');
  const e = both.encode('hi');
  assert.deepEqual(e.tokens, ['<s>', '▁hi', '</s>']);
  assert.deepEqual(e.offsets, [null, [0, 2], null]);
  assert.deepEqual(both.encode('hi', { addSpecialTokens: false }).tokens, ['▁hi']);
  const none = tokenizerFromJson(json, { tokenizer_class: 'LlamaTokenizerFast', add_bos_token: false }, 'l/tokenizer.json');
  assert.deepEqual(none.encode('hi').tokens, ['▁hi']);
  const other = tokenizerFromJson(json, { tokenizer_class: 'PreTrainedTokenizerFast', add_bos_token: false, add_eos_token: true }, 'l/tokenizer.json');
  assert.deepEqual(other.encode('hi').tokens, ['<s>', '▁hi'], 'the template stays for other classes');
});

test('tokenizer_config remove_space and do_lowercase_and_remove_accent: the library’s ids, offsets back to the original', () => {
  const vocab: Record<string, number> = { '[UNK]': 0 };
  for (const ch of 'abcdefghijklmnopqrstuvwxyz') vocab[ch] = Object.keys(vocab).length;
  const json = { version: '1.0', added_tokens: [], normalizer: null, pre_tokenizer: { type: 'WhitespaceSplit' }, post_processor: null, decoder: null, model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '', vocab } };
  const tokenizer = tokenizerFromJson(json, { remove_space: true, do_lowercase_and_remove_accent: true }, 'x/tokenizer.json');
  const library = (tokenizer as unknown as { library: { encode(t: string): { ids: number[] } } }).library;
  const text = '  Ca\u0301  É  ';
  const e = tokenizer.encode(text);
  assert.deepEqual(e.ids, library.encode(text).ids);
  assert.deepEqual(e.tokens, ['c', 'a', '[UNK]'], 'the library removes combining marks only: a precomposed É stays é');
  assert.deepEqual(e.offsets, [[2, 3], [3, 5], [7, 8]]);
});
