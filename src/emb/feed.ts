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
