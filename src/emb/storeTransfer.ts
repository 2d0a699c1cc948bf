/**
 * A parsed embedding set handed from one thread to another (the Embedding Explorer's worker to
 * the extension host, for "Use as Active Set"), without reading the file again.
 *
 * Contract: `parsedToMessage(parsed)` gives a structured-cloneable message; `parsedFromMessage`
 * on the other thread gives a ParsedEmb with the same tokens, rows, norms, problems and subword
 * vectors. Row blocks in shared memory (the binary readers' worker fills them: rowMemory.ts
 * allocateRows with `shared`) cross as the memory itself — both threads then read the same
 * bytes, and nothing writes them after loading — and get their own scan kernel on arrival, with
 * the second scratch area (rowMemory.ts), so both threads can scan at once; other
 * blocks are copied (into scan-kernel memory again on arrival). The vocabulary crosses as its
 * text and typed arrays (no rebuild), the norms are copied.
 */
import { FastTextSubwords } from './formats/fasttext/subwords';
import { adoptSharedRows, allocateRows, sharedMemoryOf, type WasmMemory } from './rowMemory';
import { EmbeddingStore } from './store';
import type { EmbProblem, EmbLayout, EmbFormat, ParsedEmb } from './types';
import { Vocabulary, type VocabularyParts } from './vocabulary';

type BlockMessage = { readonly memory: WasmMemory; readonly rows: number } | { readonly copy: Float32Array };

export interface ParsedMessage {
  readonly name: string;
  readonly dim: number;
  readonly text: string;
  readonly vocabulary: VocabularyParts;
  readonly blocks: readonly BlockMessage[];
  readonly rowsPerBlock: number;
  readonly norms: Float32Array;
  readonly dimNames: readonly string[] | undefined;
  readonly subwords: { readonly minn: number; readonly maxn: number; readonly bucket: number; readonly blocks: readonly BlockMessage[]; readonly rowsPerBlock: number } | undefined;
  readonly problems: readonly EmbProblem[];
  readonly layout: EmbLayout;
  readonly format: EmbFormat;
  readonly lineOfToken: Int32Array;
  readonly spaced: readonly number[];
  readonly problemsOmitted: number;
}

function blockMessage(block: Float32Array, dim: number): BlockMessage {
  const memory = sharedMemoryOf(block);
  return memory && block.byteOffset === 0 ? { memory, rows: dim === 0 ? 0 : block.length / dim } : { copy: block };
}

function blockFrom(message: BlockMessage, dim: number): Float32Array {
  if ('memory' in message) return adoptSharedRows(message.memory, message.rows, dim, 1);
  const rows = dim === 0 ? 0 : message.copy.length / dim;
  const block = allocateRows(rows, dim);
  block.set(message.copy);
  return block;
}

export function parsedToMessage(parsed: ParsedEmb): ParsedMessage {
  const { store } = parsed;
  const { text, parts } = store.vocabulary.toParts();
  const subwords = store.subwords instanceof FastTextSubwords ? store.subwords : undefined;
  if (store.subwords && !subwords) throw new Error('parsedToMessage: these subword vectors cannot cross threads');
  return {
    name: store.name,
    dim: store.dim,
    text,
    vocabulary: parts,
    blocks: store.blocks.map((b) => blockMessage(b, store.dim)),
    rowsPerBlock: store.rowsPerBlock,
    norms: store.norms,
    dimNames: store.dimNames,
    subwords: subwords && {
      minn: subwords.minn,
      maxn: subwords.maxn,
      bucket: subwords.bucket,
      blocks: subwords.blocks.map((b) => blockMessage(b, subwords.dim)),
      rowsPerBlock: subwords.rowsPerBlock,
    },
    problems: parsed.problems,
    layout: parsed.layout,
    format: parsed.format,
    lineOfToken: parsed.lineOfToken,
    spaced: [...parsed.spaced],
    problemsOmitted: parsed.problemsOmitted,
  };
}

export function parsedFromMessage(message: ParsedMessage): ParsedEmb {
  const { dim } = message;
  const sub = message.subwords;
  const store = new EmbeddingStore({
    name: message.name,
    dim,
    tokens: Vocabulary.fromParts(message.text, message.vocabulary),
    vectors: message.blocks.map((b) => blockFrom(b, dim)),
    rowsPerBlock: message.rowsPerBlock,
    norms: message.norms,
    dimNames: message.dimNames,
    subwords: sub && new FastTextSubwords(dim, sub.minn, sub.maxn, sub.bucket, sub.blocks.map((b) => blockFrom(b, dim)), sub.rowsPerBlock),
  });
  return {
    store,
    problems: message.problems,
    layout: message.layout,
    format: message.format,
    dimNames: message.dimNames,
    lineOfToken: message.lineOfToken,
    spaced: new Set(message.spaced),
    problemsOmitted: message.problemsOmitted,
  };
}
