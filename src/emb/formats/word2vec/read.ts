/**
 * word2vec binary files (word2vec.c's -binary 1, gensim's save_word2vec_format(binary=True)).
 *
 * Layout: an ASCII header "V D\n", then V rows, each the token's bytes up to a space and D
 * little-endian float32 values; word2vec.c writes "\n" after each row, gensim's writer does not.
 * Behaviour we match (gensim/models/keyedvectors.py _word2vec_read_binary / _add_bytes_to_kv):
 * leading "\n" bytes of a token are not part of it; a repeated token keeps its first row.
 * Where we say more than gensim (which raises or keeps quietly): a token that is not UTF-8 is
 * shown with U+FFFD and gets a problem; an empty token, a row with NaN or ∞ and a duplicate are
 * skipped with a problem; a file that ends before V rows is an error at the byte where the
 * missing row should start (the rows before it load); control bytes (C0 other than tab, CR, LF)
 * where a token should be mean the header's D is wrong or the file is not word2vec, an error that
 * stops the read (float bytes read as a token nearly always hold one).
 * Reading: by offset in blocks (byteWindow.ts, one reused buffer); each row's floats are copied
 * straight into the store's row blocks (rowMemory.ts), and the norms computed on the way.
 * Dimension legend: V rows announced, D values per row, R rows actually read (R ≤ V).
 */
import { allocateRows, rowsPerBlock } from '../../rowMemory';
import type { ParsedEmb } from '../../types';
import { BinaryProblems, TokenText, assembleBinary, failed, type RowsToAssemble } from '../binaryRows';
import { word2vecBinaryHeader } from '../detect';
import { NEED_BYTES, PAUSE, type BinaryReader, type ByteWindow } from '../byteWindow';

/** A token longer than this without a space is not a token: the file is not what its header says. */
export const MAX_TOKEN_BYTES = 1 << 16;
const ROWS_PER_PAUSE = 512;
/** The fast path returns after this long, so the driver can pause (slices.ts budgets 12 ms). */
const FAST_PATH_MS = 4;

export interface Word2vecReadOptions {
  readonly name?: string;
  /** Rows in shared memory (a worker thread reads them for the main thread: binaryWorker.ts). */
  readonly sharedRows?: boolean;
  /** Rows per block (default rowsPerBlock(dim), 1 GiB): small values let tests cross block boundaries. */
  readonly rowsPerBlock?: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function* readWord2vecBinary(w: ByteWindow, options: Word2vecReadOptions = {}): BinaryReader<ParsedEmb> {
  const rows = yield* readWord2vecRows(w, options);
  return 'store' in rows ? rows : yield* assembleBinary(rows);
}

/** The rows as read, before the vocabulary and compaction (assembleBinary), or a failed result. */
export function* readWord2vecRows(w: ByteWindow, options: Word2vecReadOptions = {}): BinaryReader<RowsToAssemble | ParsedEmb> {
  const name = options.name ?? 'embeddings';
  const problems = new BinaryProblems();
  if (!LITTLE_ENDIAN) {
    problems.add('unsupported-model', 'error', 0, 'word2vec binary floats are little-endian and this machine is not; the file cannot be read here.');
    return failed(name, 'word2vec-binary', 'word2vec', problems);
  }
  // 1. Header "V D\n".
  while (w.end - w.at < Math.min(64, w.size) && !w.eof) yield NEED_BYTES;
  const header = word2vecBinaryHeader(w.bytes.subarray(w.at, w.end));
  if (!header || header.dim === 0) {
    problems.add('binary-header', 'error', 0, header ? 'the header says 0 dimensions; expected "V D" with D ≥ 1.' : 'expected a header line "V D" (the row count and the dimension, as decimal numbers) ending in a newline.');
    return failed(name, 'word2vec-binary', 'word2vec', problems);
  }
  const { count: announced, dim } = header;
  w.at += header.length;
  const rowBytes = dim * 4;
  // A lying header must not make us allocate more rows than the file could hold (≥ 2 bytes of token and space each).
  const possible = Math.floor(Math.max(0, w.size - header.length) / (rowBytes + 2));
  const capacity = Math.min(announced, possible);
  const per = Math.max(1, Math.floor(options.rowsPerBlock ?? rowsPerBlock(dim)));
  // Blocks are allocated as the rows reach them, one per step (growing a 1 GiB wasm memory is not
  // free, and a file that ends early never pays for the blocks it does not fill).
  const blocks: Float32Array[] = [];
  const blockCount = Math.max(1, Math.ceil(capacity / per));
  const ensureBlock = (b: number) => {
    while (blocks.length <= b && blocks.length < blockCount) blocks.push(allocateRows(Math.min(per, capacity - blocks.length * per), dim, { shared: options.sharedRows }));
  };
  const norms = new Float32Array(capacity);
  const rowOffset = new Float64Array(capacity);
  const hasToken = new Uint8Array(capacity);
  const tokens = new TokenText();

  // 2. Rows: the fast path takes every complete, plain row in the window (a plain function, so the
  // JIT optimises its loop at once; a generator's body only tiers up after many resumptions); the
  // generator's own loop below handles one row at a time where the window ends or a row is odd.
  const rowsState: RowsState = { rows: 0, announced, capacity, dim, per, blocks, norms, rowOffset, hasToken, tokens, problems };
  let rows = 0;
  let stopped = false;
  while (rows < announced) {
    if (rows < capacity && blocks.length <= Math.floor(rows / per)) {
      ensureBlock(Math.floor(rows / per));
      yield PAUSE;
    }
    const deadline = performance.now() + FAST_PATH_MS;
    rowsState.rows = rows;
    const stop = readPlainRows(w, rowsState, deadline);
    rows = rowsState.rows;
    if (rows >= announced) break;
    if (stop === 'time') {
      yield PAUSE;
      continue;
    }
    // Leading "\n" (word2vec.c's row terminator) is not part of the token.
    for (;;) {
      while (w.at < w.end && w.bytes[w.at] === 0x0a) w.at++;
      if (w.at < w.end || w.eof) break;
      yield NEED_BYTES;
    }
    const rowStart = w.base + w.at;
    // The token: bytes up to a space.
    let space = -1;
    for (let searched = 0; ; ) {
      space = findSpace(w.bytes, w.at + searched, w.end);
      if (space >= 0 || w.eof || w.end - w.at > MAX_TOKEN_BYTES) break;
      searched = w.end - w.at; // relative: the driver moves the unread bytes to the front
      yield NEED_BYTES;
    }
    if (space < 0) {
      if (w.end - w.at > MAX_TOKEN_BYTES) {
        problems.add('binary-header', 'error', rowStart, `no space within ${MAX_TOKEN_BYTES} bytes where row ${rows + 1}'s token should end; the header's dimension (${dim}) may be wrong, or the file is not word2vec binary. Reading stops here.`);
      } else {
        problems.add('truncated', 'error', rowStart, truncation(announced, rows, dim));
      }
      stopped = true;
      break;
    }
    if (hasControlBytes(w.bytes, w.at, space)) {
      problems.add('binary-header', 'error', rowStart, `binary data (control bytes) where row ${rows + 1}'s token should be; the header's dimension (${dim}) may be wrong, or the file is not word2vec binary. Reading stops here.`);
      stopped = true;
      break;
    }
    // The D floats after the space.
    while (w.end - (space + 1) < rowBytes && !w.eof) {
      const keep = space - w.at;
      yield NEED_BYTES;
      space = w.at + keep; // the driver moved the unread bytes to the front
    }
    if (w.end - (space + 1) < rowBytes) {
      problems.add('truncated', 'error', rowStart, truncation(announced, rows, dim));
      stopped = true;
      break;
    }
    if (rows >= capacity) break; // unreachable: capacity bounds what the file can hold
    hasToken[rows] = tokens.add(w.bytes, w.at, space, rowStart, problems) ? 1 : 0;
    rowOffset[rows] = rowStart;
    const b = Math.floor(rows / per);
    const inBlock = rows - b * per;
    ensureBlock(b);
    norms[rows] = copyRow(windowView(w.bytes), space + 1, blocks[b]!, inBlock * dim, dim);
    w.at = space + 1 + rowBytes;
    rows++;
    if (rows % ROWS_PER_PAUSE === 0) yield PAUSE;
  }
  rowsState.rows = rows;
  // 3. After the last row: nothing but newlines, or a warning.
  if (!stopped) {
    for (;;) {
      while (w.at < w.end && (w.bytes[w.at] === 0x0a || w.bytes[w.at] === 0x0d)) w.at++;
      if (w.at < w.end || w.eof) break;
      yield NEED_BYTES;
    }
    const left = w.size - (w.base + w.at);
    if (left > 0) {
      warnTrailingBytes(problems, w.base + w.at, left, announced);
    }
  }
  ensureBlock(0); // a store has at least one block, if empty
  return {
    name,
    layout: 'word2vec-binary',
    format: 'word2vec',
    dim,
    tokens,
    blocks,
    rowsPerBlock: per,
    rowsRead: rows,
    hasToken,
    norms,
    rowOffset,
    problems,
  };
}

/** The warning for `left` bytes at `offset` after the rows the header announced (both readers give it). */
export function warnTrailingBytes(problems: BinaryProblems, offset: number, left: number, announced: number): void {
  problems.add('header-count', 'warning', offset, `${left} byte${left === 1 ? '' : 's'} follow the ${announced} row${announced === 1 ? '' : 's'} the header announced; they are ignored (is the header's count right?).`);
}

function truncation(announced: number, rows: number, dim: number): string {
  return `the header says ${announced} rows of ${dim} float32 values, but the file ends within row ${rows + 1} (${rows} complete row${rows === 1 ? '' : 's'} loaded): the file is truncated, or the header's count or dimension is wrong.`;
}

/** True when bytes[start, end) hold a C0 control byte other than tab, LF and CR (no vocabulary has those). */
function hasControlBytes(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return true;
  }
  return false;
}

/** The first space in bytes[from, end), or −1 (a plain loop: tokens are short, and indexOf would need a view per row). */
function findSpace(bytes: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) if (bytes[i] === 0x20) return i;
  return -1;
}

let lastWindow: Uint8Array | undefined;
let lastView: DataView | undefined;
/** A DataView of the window's bytes, made once per window buffer (not once per row). */
function windowView(bytes: Uint8Array): DataView {
  if (bytes !== lastWindow || !lastView) {
    lastWindow = bytes;
    lastView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return lastView;
}

/**
 * Copies the dim little-endian floats at byte `at` of the window into target[o, o + dim) and
 * returns their ‖·‖₂, summed as binaryRows.ts rowNorm sums (four float64 lanes). The floats start
 * at any byte (tokens have any length), so they are read through a DataView, which the JIT turns
 * into plain unaligned loads.
 */
function copyRow(view: DataView, at: number, target: Float32Array, o: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  let p = at;
  for (const end4 = dim - 3; d < end4; d += 4, p += 16) {
    const a = view.getFloat32(p, true);
    const b = view.getFloat32(p + 4, true);
    const c = view.getFloat32(p + 8, true);
    const e = view.getFloat32(p + 12, true);
    target[o + d] = a;
    target[o + d + 1] = b;
    target[o + d + 2] = c;
    target[o + d + 3] = e;
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += e * e;
  }
  for (; d < dim; d++, p += 4) {
    const v = view.getFloat32(p, true);
    target[o + d] = v;
    s0 += v * v;
  }
  return Math.sqrt(s0 + s1 + (s2 + s3));
}

interface RowsState {
  rows: number;
  readonly announced: number;
  readonly capacity: number;
  readonly dim: number;
  readonly per: number;
  readonly blocks: readonly Float32Array[];
  readonly norms: Float32Array;
  readonly rowOffset: Float64Array;
  readonly hasToken: Uint8Array;
  readonly tokens: TokenText;
  readonly problems: BinaryProblems;
}

/**
 * Reads rows while the window holds a whole plain row (leading newlines, a token without control
 * bytes, a space, the floats): 'window' when the next row is not whole or not plain (the caller's
 * careful path takes it), 'time' when `deadline` passed, 'done' at the announced count.
 */
function readPlainRows(w: ByteWindow, state: RowsState, deadline: number): 'window' | 'time' | 'done' {
  const { dim, per, blocks, norms, rowOffset, hasToken, tokens, problems } = state;
  const rowBytes = dim * 4;
  const bytes = w.bytes;
  const view = windowView(bytes);
  const end = w.end;
  const limit = Math.min(state.announced, state.capacity);
  let rows = state.rows;
  let at = w.at;
  try {
    while (rows < limit) {
      if ((rows & 31) === 0 && performance.now() > deadline) return 'time';
      let start = at;
      while (start < end && bytes[start] === 0x0a) start++;
      let space = -1;
      for (let i = start; i < end; i++) {
        const c = bytes[i]!;
        if (c === 0x20) {
          space = i;
          break;
        }
        if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return 'window';
      }
      if (space < 0 || space === start || end - (space + 1) < rowBytes) return 'window';
      const b = Math.floor(rows / per);
      const block = blocks[b];
      if (block === undefined) return 'window'; // the generator allocates it, then comes back (before anything of this row is kept)
      const rowStart = w.base + start;
      hasToken[rows] = tokens.add(bytes, start, space, rowStart, problems) ? 1 : 0;
      rowOffset[rows] = rowStart;
      norms[rows] = copyRow(view, space + 1, block, (rows - b * per) * dim, dim);
      at = space + 1 + rowBytes;
      rows++;
    }
    return 'done';
  } finally {
    state.rows = rows;
    w.at = at;
  }
}
