/**
 * Where an embedding store's float32 rows live: blocks of at most ROW_BLOCK_BYTES, each in the
 * memory of its own instance of the scan kernel (wasm/scanKernel.ts) when the runtime has
 * WebAssembly SIMD, so the neighbour scan reads the rows in place (floatScan.ts) and no set needs
 * a second copy of its data for an index.
 *
 * Contract: `allocateRows(rows, dim)` returns a zeroed Float32Array of rows·dim values; when it is
 * backed by a kernel instance, `scanMemoryOf(view)` finds that instance and its scratch space
 * (room for one query of dim values and one score per row, after the rows). Views on such a
 * buffer (subarray) find it too. A buffer is never grown after allocation (growing a wasm memory
 * detaches every view on it).
 * Why blocks: one ArrayBuffer (and one wasm32 memory) stops at 4 GiB; GoogleNews-size sets
 * (3M × 300 = 3.6 GB) and 2M × 600 (4.8 GB) need several. 1 GiB blocks keep every byte address
 * inside a signed i32 as well.
 */
import { SCAN_SHARED_WASM, SCAN_WASM } from './wasm/scan.generated';

export const ROW_BLOCK_BYTES = 1 << 30;
const PAGE = 65536;

// The lib settings (ES2022, no DOM) do not declare WebAssembly: name the few pieces used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;

/** A kernel instance whose memory holds one block of rows, with its scratch space. */
export interface ScanMemory {
  /** out[i] = rows[i]·query in float32, i32 byte addresses (wasm/scanKernel.ts). */
  readonly dots: (rows: number, query: number, out: number, count: number, dim: number) => void;
  readonly memory: WasmMemory;
  /** Byte offset of the query scratch (dim float32), then of the scores (rows float32). */
  readonly queryOffset: number;
  readonly scoresOffset: number;
  /** Rows the scratch has room for. */
  readonly capacityRows: number;
  /** out[i] = ‖row i‖₂ (f32; f64 sums in binaryRows.ts rowNorm's order), i32 byte addresses (wasm/scanKernel.ts). */
  readonly norms: (rows: number, count: number, dim: number, out: number) => void;
  /** memmove(dst, src, n) in the memory (wasm memory.copy: a plain memmove even when shared). */
  readonly move: (dst: number, src: number, n: number) => void;
  /**
   * Byte offset and size of a scratch area nobody scans with yet (the second one of a shared
   * block, on the thread that loaded it), or undefined: the loader writes norms there.
   */
  readonly spare: { readonly offset: number; readonly bytes: number } | undefined;
}

let module: object | undefined;
let sharedModule: object | undefined;
let supported: boolean | undefined;
let sharedSupported: boolean | undefined;

/** True when rows can live in shared memory (worker threads fill them, this thread scans them). */
export function sharedRowsSupported(): boolean {
  if (sharedSupported === undefined) {
    try {
      sharedSupported = scanKernelSupported() && typeof SharedArrayBuffer === 'function' && wasm!.validate(SCAN_SHARED_WASM);
    } catch {
      sharedSupported = false;
    }
  }
  return sharedSupported;
}

/** True when this runtime can run the SIMD kernel (Node ≥ 16, VS Code, every current browser). */
export function scanKernelSupported(): boolean {
  if (supported === undefined) {
    try {
      supported = wasm !== undefined && wasm.validate(SCAN_WASM);
    } catch {
      supported = false;
    }
  }
  return supported;
}

const registry = new WeakMap<ArrayBufferLike, ScanMemory>();
/** The shared memory under a shared block, to post it to another thread. */
const sharedMemories = new WeakMap<ArrayBufferLike, WasmMemory>();

/**
 * Byte layout of a block: rows, then `slots` scratch areas (the query, then the scores), and
 * where scratch area `slot` is. Shared blocks have two: the thread that loaded them scans with
 * slot 0, and a thread they are handed to later (storeTransfer.ts: the Explorer's set made the
 * active set) with slot 1, so two threads scanning the same rows at once never share scratch.
 */
function blockLayout(rows: number, dim: number, slot = 0, slots = 1): { queryOffset: number; scoresOffset: number; total: number } {
  const rowsEnd = Math.ceil((rows * dim * 4) / 16) * 16;
  const scratch = Math.ceil((dim * 4) / 16) * 16 + Math.ceil((rows * 4) / 16) * 16;
  const queryOffset = rowsEnd + slot * scratch;
  const scoresOffset = queryOffset + Math.ceil((dim * 4) / 16) * 16;
  return { queryOffset, scoresOffset, total: rowsEnd + slots * scratch };
}
const SHARED_SLOTS = 2;

/** The rows of one block: at most ROW_BLOCK_BYTES of float32, at least one row. */
export function rowsPerBlock(dim: number): number {
  return Math.max(1, Math.floor(ROW_BLOCK_BYTES / (Math.max(1, dim) * 4)));
}

/**
 * A zeroed [rows, dim] buffer, in a kernel instance's memory when possible; with `shared`, in a
 * shared memory (SharedArrayBuffer underneath) that `sharedMemoryOf` hands to another thread,
 * where `adoptSharedRows` makes the same rows scannable.
 */
export function allocateRows(rows: number, dim: number, options: { readonly shared?: boolean } = {}): Float32Array {
  const values = rows * dim;
  const { queryOffset, scoresOffset, total } = blockLayout(rows, dim);
  if (!scanKernelSupported() || values === 0 || total > 2 * ROW_BLOCK_BYTES) return new Float32Array(values);
  if (options.shared && sharedRowsSupported()) {
    const pages = Math.ceil(blockLayout(rows, dim, 0, SHARED_SLOTS).total / PAGE);
    const memory = new wasm!.Memory({ initial: pages, maximum: pages, shared: true });
    sharedMemories.set(memory.buffer, memory);
    return adoptSharedRows(memory, rows, dim);
  }
  module ??= new wasm!.Module(SCAN_WASM);
  const exports = new wasm!.Instance(module, {}).exports as { memory: WasmMemory; dots: ScanMemory['dots']; norms: ScanMemory['norms']; move: ScanMemory['move'] };
  const memory = exports.memory;
  const have = memory.buffer.byteLength / PAGE;
  const pages = Math.ceil(total / PAGE);
  if (pages > have) memory.grow(pages - have);
  const buffer = memory.buffer;
  registry.set(buffer, { dots: exports.dots, norms: exports.norms, move: exports.move, memory, queryOffset, scoresOffset, capacityRows: rows, spare: undefined });
  return new Float32Array(buffer, 0, values);
}

/**
 * Rows of a shared block (made by allocateRows with `shared`, maybe on another thread), scannable
 * here with scratch area `slot` (0: the thread that loaded them; 1: a thread they were handed to).
 */
export function adoptSharedRows(memory: WasmMemory, rows: number, dim: number, slot: 0 | 1 = 0): Float32Array {
  const { queryOffset, scoresOffset, total } = blockLayout(rows, dim, slot, slot + 1);
  if (memory.buffer.byteLength < total) throw new RangeError(`adoptSharedRows: ${memory.buffer.byteLength} bytes cannot hold ${rows} rows of ${dim}`);
  sharedModule ??= new wasm!.Module(SCAN_SHARED_WASM);
  const exports = new wasm!.Instance(sharedModule, { env: { memory } }).exports as { dots: ScanMemory['dots']; norms: ScanMemory['norms']; move: ScanMemory['move'] };
  const buffer = memory.buffer;
  const second = blockLayout(rows, dim, 1, SHARED_SLOTS);
  const spare = slot === 0 && buffer.byteLength >= second.total ? { offset: second.queryOffset, bytes: second.total - second.queryOffset } : undefined;
  registry.set(buffer, { dots: exports.dots, norms: exports.norms, move: exports.move, memory, queryOffset, scoresOffset, capacityRows: rows, spare });
  sharedMemories.set(buffer, memory);
  return new Float32Array(buffer, 0, rows * dim);
}

/** The shared memory under a view made by allocateRows with `shared` (to post to another thread). */
export function sharedMemoryOf(view: Float32Array): WasmMemory | undefined {
  return sharedMemories.get(view.buffer);
}

export type { WasmMemory };

/** The kernel instance holding this view's buffer, if any. */
export function scanMemoryOf(view: Float32Array): ScanMemory | undefined {
  return registry.get(view.buffer);
}

/** Blocks for `count` rows of `dim` values: rowsPerBlock(dim) rows each, the last one shorter. */
export function allocateRowBlocks(count: number, dim: number, options: { readonly shared?: boolean } = {}): Float32Array[] {
  const per = rowsPerBlock(dim);
  const blocks: Float32Array[] = [];
  for (let start = 0; start < count || blocks.length === 0; start += per) blocks.push(allocateRows(Math.min(per, count - start), dim, options));
  return blocks;
}
