/**
 * Feeding a ChunkParser block by block: a line cut by a block boundary is kept (the "carry") and
 * completed from the next block, so any block size gives the same rows as one whole buffer.
 */
import type { ChunkParser } from './chunkParser';

export class BlockFeeder {
  private carry = new Uint8Array(1 << 16);
  private carryLength = 0;

  constructor(private readonly parser: ChunkParser) {}

  /** Parses every line of `block` that is complete; keeps the unfinished tail for the next block. */
  feed(block: Uint8Array): void {
    let from = 0;
    if (this.carryLength > 0) {
      const cut = firstLineEnd(block);
      if (cut < 0) {
        this.append(block);
        return;
      }
      // The carried line, completed by the head of this block (+1 byte so a lone \r can be told from \r\n).
      const head = Math.min(block.length, cut + 1);
      const carried = this.carryLength;
      this.append(block.subarray(0, head));
      const consumed = this.parser.push(this.carry.subarray(0, this.carryLength), false);
      this.carryLength = 0;
      if (consumed < carried) {
        // Cannot happen with a line end inside `head`; kept as a safe path: carry everything.
        this.append(block);
        return;
      }
      from = consumed - carried;
    }
    const rest = block.subarray(from);
    const used = this.parser.push(rest, false);
    this.append(rest.subarray(used));
  }

  /** The last line (without a line break) is parsed here. */
  end(): void {
    this.parser.push(this.carry.subarray(0, this.carryLength), true);
    this.carryLength = 0;
  }

  private append(bytes: Uint8Array): void {
    if (this.carryLength + bytes.length > this.carry.length) {
      const grown = new Uint8Array(Math.max(this.carry.length * 2, this.carryLength + bytes.length));
      grown.set(this.carry.subarray(0, this.carryLength));
      this.carry = grown;
    }
    this.carry.set(bytes, this.carryLength);
    this.carryLength += bytes.length;
  }
}

/** The one method of node's FileHandle that `feedRange` needs (structural, so this file imports no node:*). */
export interface BlockSource {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

export interface FeedRange {
  /** Byte offsets [start, end) of the source to parse. */
  readonly start: number;
  readonly end: number;
  readonly blockSize: number;
  /** Checked as each block arrives. */
  readonly signal?: AbortSignal;
  /** Runs after each block is parsed with its byte count and the position after it (progress, yielding); awaited if it returns a promise. */
  readonly afterBlock?: (bytes: number, position: number) => void | Promise<void>;
  /**
   * Each block is parsed in pieces of this many bytes (default: the whole block), with
   * `afterPiece` run between them — on the main thread, a time-budgeted pause (slices.ts Slicer).
   */
  readonly pieceSize?: number;
  readonly afterPiece?: () => void | Promise<void>;
}

/**
 * Parses bytes [start, end) of `source` through `feeder`, block by block, then ends the feeder.
 * Reading overlaps parsing: two buffers alternate, and the next block is requested from the OS
 * before the current one is parsed.
 */
export async function feedRange(source: BlockSource, feeder: BlockFeeder, range: FeedRange): Promise<void> {
  const { start, end, blockSize, signal, afterBlock, afterPiece } = range;
  const pieceSize = Math.max(1, range.pieceSize ?? blockSize);
  const buffers = [new Uint8Array(blockSize), new Uint8Array(blockSize)];
  const read = (position: number, buffer: Uint8Array) =>
    position >= end ? Promise.resolve(0) : source.read(buffer, 0, Math.min(buffer.length, end - position), position).then((r) => r.bytesRead);
  let position = start;
  let which = 0;
  let pending = read(position, buffers[which]!);
  for (;;) {
    const got = await pending;
    signal?.throwIfAborted();
    if (got === 0) break;
    const current = buffers[which]!;
    position += got;
    which = 1 - which;
    pending = read(position, buffers[which]!);
    for (let from = 0; from < got; from += pieceSize) {
      feeder.feed(current.subarray(from, Math.min(got, from + pieceSize)));
      if (from + pieceSize < got) {
        const paused = afterPiece?.();
        if (paused) await paused;
        signal?.throwIfAborted();
      }
    }
    const after = afterBlock?.(got, position);
    if (after) await after;
  }
  feeder.end();
}

/** Offset just after the first line break in `block` (\n, \r\n, or a \r followed by something else); −1 if none is certain. */
function firstLineEnd(block: Uint8Array): number {
  for (let i = 0; i < block.length; i++) {
    const c = block[i];
    if (c === 0x0a) return i + 1;
    if (c === 0x0d) {
      if (i + 1 >= block.length) return -1;
      return block[i + 1] === 0x0a ? i + 2 : i + 1;
    }
  }
  return -1;
}
