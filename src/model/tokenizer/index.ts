/**
 * Tokenizing for real models, with offsets that map every token back to the user's text.
 *
 * Contract (the seam the model loader and the CLI code against):
 * - `loadTokenizer(dir)` reads `dir/tokenizer.json` (and `dir/tokenizer_config.json` when
 *   present); `tokenizerFromJson(json, configJson, file)` builds the same from already-parsed JSON
 *   and needs no fs (workers, the web extension: import './tokenizer' directly there).
 * - Tokens and ids are `@huggingface/tokenizers`' own; offsets, specials and words are computed
 *   here by replaying the library's pipeline on aligned text (encode.ts says how, and which Rust
 *   rules each step follows).
 * - `encode(text).offsets[i]` is [start, end) in UTF-16 code units of `text` (VS Code positions);
 *   null only for the specials the post-processor adds ([CLS], <s>, …). Special tokens typed in
 *   the text have offsets. A token covering part of a character (one byte of an emoji) spans the
 *   whole character. Whether a token's leading space is inside its span follows the
 *   post-processor's `trim_offsets` (GPT-2 and Llama: inside; RoBERTa: trimmed).
 * - Bad input throws ModelError (src/model/errors.ts): the file, and what is wrong (invalid JSON
 *   with line, column and byte; a model or component the library cannot run, with the list of
 *   what it can).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelError } from '../errors';
import { parseJsonText } from './json';
import { tokenizerFromJson } from './tokenizer';

export { tokenizerFromJson, SUPPORTED } from './tokenizer';

export interface EncodedText {
  readonly ids: readonly number[];
  /** The tokenizer's own token strings (e.g. "Ġworld", "▁world", "##ing", "<0xE2>"). */
  readonly tokens: readonly string[];
  /** [start, end) in UTF-16 code units of the input text; null for post-processor specials. */
  readonly offsets: readonly (readonly [number, number] | null)[];
  /** Post-processor specials and typed special added tokens. */
  readonly special: readonly boolean[];
  /** Tokens of one pre-tokenized word share an id (ids increase along the text); null for post-processor specials. */
  readonly wordIds: readonly (number | null)[];
}

export interface ModelTokenizer {
  /** 'BPE' | 'WordPiece' | 'Unigram' (the tokenizer.json model type). */
  readonly kind: string;
  /** Added tokens marked special and tokenizer_config's named special tokens, by id. */
  readonly specialTokens: readonly { id: number; content: string }[];
  /** Highest id + 1 over the vocabulary and the added tokens. */
  readonly vocabSize: number;
  encode(text: string, options?: { addSpecialTokens?: boolean }): EncodedText;
  idToToken(id: number): string | undefined;
  /** Text of the ids (unknown ids are skipped; [] gives ""). */
  decode(ids: readonly number[]): string;
  readonly maskTokenId?: number;
}

/** Files a model folder may have instead of tokenizer.json (slow tokenizers), named in the error. */
const OTHER_TOKENIZER_FILES = ['vocab.txt', 'vocab.json', 'merges.txt', 'tokenizer.model', 'spiece.model', 'sentencepiece.bpe.model'];

export function loadTokenizer(dir: string): ModelTokenizer {
  const file = join(dir, 'tokenizer.json');
  if (!existsSync(file)) {
    const others = OTHER_TOKENIZER_FILES.filter((name) => existsSync(join(dir, name)));
    const hint = others.length > 0 ? ` (the folder has ${others.join(', ')}: a slow tokenizer's files; save the tokenizer with a fast tokenizer to get tokenizer.json)` : '';
    throw new ModelError(file, `not found: Headlight reads a model's tokenizer from tokenizer.json${hint}`);
  }
  const json = parseJsonText(readText(file), file);
  const configFile = join(dir, 'tokenizer_config.json');
  const config = existsSync(configFile) ? parseJsonText(readText(configFile), configFile) : undefined;
  return tokenizerFromJson(json, config, file);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ModelError(file, `cannot be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
