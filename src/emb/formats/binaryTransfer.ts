/**
 * Rows read and assembled by a worker thread (binaryWorker.ts), handed to the thread that asked:
 * the row blocks live in shared wasm memories (rowMemory.ts allocateRows with `shared`), so they
 * cross without a copy and this side only instantiates its own scan kernel over them; the
 * vocabulary's table, the norms and the token bytes are transferred. This side only decodes the
 * token text (finishAssembled), which must become a string here.
 */
import { adoptSharedRows, sharedMemoryOf, type WasmMemory } from '../rowMemory';
import type { EmbLayout, EmbProblem } from '../types';
import type { VocabularyParts } from '../vocabulary';
import { BinaryProblems, TokenText, type AssembledRows } from './binaryRows';
import { FastTextSubwords } from './fasttext/subwords';

interface BlocksMessage {
  readonly memories: readonly WasmMemory[];
  readonly rows: readonly number[];
  readonly rowsPerBlock: number;
}

export interface RowsMessage {
  readonly name: string;
  readonly layout: EmbLayout;
  readonly format: 'word2vec' | 'fasttext';
  readonly dim: number;
  readonly tokens: { readonly bytes: Uint8Array; readonly rows: number; readonly ascii: boolean };
  readonly vocabulary: VocabularyParts;
  readonly blocks: BlocksMessage;
  readonly norms: Float32Array;
  readonly problems: readonly EmbProblem[];
  readonly problemsOmitted: number;
  readonly subwords?: { readonly minn: number; readonly maxn: number; readonly bucket: number; readonly blocks: BlocksMessage };
}

function blocksMessage(blocks: readonly Float32Array[], rowsPerBlock: number, dim: number): BlocksMessage {
  const memories = blocks.map((block) => {
    const memory = sharedMemoryOf(block);
    if (!memory) throw new Error('rows to hand to another thread must be in shared memory (allocateRows with shared)');
    return memory;
  });
  return { memories, rows: blocks.map((b) => (dim === 0 ? 0 : b.length / dim)), rowsPerBlock };
}

function adoptBlocks(message: BlocksMessage, dim: number): Float32Array[] {
  return message.memories.map((memory, b) => adoptSharedRows(memory, message.rows[b]!, dim));
}

/** The message, and what to transfer with it. */
export function rowsToMessage(rows: AssembledRows): { message: RowsMessage; transfer: ArrayBuffer[] } {
  const tokens = rows.tokens.snapshot();
  const bytes = tokens.bytes.slice();
  const subwords = rows.subwords instanceof FastTextSubwords ? rows.subwords : undefined;
  const message: RowsMessage = {
    name: rows.name,
    layout: rows.layout,
    format: rows.format,
    dim: rows.dim,
    tokens: { bytes, rows: tokens.rows, ascii: tokens.ascii },
    vocabulary: rows.vocabulary,
    blocks: blocksMessage(rows.blocks, rows.rowsPerBlock, rows.dim),
    norms: rows.norms,
    problems: rows.problems.list,
    problemsOmitted: rows.problems.omitted,
    subwords: subwords && { minn: subwords.minn, maxn: subwords.maxn, bucket: subwords.bucket, blocks: blocksMessage(subwords.blocks, subwords.rowsPerBlock, subwords.dim) },
  };
  const { starts, ends, table } = rows.vocabulary;
  const transfer = [bytes.buffer, rows.norms.buffer, starts.buffer, ends.buffer, table.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
  return { message, transfer };
}

/** The rows again, on this thread, ready for finishAssembled. */
export function rowsFromMessage(message: RowsMessage): AssembledRows {
  const problems = new BinaryProblems();
  problems.list.push(...message.problems);
  problems.omitted = message.problemsOmitted;
  const sub = message.subwords;
  return {
    name: message.name,
    layout: message.layout,
    format: message.format,
    dim: message.dim,
    tokens: TokenText.fromSnapshot(message.tokens),
    vocabulary: message.vocabulary,
    blocks: adoptBlocks(message.blocks, message.dim),
    rowsPerBlock: message.blocks.rowsPerBlock,
    norms: message.norms,
    problems,
    subwords: sub && new FastTextSubwords(message.dim, sub.minn, sub.maxn, sub.bucket, adoptBlocks(sub.blocks, message.dim), sub.blocks.rowsPerBlock),
  };
}
