/**
 * Offsets: the text at each token's offsets must produce that token.
 *
 * The oracle never uses Headlight's alignment code. For byte-level and SentencePiece tokenizers it
 * lays the tokens' own bytes end to end (a token's bytes come from its string: GPT-2's
 * byte-to-unicode table written out below from openai/gpt-2 encoder.py, "▁" = space, "<0xNN>" =
 * byte NN), checks they spell the text's UTF-8 exactly, and so knows the bytes of the text each
 * token covers; the expected span is the characters those bytes belong to (a token holding part of
 * a character spans the whole character, the Hugging Face rule), less leading spaces where the
 * post-processor trims offsets (RoBERTa). For WordPiece the slice, lower-cased and stripped of
 * accents, must equal the token without "##". Both also check: offsets inside the text,
 * starts and ends never going back, post-processor specials with null offsets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTokenizer, tokenizerFromJson, type EncodedText, type ModelTokenizer } from '../../../src/model/tokenizer';
import { bertTokenizerJson, corpus, gpt2TokenizerJson, HARD_CASES, lenmlModelDir, robertaTokenizerJson } from './tokenizerSources';

const texts = corpus(1200, 24);

/** openai/gpt-2 src/encoder.py bytes_to_unicode, inverted: character → byte. */
const UNICODE_TO_BYTE = (() => {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  return new Map(cs.map((c, i) => [String.fromCharCode(c), bs[i]]));
})();

const utf8 = (s: string) => [...new TextEncoder().encode(s)];

function byteLevelBytes(token: string): number[] {
  return [...token].map((c) => {
    const byte = UNICODE_TO_BYTE.get(c);
    assert.ok(byte !== undefined, `byte-level token ${JSON.stringify(token)} has a character outside the table`);
    return byte;
  });
}

function sentencePieceBytes(token: string): number[] {
  const byte = /^<0x([0-9A-F]{2})>$/.exec(token);
  return byte ? [parseInt(byte[1], 16)] : utf8(token.replace(/▁/g, ' '));
}

/** For each UTF-8 byte of `text`, the UTF-16 range of its character. */
function byteOwners(text: string): [number, number][] {
  const owners: [number, number][] = [];
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i) as number;
    const length = cp > 0xffff ? 2 : 1;
    for (const _ of utf8(String.fromCodePoint(cp))) owners.push([i, i + length]);
    i += length;
  }
  return owners;
}

function checkShape(text: string, encoded: EncodedText, label: string): void {
  let lastStart = 0;
  let lastEnd = 0;
  encoded.offsets.forEach((offset, i) => {
    if (offset === null) {
      assert.ok(encoded.special[i], `${label}: token ${i} without offsets is a post-processor special`);
      assert.equal(encoded.wordIds[i], null);
      return;
    }
    const [start, end] = offset;
    assert.ok(0 <= start && start <= end && end <= text.length, `${label}: token ${i} ${JSON.stringify(encoded.tokens[i])} offsets [${start}, ${end}) inside [0, ${text.length}]`);
    assert.ok(start >= lastStart && end >= lastEnd, `${label}: token ${i} offsets [${start}, ${end}) do not go back from [${lastStart}, ${lastEnd})`);
    lastStart = start;
    lastEnd = end;
  });
  const words = encoded.wordIds.filter((w): w is number => w !== null);
  words.forEach((w, i) => assert.ok(i === 0 || w >= words[i - 1], `${label}: word ids never decrease`));
}

/**
 * The byte oracle. `prefixBytes`: bytes the tokenizer adds before the text (SentencePiece's "▁"),
 * owned by the first character. `trimLeadingSpaces`: RoBERTa's trim_offsets.
 */
function checkByBytes(text: string, encoded: EncodedText, bytesOf: (token: string) => number[], label: string, options: { prefixBytes?: number[]; trimLeadingSpaces?: boolean } = {}): number {
  const content = encoded.tokens.map((t, i) => ({ t, i })).filter(({ i }) => encoded.offsets[i] !== null);
  const owners = byteOwners(text);
  const textBytes = utf8(text);
  const prefix = options.prefixBytes ?? [];
  const laid = content.flatMap(({ t }) => bytesOf(t));
  const firstOwner: [number, number] = owners[0] ?? [0, 0];
  const expectedBytes = text.length > 0 ? [...prefix, ...textBytes] : [];
  assert.deepEqual(laid, expectedBytes, `${label}: the tokens' bytes spell the text`);
  const allOwners = [...prefix.map(() => firstOwner), ...owners];
  let at = 0;
  let checked = 0;
  for (const { t, i } of content) {
    const bytes = bytesOf(t);
    let from = at;
    const to = at + bytes.length;
    if (options.trimLeadingSpaces) {
      // byte_level.rs process_offsets: leading "Ġ"s leave the span (the first token keeps one when add_prefix_space).
      while (from < to && laid[from] === 0x20) from++;
    }
    const expected: [number, number] = from < to ? [allOwners[from][0], allOwners[to - 1][1]] : [allOwners[Math.min(to, allOwners.length) - 1]?.[1] ?? 0, allOwners[Math.min(to, allOwners.length) - 1]?.[1] ?? 0];
    assert.deepEqual(encoded.offsets[i], expected, `${label}: token ${i} ${JSON.stringify(t)} covers ${JSON.stringify(text.slice(expected[0], expected[1]))}, got ${JSON.stringify(encoded.offsets[i] && text.slice(encoded.offsets[i]![0], encoded.offsets[i]![1]))}`);
    at = to;
    checked++;
  }
  return checked;
}

let llama3: ModelTokenizer | undefined;
let llama2: ModelTokenizer | undefined;
const gpt2 = tokenizerFromJson(gpt2TokenizerJson(), undefined, 'gpt2/tokenizer.json');

test('GPT-2: every token covers the characters of its bytes, leading space included', () => {
  let checked = 0;
  for (const text of texts) {
    const encoded = gpt2.encode(text);
    checkShape(text, encoded, 'gpt2');
    checked += checkByBytes(text, encoded, byteLevelBytes, 'gpt2');
  }
  assert.ok(checked > 3000, `${checked} tokens checked`);
  assert.equal((gpt2 as unknown as { stats: { resyncs: number } }).stats.resyncs, 0, 'no alignment had to be recovered');
});

test('GPT-2: the pieces of one emoji share its span; " world" keeps its space', () => {
  const text = 'Hi 😀 world';
  const e = gpt2.encode(text);
  const emoji = e.tokens.map((_, i) => i).filter((i) => e.offsets[i] !== null && text.slice(...(e.offsets[i] as [number, number])).includes('😀'));
  assert.ok(emoji.length >= 2, `the emoji is split into ${emoji.length} byte-level tokens`);
  assert.deepEqual(e.offsets[emoji[emoji.length - 1]], [3, 5], 'the last piece spans the whole emoji (a surrogate pair)');
  const world = e.tokens.indexOf('Ġworld');
  assert.deepEqual(e.offsets[world], [5, 11]);
  assert.equal(text.slice(5, 11), ' world');
});

test('Llama-3: byte oracle on the corpus; typed specials have offsets', () => {
  llama3 ??= loadTokenizer(lenmlModelDir('llama3'));
  let checked = 0;
  for (const text of texts) {
    const encoded = llama3.encode(text);
    checkShape(text, encoded, 'llama3');
    checked += checkByBytes(text, encoded, byteLevelBytes, 'llama3');
  }
  assert.ok(checked > 3000, `${checked} tokens checked`);
  const text = 'a<|eot_id|> b';
  const e = llama3.encode(text);
  const at = e.tokens.indexOf('<|eot_id|>');
  assert.deepEqual(e.offsets[at], [1, 11]);
  assert.equal(e.special[at], true);
  assert.notEqual(e.wordIds[at], null);
  assert.equal((llama3 as unknown as { stats: { resyncs: number } }).stats.resyncs, 0);
});

test('SentencePiece BPE with byte fallback (@lenml llama2 file): "▁" covers the space, <0xNN> bytes span their character, <s> has no offsets', () => {
  llama2 ??= loadTokenizer(lenmlModelDir('llama2'));
  let checked = 0;
  for (const text of texts) {
    const encoded = llama2.encode(text);
    checkShape(text, encoded, 'llama2');
    assert.equal(encoded.tokens[0], '<s>');
    assert.equal(encoded.offsets[0], null);
    checked += checkByBytes(text, encoded, sentencePieceBytes, 'llama2', { prefixBytes: [0x20] });
  }
  assert.ok(checked > 3000, `${checked} tokens checked`);
  const e = llama2.encode('go 🦙 go', { addSpecialTokens: false });
  const bytes = e.tokens.map((_, i) => i).filter((i) => /^<0x/.test(e.tokens[i]));
  assert.ok(bytes.length === 4, `the llama emoji falls back to its 4 bytes (${e.tokens.join(' ')})`);
  for (const i of bytes) assert.deepEqual(e.offsets[i], [3, 5]);
  const go = e.tokens.lastIndexOf('▁go');
  assert.deepEqual(e.offsets[go], [5, 8], '"▁go" includes its space');
  // Words: a "▁" starts one.
  const words = new Set(e.wordIds);
  assert.equal(words.size, 3, `three words (${e.wordIds.join(',')})`);
  assert.equal((llama2 as unknown as { stats: { resyncs: number } }).stats.resyncs, 0);
});

test('RoBERTa-style (RobertaProcessing trim_offsets): leading spaces leave the span; <s> </s> have none', () => {
  const roberta = tokenizerFromJson(robertaTokenizerJson(), undefined, 'roberta/tokenizer.json');
  let checked = 0;
  for (const text of texts) {
    const encoded = roberta.encode(text);
    checkShape(text, encoded, 'roberta');
    assert.equal(encoded.tokens[0], '<s>');
    assert.equal(encoded.tokens[encoded.tokens.length - 1], '</s>');
    assert.equal(encoded.offsets[0], null);
    checked += checkByBytes(text, encoded, byteLevelBytes, 'roberta', { trimLeadingSpaces: true });
  }
  assert.ok(checked > 3000, `${checked} tokens checked`);
  const text = 'Hello world';
  const e = roberta.encode(text);
  assert.deepEqual(e.offsets, [null, [0, 5], [6, 11], null]);
  // <mask> has lstrip: it takes the space before it, and the text's typed <s> keeps offsets.
  const m = roberta.encode('a <mask> b<s>', { addSpecialTokens: false });
  assert.deepEqual(m.tokens, ['a', '<mask>', 'Ġb', '<s>']);
  assert.deepEqual(m.offsets, [[0, 1], [1, 8], [9, 10], [10, 13]]);
  assert.equal(roberta.maskTokenId, 50261);
});

test('BERT-style WordPiece (BertNormalizer lowercase + strip accents): the slice normalizes to the token', () => {
  const unknown = ['🦙'];
  const bert = tokenizerFromJson(bertTokenizerJson([...HARD_CASES, ...texts], unknown), undefined, 'bert/tokenizer.json');
  // Final sigma aside: the library lower-cases whole strings (ς at a word end), a slice alone gives σ.
  const normalize = (s: string) => s.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '').replace(/ς/g, 'σ');
  let checked = 0;
  let pieces = 0;
  for (const text of [...texts, 'The CAFÉ had 🦙 llamas; Naïve résumés. 東京タワー UNBELIEVABLE']) {
    const encoded = bert.encode(text);
    checkShape(text, encoded, 'bert');
    assert.equal(encoded.tokens[0], '[CLS]');
    assert.equal(encoded.offsets[0], null);
    assert.equal(encoded.tokens[encoded.tokens.length - 1], '[SEP]');
    // Consecutive tokens with the same span are pieces of one character (NFD splits a Hangul
    // syllable into jamo): together they must spell it.
    for (let i = 0; i < encoded.tokens.length; ) {
      const offset = encoded.offsets[i];
      if (offset === null) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < encoded.tokens.length && encoded.offsets[j]?.[0] === offset[0] && encoded.offsets[j]?.[1] === offset[1]) j++;
      const group = encoded.tokens.slice(i, j);
      const slice = text.slice(offset[0], offset[1]);
      if (group.includes('[UNK]')) {
        assert.equal(group.length, 1);
        assert.ok(slice.length > 0 && !/\s/u.test(slice), `[UNK] covers one whole word, got ${JSON.stringify(slice)}`);
      } else {
        const surface = group.map((t, k) => (t.startsWith('##') && (k > 0 || encoded.wordIds[i - 1] === encoded.wordIds[i]) ? t.slice(2) : t)).join('');
        assert.equal(normalize(slice).replace(/[\p{Cc}\p{Cf}]/gu, ''), surface.replace(/ς/g, 'σ'), `bert tokens ${i}..${j} ${JSON.stringify(group)} from ${JSON.stringify(slice)}`);
        pieces += group.filter((t) => t.startsWith('##')).length;
      }
      checked += j - i;
      i = j;
    }
  }
  assert.ok(checked > 3000 && pieces > 500, `${checked} tokens checked, ${pieces} continuation pieces`);
  const e = bert.encode('Unbelievable CAFÉ');
  assert.deepEqual(e.tokens, ['[CLS]', 'un', '##believ', '##able', 'cafe', '[SEP]']);
  assert.deepEqual(e.offsets, [null, [0, 2], [2, 8], [8, 12], [13, 17], null]);
  assert.deepEqual(e.wordIds, [null, 0, 0, 0, 1, null]);
  const d = bert.encode('Cafe\u0301!', { addSpecialTokens: false });
  assert.deepEqual(d.tokens, ['cafe', '!']);
  assert.deepEqual(d.offsets, [[0, 5], [5, 6]], 'the combining accent belongs to its letter');
  assert.equal(bert.maskTokenId, 4);
  assert.equal((bert as unknown as { stats: { resyncs: number } }).stats.resyncs, 0);
});
