/**
 * The word2vec binary reader's fast path, for the worker thread (binaryWorker.ts): plain files
 * (every row a token without control bytes, a space and D floats; no truncation) read with
 * synchronous reads straight into the store's shared row blocks. Anything else returns undefined
 * and the careful reader (read.ts readWord2vecRows) reads the file from the start, with its
 * located problems; both give the same rows, tokens and norms (test/unit/emb/formats/fastRead.test.ts).
 *
 * Why this shape (3M × 300, 3.46 GB, measured in the worker): the costs are the first touch of
 * 3.4 GB of fresh pages (≈ 0.5 s per GiB on this machine: every 4 KiB page is zeroed by the
 * kernel) and the copies, not the parsing. So the file's bytes are read into the block's own
 * memory just after the row they belong to, and each row's floats move down to their place with
 * one memmove (the scan kernel's `move`, wasm memory.copy; in a window that is still in cache): one kernel copy and one short
 * memmove per byte, the page faults taken once, inside the read. A separate read buffer meant a
 * second full copy, and a per-float DataView loop cost 3–4 ns a value.
 * The window [ws, we) holds unread file bytes, always at or after D (where the next row's floats
 * go): each row moves the window ahead of D by its token's length, and before each read (when
 * the window holds less than a row) it is moved back to D, so the read lands just past the last
 * placed row and every move stays within the last read's cache lines. Norms: before each read,
 * for the rows just placed, by the scan kernel's `norms` (WebAssembly SIMD, float64 lanes; the
 * JavaScript loop cost ~1 s for 3M × 300 even in cache) into the block's spare scratch area.
 * (A second thread touching pages ahead and summing norms was tried: with the machine's other
 * core busy it made the load slower, 8.1–9.3 s against 7.0 s, and even idle it contends with the
 * reads for the same page tables.)
 */
import * as fs from 'node:fs';
import { allocateRows, rowsPerBlock, scanMemoryOf, sharedMemoryOf } from '../../rowMemory';
import { BinaryProblems, TokenText, rowNorm, type RowsToAssemble } from '../binaryRows';
import { word2vecBinaryHeader } from '../detect';
import { MAX_TOKEN_BYTES, warnTrailingBytes } from './read';

/** Bytes per read: small enough that the window stays in the cache while its rows move down. */
const READ_BYTES = 1 << 20;

export interface FastReadOptions {
  readonly name: string;
  /** Rows per block (default rowsPerBlock(dim)). */
  readonly rowsPerBlock?: number;
  readonly onProgress?: (fraction: number) => void;
  /** The header and the first tokens in file order, as soon as they are read (the Explorer's first page). */
  readonly onPreview?: (preview: { readonly count: number; readonly dim: number; readonly tokens: readonly string[] }) => void;
  readonly previewRows?: number;
}

/** The rows of a plain word2vec binary file, or undefined when it needs the careful reader. */
export function readWord2vecFileFast(fd: number, size: number, options: FastReadOptions): RowsToAssemble | undefined {
  const head = new Uint8Array(Math.min(64, size));
  fs.readSync(fd, head, 0, head.length, 0);
  const header = word2vecBinaryHeader(head);
  if (!header || header.dim === 0) return undefined;
  const { count: announced, dim, length: headerLength } = header;
  const rowBytes = dim * 4;
  const possible = Math.floor(Math.max(0, size - header.length) / (rowBytes + 2));
  if (possible < announced) return undefined; // the file cannot hold the rows: the careful reader says where it ends
  const capacity = announced;
  const per = Math.max(1, Math.floor(options.rowsPerBlock ?? rowsPerBlock(dim)));
  const blocks: Float32Array[] = [];
  for (let start = 0; start < capacity; start += per) {
    const block = allocateRows(Math.min(per, capacity - start), dim, { shared: true });
    if (!sharedMemoryOf(block)) return undefined;
    blocks.push(block);
  }
  if (blocks.length === 0) blocks.push(allocateRows(0, dim, { shared: true }));
  const norms = new Float32Array(capacity);
  const rowOffset = new Float64Array(capacity);
  const hasToken = new Uint8Array(capacity);
  const tokens = new TokenText();
  const problems = new BinaryProblems();
  const previewRows = Math.min(capacity, options.previewRows ?? 256);
  const progressStep = Math.max(1, Math.floor(size / 100));
  let nextProgress = progressStep;
  let normsDone = 0;
  /** The block's memmove (wasm memory.copy): copyWithin on shared memory copies with relaxed atomics, ~3× slower. */
  let move: ((dst: number, src: number, n: number) => void) | undefined;
  let block: Float32Array = new Float32Array(0);
  let u8: Uint8Array = new Uint8Array(0);
  let limit = 0;
  let ws = 0;
  let we = 0;
  let D = 0;
  /** File offset of u8[we]. */
  let pos = headerLength;
  let blockIndex = -1;
  /**
   * Norms of rows [normsDone, upTo), all in the current block: by the scan kernel into the block's
   * spare scratch (wasm SIMD, ~5× the JavaScript loop) unless the window lies there, else rowNorm;
   * the same bits either way.
   */
  const flushNorms = (upTo: number) => {
    if (upTo <= normsDone) return;
    const first = normsDone - blockIndex * per;
    const count = upTo - normsDone;
    const kernel = scanMemoryOf(block);
    const spare = kernel?.spare;
    if (kernel && spare && count * 4 <= spare.bytes && (spare.offset >= we || spare.offset + count * 4 <= ws)) {
      kernel.norms(first * rowBytes, count, dim, spare.offset);
      norms.set(new Float32Array(u8.buffer, u8.byteOffset + spare.offset, count), normsDone);
    } else {
      for (let r = normsDone; r < upTo; r++) norms[r] = rowNorm(block, (r - blockIndex * per) * dim, dim);
    }
    normsDone = upTo;
  };
  for (let r = 0; r < announced; ) {
    if (r === (blockIndex + 1) * per) {
      flushNorms(r);
      const next = blocks[++blockIndex]!;
      const bytes = new Uint8Array(next.buffer);
      if (bytes.length < (we - ws) + rowBytes + 64) return undefined;
      bytes.set(u8.subarray(ws, we), 0);
      we -= ws;
      ws = 0;
      D = 0;
      block = next;
      move = scanMemoryOf(next)?.move;
      u8 = bytes;
      limit = bytes.length;
    }
    let t = ws;
    while (t < we && u8[t] === 0x0a) t++;
    let space = -1;
    // Plain: printable ASCII only (the common token), which TokenText takes without its checks.
    let plain = true;
    for (let i = t; i < we; i++) {
      const c = u8[i]!;
      if (c === 0x20) {
        space = i;
        break;
      }
      if (c < 0x20 || c >= 0x7f) {
        plain = false;
        if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return undefined;
      }
    }
    if (space < 0 || we - (space + 1) < rowBytes) {
      if (pos >= size || we - ws > MAX_TOKEN_BYTES + rowBytes) return undefined;
      flushNorms(r);
      // The window is at most one row here: moving it down to D keeps the next read next to
      // where its rows go, so the moves stay inside the cache lines the read just wrote.
      u8.copyWithin(D, ws, we);
      we = D + (we - ws);
      ws = D;
      const room = Math.min(READ_BYTES, limit - we, size - pos);
      if (room <= 0) return undefined;
      const n = fs.readSync(fd, u8, we, room, pos);
      if (n <= 0) return undefined;
      we += n;
      pos += n;
      if (pos >= nextProgress) {
        nextProgress = pos + progressStep;
        options.onProgress?.(pos / size);
      }
      continue;
    }
    if (space === t) return undefined; // an empty token: the careful reader reports it
    const offset = pos - (we - t);
    if (plain) {
      tokens.addPlain(u8, t, space);
      hasToken[r] = 1;
    } else hasToken[r] = tokens.add(u8, t, space, offset, problems) ? 1 : 0;
    rowOffset[r] = offset;
    if (move) move(D, space + 1, rowBytes);
    else u8.copyWithin(D, space + 1, space + 1 + rowBytes);
    D += rowBytes;
    ws = space + 1 + rowBytes;
    r++;
    if (r === previewRows && options.onPreview) options.onPreview({ count: announced, dim, tokens: firstTokens(tokens) });
  }
  flushNorms(announced);
  // After the last row: nothing but newlines, or a warning (as the careful reader says it).
  let trailing = -1;
  while (ws < we && (u8[ws] === 0x0a || u8[ws] === 0x0d)) ws++;
  if (ws < we) trailing = pos - (we - ws);
  else {
    const rest = new Uint8Array(1 << 16);
    for (let at = pos; at < size && trailing < 0; ) {
      const n = fs.readSync(fd, rest, 0, Math.min(rest.length, size - at), at);
      if (n <= 0) break;
      for (let i = 0; i < n; i++) {
        if (rest[i] !== 0x0a && rest[i] !== 0x0d) {
          trailing = at + i;
          break;
        }
      }
      at += n;
    }
  }
  if (trailing >= 0) {
    const left = size - trailing;
    warnTrailingBytes(problems, trailing, left, announced);
  }
  options.onProgress?.(1);
  return {
    name: options.name,
    layout: 'word2vec-binary',
    format: 'word2vec',
    dim,
    tokens,
    blocks,
    rowsPerBlock: per,
    rowsRead: announced,
    hasToken,
    norms,
    rowOffset,
    problems,
  };
}

function firstTokens(tokens: TokenText): string[] {
  const { bytes, length } = tokens.view();
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(0, length));
  return text.split('\n').slice(0, tokens.rows);
}
