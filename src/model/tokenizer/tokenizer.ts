/**
 * A model's tokenizer from its parsed tokenizer.json (+ tokenizer_config.json), without fs, so a
 * worker or the web extension can build one from JSON it already has.
 *
 * Contract: `tokenizerFromJson(tokenizerJson, tokenizerConfigJson, file)` checks every component
 * the JSON names against what `@huggingface/tokenizers` can run and throws a ModelError naming
 * `file`, the JSON path and the supported list for anything else; it then builds the library's
 * Tokenizer and wraps it in a ModelTokenizer whose `encode` adds offsets (encode.ts).
 *
 * Choices that follow Hugging Face (transformers' tokenization_utils_fast / the Rust crate):
 * - `vocabSize` is the highest id + 1 over the vocabulary and the added tokens (len(tokenizer)
 *   for every real checkpoint, whose ids are dense).
 * - `specialTokens`: the added tokens marked special, plus the named special tokens of
 *   tokenizer_config.json (bos, eos, unk, sep, pad, cls, mask, additional_special_tokens).
 * - `add_bos_token` / `add_eos_token` of tokenizer_config.json replace the post-processor's
 *   specials for the Llama-family classes, as LlamaTokenizerFast.update_post_processor does
 *   (other classes ignore them, as PreTrainedTokenizerFast does).
 * - `maskTokenId`: tokenizer_config's mask_token, else an added "[MASK]" or "<mask>".
 * - Metaspace with `split` (the Rust default) splits pieces before each "▁" (MergedWithNext)
 *   before the model runs, as the Rust pre-tokenizer does; the library does not split.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelError } from '../errors';
import type { AlignStats, LibNormalizer } from './normalize';
import { encodeWithOffsets, Trie, type AddedTokenInfo, type LibModel, type LibPostProcessor, type LibPreTokenizer, type Pipeline } from './encode';
import type { EncodedText, ModelTokenizer } from './index';

export const SUPPORTED = {
  model: ['BPE', 'WordPiece', 'Unigram'],
  normalizer: ['BertNormalizer', 'Precompiled', 'Sequence', 'Replace', 'NFC', 'NFD', 'NFKC', 'NFKD', 'Strip', 'StripAccents', 'Lowercase', 'Prepend'],
  pre_tokenizer: ['BertPreTokenizer', 'Sequence', 'Whitespace', 'WhitespaceSplit', 'Metaspace', 'ByteLevel', 'Split', 'Punctuation', 'Digits', 'Replace', 'FixedLength'],
  post_processor: ['TemplateProcessing', 'ByteLevel', 'BertProcessing', 'RobertaProcessing', 'Sequence'],
  decoder: ['ByteLevel', 'WordPiece', 'Metaspace', 'BPE', 'CTC', 'Replace', 'Fuse', 'Strip', 'ByteFallback', 'Sequence'],
} as const;
const SPLIT_BEHAVIORS = ['Isolated', 'Removed'];
const LLAMA_CLASSES = /^(LlamaTokenizer|CodeLlamaTokenizer|GemmaTokenizer)(Fast)?$/;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export function tokenizerFromJson(tokenizerJson: unknown, tokenizerConfigJson: unknown, fileForErrors: string): ModelTokenizer {
  const file = fileForErrors;
  if (!isObject(tokenizerJson)) throw new ModelError(file, 'is not a tokenizer.json: the top level must be a JSON object');
  const config = tokenizerConfigJson === undefined || tokenizerConfigJson === null ? {} : tokenizerConfigJson;
  if (!isObject(config)) throw new ModelError(file.replace(/tokenizer\.json$/, 'tokenizer_config.json'), 'the top level must be a JSON object');
  const json = checkedCopy(tokenizerJson, file);
  const libConfig = libraryConfig(config);
  let library: Tokenizer;
  try {
    library = new Tokenizer(json, libConfig);
  } catch (error) {
    throw new ModelError(file, `@huggingface/tokenizers cannot build this tokenizer: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return new HeadlightTokenizer(library, json, config, file);
}

/** Validates the components and returns a copy the library accepts (absent parts as null). */
function checkedCopy(source: Json, file: string): Json {
  const model = source['model'];
  if (!isObject(model)) throw new ModelError(file, 'has no "model" object (a tokenizer.json names its model: BPE, WordPiece or Unigram)');
  const modelType = model['type'];
  if (typeof modelType !== 'string' || !(SUPPORTED.model as readonly string[]).includes(modelType)) {
    const what = typeof modelType === 'string' ? `"${modelType}"` : 'missing';
    throw new ModelError(file, `model.type ${what} is not a tokenizer model Headlight can run (supported: ${SUPPORTED.model.join(', ')})`);
  }
  if (modelType === 'Unigram' ? !Array.isArray(model['vocab']) : !isObject(model['vocab'])) {
    throw new ModelError(file, `model.vocab must be ${modelType === 'Unigram' ? 'an array of [piece, score]' : 'an object of token → id'}`);
  }
  if (modelType === 'BPE' && !Array.isArray(model['merges'])) throw new ModelError(file, 'model.merges must be an array (a BPE model lists its merges)');
  for (const part of ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder'] as const) checkComponent(source[part], part, SUPPORTED[part], file);
  const added = source['added_tokens'] ?? [];
  if (!Array.isArray(added)) throw new ModelError(file, 'added_tokens must be an array');
  added.forEach((token, i) => {
    if (!isObject(token) || typeof token['content'] !== 'string' || typeof token['id'] !== 'number') {
      throw new ModelError(file, `added_tokens[${i}] must have a string "content" and a number "id"`);
    }
  });
  return {
    ...source,
    normalizer: source['normalizer'] ?? null,
    pre_tokenizer: fixPreTokenizer(source['pre_tokenizer'] ?? null),
    post_processor: source['post_processor'] ?? null,
    decoder: source['decoder'] ?? null,
    added_tokens: added,
  };
}

function checkComponent(value: unknown, path: string, supported: readonly string[], file: string): void {
  if (value === null || value === undefined) return;
  if (!isObject(value)) throw new ModelError(file, `${path} must be an object or null`);
  const type = value['type'];
  if (typeof type !== 'string' || !supported.includes(type)) {
    const what = typeof type === 'string' ? `"${type}"` : 'missing';
    const kind = path.replace(/\[\d+\]/g, '').split('.')[0].replace('_', '-');
    throw new ModelError(file, `${path}.type ${what} is not a ${kind} Headlight can run (supported: ${supported.join(', ')})`);
  }
  if (type === 'Split' && typeof value['behavior'] === 'string' && !SPLIT_BEHAVIORS.includes(value['behavior'])) {
    throw new ModelError(file, `${path}.behavior "${value['behavior']}" is not supported by @huggingface/tokenizers (supported: ${SPLIT_BEHAVIORS.join(', ')})`);
  }
  const children = value['normalizers'] ?? value['pretokenizers'] ?? value['processors'] ?? value['decoders'];
  if (type === 'Sequence') {
    const key = ['normalizers', 'pretokenizers', 'processors', 'decoders'].find((k) => k in value) ?? 'items';
    if (!Array.isArray(children)) throw new ModelError(file, `${path}.${key} must be an array`);
    children.forEach((child, i) => checkComponent(child, `${path}.${key}[${i}]`, supported, file));
  }
}

/** Old Metaspace JSON ({add_prefix_space: false}, no prepend_scheme) means "never" in Rust; the library would prepend. */
function fixPreTokenizer(value: unknown): unknown {
  if (!isObject(value)) return value;
  if (value['type'] === 'Sequence' && Array.isArray(value['pretokenizers'])) return { ...value, pretokenizers: value['pretokenizers'].map(fixPreTokenizer) };
  if (value['type'] === 'Metaspace' && value['prepend_scheme'] === undefined && value['add_prefix_space'] === false) return { ...value, prepend_scheme: 'never' };
  return value;
}

/** tokenizer_config.json as the library reads it: special tokens as plain strings. */
function libraryConfig(config: Json): Json {
  const out: Json = { ...config };
  for (const key of SPECIAL_KEYS) {
    const content = tokenContent(config[key]);
    if (content === undefined) delete out[key];
    else out[key] = content;
  }
  if (Array.isArray(config['additional_special_tokens'])) {
    out['additional_special_tokens'] = config['additional_special_tokens'].map(tokenContent).filter((t): t is string => t !== undefined);
  }
  return out;
}
const SPECIAL_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;

function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value['content'] === 'string') return value['content'];
  return undefined;
}

/** The library's objects as encode.ts reads them (TS-private fields are ordinary properties at run time). */
interface LibraryInternals {
  normalizer: LibNormalizer | null;
  pre_tokenizer: LibPreTokenizer | null;
  model: LibModel & { config: Json };
  post_processor: LibPostProcessor | null;
}

class HeadlightTokenizer implements ModelTokenizer {
  readonly kind: string;
  readonly specialTokens: readonly { id: number; content: string }[];
  readonly vocabSize: number;
  readonly maskTokenId?: number;
  /** Alignment recoveries so far (see encode.ts); tests assert it stays 0. */
  readonly stats: AlignStats = { resyncs: 0 };
  private readonly pipeline: Pipeline;

  constructor(
    private readonly library: Tokenizer,
    json: Json,
    config: Json,
    readonly file: string,
  ) {
    const internals = library as unknown as LibraryInternals;
    const modelJson = json['model'] as Json;
    this.kind = modelJson['type'] as string;

    const added: AddedTokenInfo[] = (json['added_tokens'] as Json[]).map((t) => {
      const special = t['special'] === true;
      return {
        id: t['id'] as number,
        content: t['content'] as string,
        lstrip: t['lstrip'] === true,
        rstrip: t['rstrip'] === true,
        special,
        normalized: typeof t['normalized'] === 'boolean' ? (t['normalized'] as boolean) : !special,
      };
    });
    // The library's rule (Tokenizer constructor): a normalized added token is matched after normalization.
    const addedByContent = new Map<string, AddedTokenInfo>();
    const unnormalized: string[] = [];
    const normalized: string[] = [];
    for (const token of added) {
      addedByContent.set(token.content, token);
      if (token.normalized && internals.normalizer) {
        const content = internals.normalizer.normalize(token.content);
        normalized.push(content);
        addedByContent.set(content, token);
      } else {
        unnormalized.push(token.content);
      }
    }

    const pre = componentList(json['pre_tokenizer'], 'pretokenizers');
    const norms = componentList(json['normalizer'], 'normalizers');
    const posts = componentList(json['post_processor'], 'processors');
    const byteLevel = pre.find((p) => p['type'] === 'ByteLevel');
    const metaspace = pre.find((p) => p['type'] === 'Metaspace');
    const metaspaceChar = metaspace ? (typeof metaspace['replacement'] === 'string' ? (metaspace['replacement'] as string) : '▁') : null;
    const normalizerMarks = norms.some((n) => (n['type'] === 'Replace' && n['content'] === '▁') || (n['type'] === 'Prepend' && n['prepend'] === '▁'));
    const isWordPiece = this.kind === 'WordPiece';
    const stringOr = (value: unknown, fallback: string | null) => (typeof value === 'string' && value.length > 0 ? value : fallback);

    const preTokenizer = internals.pre_tokenizer;
    const splitAtMarker = metaspace !== undefined && metaspace['split'] !== false && metaspaceChar !== null;
    this.pipeline = {
      normalizer: internals.normalizer,
      preTokenizer: preTokenizer && splitAtMarker ? splitBeforeMarker(preTokenizer, metaspaceChar) : preTokenizer,
      model: internals.model,
      postProcessor: internals.post_processor,
      bosEos: bosEos(config),
      addedByContent,
      unnormalizedSplitter: new Trie(unnormalized),
      normalizedSplitter: new Trie(normalized),
      pieces: {
        byteLevel: byteLevel !== undefined,
        byteLevelPrefix: byteLevel !== undefined && byteLevel['add_prefix_space'] === true,
        metaspace: metaspaceChar,
        skipsAnything: pre.some((p) => p['type'] === 'Split' && (p['behavior'] === 'Removed' || p['invert'] === true)),
      },
      tokenRules: {
        continuingPrefix: isWordPiece ? stringOr(modelJson['continuing_subword_prefix'], '##') : null,
        endOfWordSuffix: this.kind === 'BPE' ? stringOr(modelJson['end_of_word_suffix'], null) : null,
        continuingSuffix: this.kind === 'BPE' ? stringOr(modelJson['continuing_subword_suffix'], null) : null,
        byteFallback: modelJson['byte_fallback'] === true,
        wordMarker: metaspaceChar ?? (normalizerMarks ? '▁' : null),
      },
      trims: posts
        .filter((p) => (p['type'] === 'RobertaProcessing' || p['type'] === 'ByteLevel') && p['trim_offsets'] !== false)
        .map((p) => ({ addPrefixSpace: p['add_prefix_space'] !== false })),
      removeSpace: config['remove_space'] === true,
      lowercaseAndRemoveAccent: config['do_lowercase_and_remove_accent'] === true,
    };

    let maxId = internals.model.vocab.length - 1;
    for (const token of added) maxId = Math.max(maxId, token.id);
    this.vocabSize = maxId + 1;

    const specials = new Map<number, string>();
    for (const token of added) if (token.special) specials.set(token.id, token.content);
    const named = [...SPECIAL_KEYS.map((k) => tokenContent(config[k])), ...(Array.isArray(config['additional_special_tokens']) ? config['additional_special_tokens'].map(tokenContent) : [])];
    for (const content of named) {
      if (content === undefined) continue;
      const id = this.tokenId(content);
      if (id !== undefined) specials.set(id, content);
    }
    this.specialTokens = [...specials].sort((a, b) => a[0] - b[0]).map(([id, content]) => ({ id, content }));

    const mask = tokenContent(config['mask_token']);
    const maskId = mask !== undefined ? this.tokenId(mask) : (this.tokenId('[MASK]') ?? this.tokenId('<mask>'));
    if (maskId !== undefined) this.maskTokenId = maskId;
  }

  encode(text: string, options?: { addSpecialTokens?: boolean }): EncodedText {
    return encodeWithOffsets(this.pipeline, text, options?.addSpecialTokens ?? true, this.stats);
  }

  idToToken(id: number): string | undefined {
    return this.library.id_to_token(id);
  }

  decode(ids: readonly number[]): string {
    const known = ids.filter((id) => Number.isInteger(id) && this.library.id_to_token(id) !== undefined);
    if (known.length === 0) return '';
    return this.library.decode([...known]);
  }

  /** The id of a token string: an added token's, or the vocabulary's. */
  tokenId(token: string): number | undefined {
    return this.pipeline.addedByContent.get(token)?.id ?? this.library.token_to_id(token);
  }
}

function componentList(value: unknown, childKey: string): Json[] {
  if (!isObject(value)) return [];
  if (value['type'] === 'Sequence' && Array.isArray(value[childKey])) return (value[childKey] as unknown[]).flatMap((c) => componentList(c, childKey));
  return [value];
}

function bosEos(config: Json): { bos: string | null; eos: string | null } | undefined {
  const cls = config['tokenizer_class'];
  if (typeof cls !== 'string' || !LLAMA_CLASSES.test(cls)) return undefined;
  if (config['add_bos_token'] === undefined && config['add_eos_token'] === undefined) return undefined;
  const bos = config['add_bos_token'] !== false ? (tokenContent(config['bos_token']) ?? null) : null;
  const eos = config['add_eos_token'] === true ? (tokenContent(config['eos_token']) ?? null) : null;
  return { bos, eos };
}

/** Rust Metaspace `split: true`: every piece is cut before each replacement character (MergedWithNext). */
function splitBeforeMarker(inner: LibPreTokenizer, marker: string): LibPreTokenizer {
  return {
    pre_tokenize(text, options) {
      return inner.pre_tokenize(text, options).flatMap((piece) => {
        const parts: string[] = [];
        let start = 0;
        for (let i = 1; i < piece.length; i++) {
          if (piece.startsWith(marker, i)) {
            parts.push(piece.slice(start, i));
            start = i;
          }
        }
        parts.push(piece.slice(start));
        return parts.filter((p) => p.length > 0);
      });
    },
  };
}
