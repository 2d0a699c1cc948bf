/**
 * Encoding with offsets: the library's tokens, each mapped back to the text it came from.
 *
 * Contract: `encodeWithOffsets(pipeline, text, addSpecialTokens)` returns the tokens that
 * `@huggingface/tokenizers` produces for `text` (the library's normalizer, pre-tokenizer, model
 * and post-processor objects are called, never re-implemented), and for each token its UTF-16
 * range in `text`, whether it is special, and its word. The library returns strings only, so the
 * offsets come from replaying its `Tokenizer.encode_text` stage by stage on aligned text
 * (aligned.ts):
 *
 *   1. added tokens: the text is split on added tokens that are matched before normalization
 *      (the library's DictionarySplitter rule: longest match, leftmost first); `lstrip`/`rstrip`
 *      eat the neighbouring whitespace, which then belongs to the added token's span (Rust
 *      AddedVocabulary). A typed special token has offsets; only the post-processor's have none.
 *   2. normalization with alignments (normalize.ts), then the split on normalized added tokens.
 *   3. pre-tokenization by the library; each returned piece is located in the normalized text
 *      (in byte-level space when the pre-tokenizer has a ByteLevel step, where every byte-char
 *      carries the range of its whole character). Metaspace's "▁" matches a space; a prefix
 *      "▁"/"Ġ" the pre-tokenizer added matches nothing and takes the next character's range
 *      (Rust `prepend`). Skipped text between pieces must be whitespace, or anything when a
 *      Split removes delimiters.
 *   4. the model runs on each piece alone (Rust runs it per pre-token; the library would fuse
 *      unknowns across pieces); its tokens are walked along the piece: "##"/end-of-word
 *      decorations are stripped, a `<0xNN>` byte-fallback token covers the whole character its
 *      byte belongs to (so the four bytes of an emoji share one span), an unknown token covers
 *      everything up to where the next token matches.
 *   5. post-processing: the library's post-processor runs on sentinel strings, so the tokens it
 *      inserts are told apart from the text's even when they are spelled the same; those get
 *      null offsets and null word ids. `trim_offsets` (RobertaProcessing, ByteLevel) then moves
 *      a token's start past its leading "Ġ"s and its end before trailing ones, exactly as
 *      tokenizers/src/pre_tokenizers/byte_level.rs `process_offsets` does (GPT-2 and Llama keep
 *      the space inside the token; RoBERTa trims it).
 *
 * Words: every pre-tokenized piece and every typed added token is one word (the Rust word
 * index). When the vocabulary marks words with "▁" instead of pre-tokenizing (Llama-2, whose
 * whole text is one piece), a token starting with "▁" starts a new word, so word views work.
 *
 * Robustness: if a stage cannot be replayed exactly (a piece not found where it should be, a
 * token that does not spell its piece), alignment is recovered by resync and `stats` counts it;
 * the tokens and ids are never affected, only the precision of that token's span. Tests assert
 * zero recoveries on their corpora.
 */
import { AlignedBuilder, alignByResync, alignedOriginal, codePointLength, rangeOf, sliceAligned, type AlignedText } from './aligned';
import { BYTE_TO_CHAR, CHAR_TO_BYTE, utf8OfCodePointAt } from './byteLevel';
import { edgeRange, normalizeAligned, type AlignStats, type LibNormalizer } from './normalize';

/** The parts of the library's objects this file calls. */
export interface LibPreTokenizer {
  pre_tokenize(text: string | string[], options?: { section_index?: number }): string[];
}
export interface LibModel {
  _call(tokens: string[]): string[];
  readonly tokens_to_ids: Map<string, number>;
  readonly vocab: string[];
  readonly unk_token?: string;
  readonly unk_token_id?: number;
}
export interface LibPostProcessor {
  _call(tokens: string[], pair: string[] | null, addSpecialTokens: boolean): { tokens: string[] };
}

export interface AddedTokenInfo {
  readonly id: number;
  readonly content: string;
  readonly lstrip: boolean;
  readonly rstrip: boolean;
  readonly special: boolean;
  readonly normalized: boolean;
}

/** Everything encodeWithOffsets needs, prepared once per tokenizer. */
export interface Pipeline {
  readonly normalizer: LibNormalizer | null;
  readonly preTokenizer: LibPreTokenizer | null;
  readonly model: LibModel;
  readonly postProcessor: LibPostProcessor | null;
  /** Replaces the post-processor's specials (tokenizer_config add_bos_token / add_eos_token). */
  readonly bosEos?: { readonly bos: string | null; readonly eos: string | null };
  readonly addedByContent: ReadonlyMap<string, AddedTokenInfo>;
  readonly unnormalizedSplitter: Trie;
  readonly normalizedSplitter: Trie;
  readonly pieces: PieceRules;
  readonly tokenRules: TokenRules;
  readonly trims: readonly { readonly addPrefixSpace: boolean }[];
  readonly removeSpace: boolean;
  /** tokenizer_config's do_lowercase_and_remove_accent (XLM), applied before the normalizer as the library does. */
  readonly lowercaseAndRemoveAccent: boolean;
}

export interface PieceRules {
  /** The pre-tokenizer has a ByteLevel step: pieces are byte-level characters. */
  readonly byteLevel: boolean;
  /** ByteLevel's add_prefix_space: a piece may start with a "Ġ" the text does not have. */
  readonly byteLevelPrefix: boolean;
  /** Metaspace's replacement character, when the pre-tokenizer has a Metaspace step. */
  readonly metaspace: string | null;
  /** A Split removes delimiters: anything may lie between two pieces. */
  readonly skipsAnything: boolean;
}

export interface TokenRules {
  /** WordPiece's "##" (tokens after the first of a word start with it). */
  readonly continuingPrefix: string | null;
  /** BPE's end-of-word suffix (the last token of a word ends with it). */
  readonly endOfWordSuffix: string | null;
  /** The library's BPE continuing-subword suffix (every token but the last ends with it). */
  readonly continuingSuffix: string | null;
  readonly byteFallback: boolean;
  /** The character that marks a word start inside a piece ("▁"), when the vocabulary uses one. */
  readonly wordMarker: string | null;
}

export interface RawEncoding {
  readonly ids: number[];
  readonly tokens: string[];
  readonly offsets: ([number, number] | null)[];
  readonly special: boolean[];
  readonly wordIds: (number | null)[];
}

interface Token {
  token: string;
  start: number;
  end: number;
  word: number;
}

// ---------------------------------------------------------------------------------------------
// Added-token splitting (the library's DictionarySplitter, with positions)

export class Trie {
  private readonly root: TrieNode = new Map();

  constructor(words: Iterable<string>) {
    for (const word of words) {
      if (word.length === 0) continue;
      let node = this.root;
      for (let i = 0; i < word.length; i++) {
        let next = node.get(word[i]) as TrieNode | undefined;
        if (!next) {
          next = new Map();
          node.set(word[i], next);
        }
        node = next;
      }
      node.set(END, word);
    }
  }

  get empty(): boolean {
    return this.root.size === 0;
  }

  /** [start, end, isMatch] runs covering `text`: the longest match at the leftmost position wins. */
  split(text: string): [number, number, boolean][] {
    const out: [number, number, boolean][] = [];
    if (this.empty) return text.length > 0 ? [[0, text.length, false]] : [];
    let start = 0;
    let i = 0;
    while (i < text.length) {
      let node: TrieNode | undefined = this.root;
      let matchEnd = -1;
      for (let j = i; j < text.length; j++) {
        node = node.get(text[j]) as TrieNode | undefined;
        if (!node) break;
        if (node.has(END)) matchEnd = j + 1;
      }
      if (matchEnd > 0) {
        if (i > start) out.push([start, i, false]);
        out.push([i, matchEnd, true]);
        i = matchEnd;
        start = i;
      } else {
        i++;
      }
    }
    if (start < text.length) out.push([start, text.length, false]);
    return out;
  }
}
const END = '\u0000end';
type TrieNode = Map<string, TrieNode | string>;

interface Section {
  start: number;
  end: number;
  added?: AddedTokenInfo;
  /** The span an added token claims, stripped whitespace included. */
  spanStart: number;
  spanEnd: number;
}

/** Splits units [0, n) on added tokens and applies lstrip/rstrip as the library does (trimEnd/trimStart of the neighbours). */
function sections(text: string, trie: Trie, added: ReadonlyMap<string, AddedTokenInfo>): Section[] {
  const runs = trie.split(text).map(([start, end, isMatch]): Section => {
    const token = isMatch ? added.get(text.slice(start, end)) : undefined;
    return { start, end, added: token, spanStart: start, spanEnd: end };
  });
  for (let i = 0; i < runs.length; i++) {
    const token = runs[i].added;
    if (!token) continue;
    if (token.lstrip && i > 0) {
      const before = runs[i - 1];
      const kept = text.slice(before.start, before.end).trimEnd().length;
      runs[i].spanStart = Math.min(runs[i].spanStart, before.start + kept);
      before.end = before.start + kept;
      if (before.added) before.spanEnd = Math.min(before.spanEnd, before.end);
    }
    if (token.rstrip && i + 1 < runs.length) {
      const after = runs[i + 1];
      const dropped = text.slice(after.start, after.end).length - text.slice(after.start, after.end).trimStart().length;
      runs[i].spanEnd = Math.max(runs[i].spanEnd, after.start + dropped);
      after.start += dropped;
    }
  }
  return runs.filter((run) => run.end > run.start);
}

// ---------------------------------------------------------------------------------------------
// The pipeline

export function encodeWithOffsets(pipeline: Pipeline, text: string, addSpecialTokens: boolean, stats: AlignStats): RawEncoding {
  const tokens: Token[] = [];
  let word = 0;
  const original = alignedOriginal(text);

  const outer = sections(text, pipeline.unnormalizedSplitter, pipeline.addedByContent);
  outer.forEach((section, sectionIndex) => {
    if (section.added) {
      tokens.push({ token: section.added.content, start: section.spanStart, end: section.spanEnd, word: word++ });
      return;
    }
    // Pass 2: normalize the section (the library normalizes each section on its own).
    let current = sliceAligned(original, section.start, section.end);
    if (pipeline.removeSpace) current = collapseWhitespace(current);
    if (pipeline.lowercaseAndRemoveAccent) current = normalizeAligned(LOWERCASE_AND_REMOVE_ACCENT, current, stats);
    if (pipeline.normalizer) current = normalizeAligned(pipeline.normalizer, current, stats);
    if (current.text.length === 0) return;

    for (const inner of sections(current.text, pipeline.normalizedSplitter, pipeline.addedByContent)) {
      if (inner.added) {
        const spanFrom = rangeOf(current, inner.spanStart, inner.spanEnd) ?? edgeRange(current, inner.spanStart);
        tokens.push({ token: inner.added.content, start: spanFrom[0], end: spanFrom[1], word: word++ });
        continue;
      }
      const sub = sliceAligned(current, inner.start, inner.end);
      // Pass 3: pre-tokenize with the library, locate each piece.
      const pieces = pipeline.preTokenizer ? pipeline.preTokenizer.pre_tokenize(sub.text, { section_index: sectionIndex }) : [sub.text];
      const target = pipeline.pieces.byteLevel ? toByteLevel(sub) : sub;
      let cursor = 0;
      for (const piece of pieces) {
        if (piece.length === 0) continue;
        const located = locatePiece(piece, target, cursor, pipeline.pieces, stats);
        cursor = located.next;
        // Pass 4: the model on this piece alone, its tokens walked along the piece.
        const pieceTokens = pipeline.model._call([piece]);
        word = alignTokens(pieceTokens, located.aligned, pipeline, word, tokens, stats);
      }
    }
  });

  // Pass 5: trim offsets, then the post-processor's specials.
  for (const trim of pipeline.trims) trimOffsets(tokens, trim.addPrefixSpace);
  return postProcess(pipeline, tokens, addSpecialTokens);
}

/** The library's `lowercase_and_remove_accents`: lower-case, then drop every combining mark. */
const LOWERCASE_AND_REMOVE_ACCENT: LibNormalizer = {
  config: { type: 'LowercaseAndRemoveAccent' },
  normalize: (text) => text.toLowerCase().replace(/\p{M}/gu, ''),
};

/** The library's `remove_space`: trim, and every run of whitespace becomes one space (aligned to the run). */
function collapseWhitespace(input: AlignedText): AlignedText {
  const out = new AlignedBuilder();
  const trimmed = input.text.trim();
  const from = input.text.indexOf(trimmed);
  let i = from;
  const end = from + trimmed.length;
  while (i < end) {
    const m = /\s+/y;
    m.lastIndex = i;
    const run = m.exec(input.text);
    if (run && run.index === i) {
      const range = rangeOf(input, i, i + run[0].length) ?? edgeRange(input, i);
      out.push(' ', range[0], range[1]);
      i += run[0].length;
    } else {
      out.pushSlice(input, i, i + 1);
      i++;
    }
  }
  return out.build();
}

/** Each UTF-8 byte of each character as its byte-level character, carrying the character's range. */
function toByteLevel(input: AlignedText): AlignedText {
  const text = input.text;
  const n = text.length;
  // At most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units).
  const codes = new Uint16Array(3 * n);
  const starts = new Int32Array(3 * n);
  const ends = new Int32Array(3 * n);
  let k = 0;
  for (let i = 0; i < n; ) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) {
      codes[k] = BYTE_TO_CODE[unit];
      starts[k] = input.starts[i];
      ends[k] = input.ends[i];
      k++;
      i++;
      continue;
    }
    const length = codePointLength(text, i);
    const range = rangeOf(input, i, i + length) ?? edgeRange(input, i);
    for (const byte of utf8OfCodePointAt(text, i)) {
      codes[k] = BYTE_TO_CODE[byte];
      starts[k] = range[0];
      ends[k] = range[1];
      k++;
    }
    i += length;
  }
  let out = '';
  for (let at = 0; at < k; at += 8192) out += String.fromCharCode(...codes.subarray(at, Math.min(k, at + 8192)));
  return { text: out, starts: starts.slice(0, k), ends: ends.slice(0, k) };
}
const BYTE_TO_CODE = Uint16Array.from(BYTE_TO_CHAR, (c) => c.charCodeAt(0));

function isSkippable(unit: string, rules: PieceRules): boolean {
  if (rules.byteLevel) {
    const byte = CHAR_TO_BYTE.get(unit);
    return byte !== undefined && (byte === 0x20 || (byte >= 0x09 && byte <= 0x0d));
  }
  return /\s/u.test(unit);
}

/** Finds `piece` in `target` at or after `cursor`; returns the piece with each unit's range. */
function locatePiece(piece: string, target: AlignedText, cursor: number, rules: PieceRules, stats: AlignStats): { aligned: AlignedText; next: number } {
  const t = target.text;
  const prefixable = piece.length > 1 && ((rules.byteLevelPrefix && piece[0] === BYTE_TO_CHAR[0x20]) || (rules.metaspace !== null && piece[0] === rules.metaspace));
  // Right here (whitespace may be skipped), then with a prefix the text lacks, then anywhere
  // further on: legitimate when a Split removes delimiters, a recovery otherwise.
  for (let attempt = 0; attempt < 4; attempt++) {
    const skip = attempt % 2;
    const anything = attempt >= 2;
    if (skip === 1 && !prefixable) continue;
    for (let at = cursor; at + piece.length - skip <= t.length; at++) {
      if (matchesAt(piece, skip, t, at, rules.metaspace)) {
        if (anything && !rules.skipsAnything) stats.resyncs++;
        const starts = new Int32Array(piece.length);
        const ends = new Int32Array(piece.length);
        if (skip === 1) {
          starts[0] = target.starts[at];
          ends[0] = target.ends[at];
        }
        starts.set(target.starts.subarray(at, at + piece.length - skip), skip);
        ends.set(target.ends.subarray(at, at + piece.length - skip), skip);
        return { aligned: { text: piece, starts, ends }, next: at + piece.length - skip };
      }
      if (!anything && !isSkippable(t[at], rules)) break;
    }
  }
  stats.resyncs++;
  const rest = sliceAligned(target, cursor, t.length);
  const { aligned, consumed } = alignByResync(rest, piece);
  return { aligned, next: cursor + consumed };
}

/** Does piece[skip..] equal t[at..] (Metaspace's replacement matching a space)? */
function matchesAt(piece: string, skip: number, t: string, at: number, metaspace: string | null): boolean {
  if (at + piece.length - skip > t.length) return false;
  for (let k = skip; k < piece.length; k++) {
    const p = piece.charCodeAt(k);
    const u = t.charCodeAt(at + k - skip);
    if (p !== u && !(metaspace !== null && u === 0x20 && piece[k] === metaspace)) return false;
  }
  return true;
}

const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;
const SENTINEL = '\u0000headlight-sequence\u0000';

/** Walks the model's tokens for one piece along it; pushes them with offsets; returns the next word id. */
function alignTokens(pieceTokens: string[], piece: AlignedText, pipeline: Pipeline, word: number, out: Token[], stats: AlignStats): number {
  const rules = pipeline.tokenRules;
  const p = piece.text;
  const unk = pipeline.model.unk_token;
  let u = 0;
  let byteIndex = 0;
  const thisWord = word;
  let currentWord = thisWord;
  let nextWord = thisWord + 1;
  for (let index = 0; index < pieceTokens.length; index++) {
    const token = pieceTokens[index];
    let from = u;
    let to = u;
    if (isByteToken(pipeline, token)) {
      if (u < p.length) {
        const length = codePointLength(p, u);
        to = u + length;
        byteIndex++;
        if (byteIndex >= utf8OfCodePointAt(p, u).length) {
          u += length;
          byteIndex = 0;
        }
      }
    } else {
      if (byteIndex !== 0) {
        // A character's bytes were not all consumed: treat it as done.
        stats.resyncs++;
        u += codePointLength(p, u);
        byteIndex = 0;
        from = u;
      }
      if (unk !== undefined && token === unk && !p.startsWith(token, u)) {
        to = unknownEnd(pipeline, pieceTokens, index, p, u);
        u = to;
      } else {
        const surface = surfaceOf(rules, token, index, pieceTokens.length);
        if (p.startsWith(surface, u)) {
          to = u + surface.length;
        } else {
          stats.resyncs++;
          const at = surface.length > 0 ? p.indexOf(surface, u) : -1;
          if (at >= 0) {
            from = at;
            to = at + surface.length;
          }
        }
        u = Math.max(u, to);
      }
    }
    if (rules.wordMarker !== null && index > 0 && token.startsWith(rules.wordMarker) && !isByteToken(pipeline, token)) currentWord = nextWord++;
    const range = rangeOf(piece, from, to) ?? edgeRange(piece, Math.min(from, p.length));
    out.push({ token, start: range[0], end: range[1], word: currentWord });
  }
  return nextWord;
}

/** The text a token spells inside its piece: without WordPiece's "##" and BPE's word-end decorations. */
function surfaceOf(rules: TokenRules, token: string, index: number, count: number): string {
  let s = token;
  if (rules.continuingPrefix && index > 0 && s.startsWith(rules.continuingPrefix)) s = s.slice(rules.continuingPrefix.length);
  if (rules.endOfWordSuffix && index === count - 1 && s.endsWith(rules.endOfWordSuffix)) s = s.slice(0, -rules.endOfWordSuffix.length);
  if (rules.continuingSuffix && index < count - 1 && s.endsWith(rules.continuingSuffix)) s = s.slice(0, -rules.continuingSuffix.length);
  return s;
}

function isByteToken(pipeline: Pipeline, token: string): boolean {
  return pipeline.tokenRules.byteFallback && token.length === 6 && BYTE_TOKEN.test(token) && pipeline.model.tokens_to_ids.has(token);
}

/** Where an unknown token ends: where the next token's text starts (at least one character on). */
function unknownEnd(pipeline: Pipeline, tokens: string[], index: number, p: string, u: number): number {
  if (index === tokens.length - 1 || u >= p.length) return p.length;
  const step = u + codePointLength(p, u);
  const next = tokens[index + 1];
  if (isByteToken(pipeline, next)) return step;
  const surface = surfaceOf(pipeline.tokenRules, next, index + 1, tokens.length);
  const at = surface.length > 0 ? p.indexOf(surface, step) : -1;
  return at >= 0 ? at : step;
}

/** tokenizers/src/pre_tokenizers/byte_level.rs `process_offsets`, on UTF-16 offsets. */
export function trimOffsets(tokens: { token: string; start: number; end: number }[], addPrefixSpace: boolean): void {
  const space = BYTE_TO_CHAR[0x20];
  const isSpace = (c: string) => c === space || /\s/u.test(c);
  tokens.forEach((token, i) => {
    const chars = [...token.token];
    let leading = 0;
    while (leading < chars.length && isSpace(chars[leading])) leading++;
    let trailing = 0;
    while (trailing < chars.length && isSpace(chars[chars.length - 1 - trailing])) trailing++;
    if (leading > 0) {
      const isFirst = i === 0 || token.start === 0;
      if (isFirst && addPrefixSpace && leading === 1) leading = 0;
      token.start = Math.min(token.start + leading, token.end);
    }
    if (trailing > 0 && token.end >= trailing) token.end = Math.max(token.end - trailing, token.start);
  });
}

function postProcess(pipeline: Pipeline, tokens: Token[], addSpecialTokens: boolean): RawEncoding {
  let sequence: (Token | string)[];
  if (pipeline.bosEos) {
    const { bos, eos } = pipeline.bosEos;
    sequence = [...(addSpecialTokens && bos !== null ? [bos] : []), ...tokens, ...(addSpecialTokens && eos !== null ? [eos] : [])];
  } else if (pipeline.postProcessor) {
    // A sentinel tells the text's tokens from the ones the post-processor inserts, even when
    // they are spelled the same. The library's post-processors treat the sequence as one block,
    // so one sentinel stands for all of it; anything else gets one sentinel per token.
    const block = pipeline.postProcessor._call([SENTINEL], null, addSpecialTokens).tokens;
    if (block.filter((entry) => entry === SENTINEL).length === 1) {
      sequence = block.flatMap((entry): (Token | string)[] => (entry === SENTINEL ? tokens : [entry]));
    } else {
      const sentinels = tokens.map((_, i) => `${SENTINEL}${i}`);
      const index = new Map(sentinels.map((s, i) => [s, i]));
      sequence = pipeline.postProcessor._call(sentinels, null, addSpecialTokens).tokens.map((entry) => {
        const at = index.get(entry);
        return at === undefined ? entry : tokens[at];
      });
    }
  } else {
    sequence = tokens;
  }
  const result: RawEncoding = { ids: [], tokens: [], offsets: [], special: [], wordIds: [] };
  for (const entry of sequence) {
    if (typeof entry === 'string') {
      result.ids.push(idOf(pipeline, entry));
      result.tokens.push(entry);
      result.offsets.push(null);
      result.special.push(true);
      result.wordIds.push(null);
      continue;
    }
    const added = pipeline.addedByContent.get(entry.token);
    const known = added?.id ?? pipeline.model.tokens_to_ids.get(entry.token);
    const id = known ?? pipeline.model.unk_token_id ?? -1;
    result.ids.push(id);
    // A string the vocabulary lacks (a Unigram piece of unknown characters) is shown as the unknown token.
    result.tokens.push(known !== undefined ? entry.token : (pipeline.model.vocab[id] ?? entry.token));
    result.offsets.push([entry.start, entry.end]);
    result.special.push(added !== undefined && added.special && added.id === id);
    result.wordIds.push(entry.word);
  }
  return result;
}

/** The library's id rule (Tokenizer.encode): added token, then vocabulary, then the unknown id. */
function idOf(pipeline: Pipeline, token: string): number {
  return pipeline.addedByContent.get(token)?.id ?? pipeline.model.tokens_to_ids.get(token) ?? pipeline.model.unk_token_id ?? -1;
}
