/**
 * Tokenizing for real models, with offsets that map every token back to the user's text.
 *
 * Contract (the seam the model loader and the CLI code against):
 * - `loadTokenizer(dir)` reads `dir/tokenizer.json` (and `dir/tokenizer_config.json` when present);
 *   `tokenizerFromJson(json, configJson?, file)` does the same from already-parsed JSON (web/worker).
 * - `encode(text)` returns ids, the tokenizer's own token strings, UTF-16 offsets into `text`
 *   (null for specials added by the post-processor), which tokens are special, and word ids.
 *
 * (Work in progress: the implementation lands in the following commits.)
 */

export interface EncodedText {
  readonly ids: readonly number[];
  /** The tokenizer's own token strings (e.g. "Ġworld", "▁world", "##ing", "<0xE2>"). */
  readonly tokens: readonly string[];
  /** [start, end) in UTF-16 code units of the input text; null for post-processor specials. */
  readonly offsets: readonly (readonly [number, number] | null)[];
  readonly special: readonly boolean[];
  /** Tokens of one pre-tokenized word share an id; null for specials. */
  readonly wordIds: readonly (number | null)[];
}

export interface ModelTokenizer {
  /** 'BPE' | 'WordPiece' | 'Unigram' … (the tokenizer.json model type). */
  readonly kind: string;
  readonly specialTokens: readonly { id: number; content: string }[];
  readonly vocabSize: number;
  encode(text: string, options?: { addSpecialTokens?: boolean }): EncodedText;
  idToToken(id: number): string | undefined;
  decode(ids: readonly number[]): string;
  readonly maskTokenId?: number;
}

export function loadTokenizer(dir: string): ModelTokenizer {
  throw new Error(`loadTokenizer(${dir}): not implemented yet`);
}

export function tokenizerFromJson(tokenizerJson: unknown, tokenizerConfigJson: unknown, fileForErrors: string): ModelTokenizer {
  void tokenizerJson;
  void tokenizerConfigJson;
  throw new Error(`tokenizerFromJson(${fileForErrors}): not implemented yet`);
}
