/**
 * Host side of the WebAssembly SIMD GEMM: instantiates the embedded module once, lays the operands
 * out in its memory, calls `gemm`, and copies the product out.
 *
 * Contract: `gemmWasm` returns C = A·B (+ bias) or A·Bᵀ (+ bias) as a new Float32Array, or
 * `undefined` when WebAssembly (or SIMD) is unavailable here or the operands would not fit, so the
 * caller falls back to the JS path. No I/O: the module's bytes are embedded (simd.generated.ts).
 *
 * Memory: one linear memory per process, grown to the largest product seen so far and reused;
 * nothing is kept between calls. Layout of one call (byte offsets, 64-byte aligned):
 *   [scratch tile MAX_MR·NR][packed A stripe MAX_MR·KC][packed B block KC·NC][bias ⌈m/NR⌉·NR][A n·k][B k·m][C n·m]
 * The first three (GEMM_SCRATCH) are shared with wasmAttention.ts, which runs a whole attention
 * head in this memory with `gemm` and `softmaxRows`.
 * Float32Array views over the memory are rebuilt whenever it grows (growing detaches old views).
 * Compilation is synchronous (`new WebAssembly.Module`), which Node and Electron hosts allow; a
 * browser main thread refuses modules over 4 KB, and then too the JS path runs.
 */
import { KC, MAX_MR, NC, NR, RELAXED_FMA, SIMD128 } from './gemmLayout';
import { decodeBase64 } from './base64';
import { GEMM_RELAXED_FMA_BASE64, GEMM_SIMD128_BASE64 } from './simd.generated';

// The core compiles without DOM or node typings, so it names only the pieces of the WebAssembly
// JS API it uses, and reads them off globalThis (absent in some hosts: then the JS path runs).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}
interface WasmInstance {
  readonly exports: { readonly memory: WasmMemory; readonly gemm: GemmExport; readonly softmaxRows: SoftmaxRowsExport; readonly geluNew: GeluNewExport };
}
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => WasmInstance;
}
type GemmExport = (a: number, b: number, c: number, bias: number, pack: number, apack: number, scratch: number,
  n: number, k: number, m: number, transB: number) => void;
/** softmaxKernel.ts's export (its contract there). */
export type SoftmaxRowsExport = (src: number, cols: number, scores: number, weights: number, stride: number, rows: number,
  rowStart: number, rowFrom: number, causal: number, window: number, scale: number, status: number) => void;

/** activationKernel.ts's export. */
type GeluNewExport = (ptr: number, rows: number, cols: number, stride: number) => void;

/** The instance and views over its memory, valid until the next `reserveWasm` (growing detaches views). */
export interface WasmKernels {
  readonly variant: string;
  readonly memory: WasmMemory;
  readonly gemm: GemmExport;
  readonly softmaxRows: SoftmaxRowsExport;
  readonly geluNew: GeluNewExport;
  floats: Float32Array;
  ints: Int32Array;
}
type Loaded = WasmKernels;

const PAGE_BYTES = 65536;
/** Past this the operands go to the JS path instead of growing the memory further. */
const MAX_BYTES = 1 << 30;
const FLOAT = 4;

/** Which build to run: the fastest this engine validates, or one named (tests, benchmarks). */
export type WasmVariantChoice = 'best' | 'simd128' | 'relaxed-fma';
const BUILDS = [
  { name: RELAXED_FMA.name, base64: GEMM_RELAXED_FMA_BASE64 },
  { name: SIMD128.name, base64: GEMM_SIMD128_BASE64 },
] as const;

let choice: WasmVariantChoice = 'best';
let loaded: Loaded | null | undefined;

function load(): Loaded | null {
  const api = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (!api) return null;
  for (const build of BUILDS) {
    if (choice !== 'best' && choice !== build.name) continue;
    try {
      const bytes = decodeBase64(build.base64);
      // An engine without (relaxed) SIMD refuses the module here rather than at the first call.
      if (!api.validate(bytes)) continue;
      const instance = new api.Instance(new api.Module(bytes), {});
      const { memory, gemm, softmaxRows, geluNew } = instance.exports;
      return { variant: build.name, memory, gemm, softmaxRows, geluNew, floats: new Float32Array(memory.buffer), ints: new Int32Array(memory.buffer) };
    } catch {
      continue;
    }
  }
  return null;
}

function instance(): Loaded | null {
  if (loaded === undefined) loaded = load();
  return loaded;
}

/**
 * Pick the wasm build ('best': relaxed-SIMD FMA where the engine has it, else SIMD128). Drops the
 * current instance and its memory; returns the variant now loaded, or undefined if none loads.
 */
export function selectWasmVariant(next: WasmVariantChoice): string | undefined {
  choice = next;
  loaded = undefined;
  return instance()?.variant;
}

/** The wasm build in use ('relaxed-fma' or 'simd128'), or undefined when WebAssembly SIMD is unavailable. */
export function wasmGemmVariant(): string | undefined {
  return instance()?.variant;
}

/** True where the SIMD module could be instantiated. */
export function wasmGemmAvailable(): boolean {
  return instance() !== null;
}

export const align64 = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/** The kernel's working areas at the start of the memory (byte offsets); operands go from `end` on. */
export const GEMM_SCRATCH = (() => {
  const scratch = 64;
  const apack = align64(scratch + MAX_MR * NR * FLOAT);
  const pack = align64(apack + MAX_MR * KC * FLOAT);
  return { scratch, apack, pack, end: align64(pack + KC * NC * FLOAT) } as const;
})();

/**
 * The instance with at least `end` bytes of memory (grown if needed), or undefined when wasm is
 * unavailable or the engine refuses the memory, so the caller falls back to JS.
 */
export function reserveWasm(end: number): WasmKernels | undefined {
  const wasm = instance();
  if (!wasm || end > MAX_BYTES) return undefined;
  if (end > wasm.memory.buffer.byteLength) {
    try {
      wasm.memory.grow(Math.ceil((end - wasm.memory.buffer.byteLength) / PAGE_BYTES));
    } catch {
      return undefined; // the engine refused more memory: the JS path needs none of it
    }
    wasm.floats = new Float32Array(wasm.memory.buffer);
    wasm.ints = new Int32Array(wasm.memory.buffer);
  }
  return wasm;
}

/**
 * C[n, m] = A[n, k] · op(B) + bias, op(B) = B [k, m] or, with transB, Bᵀ of B [m, k].
 * `undefined` when the wasm path cannot run (caller falls back).
 */
export function gemmWasm(a: Float32Array, b: Float32Array, n: number, k: number, m: number, transB: boolean,
  bias?: Float32Array): Float32Array | undefined {
  const paddedM = Math.ceil(m / NR) * NR;
  const { scratch, apack: apackAt, pack: packAt, end: biasAt } = GEMM_SCRATCH;
  const aAt = align64(biasAt + paddedM * FLOAT);
  const bAt = align64(aAt + n * k * FLOAT);
  const cAt = align64(bAt + k * m * FLOAT);
  const wasm = reserveWasm(cAt + n * m * FLOAT);
  if (!wasm) return undefined;
  const floats = wasm.floats;
  floats.fill(0, biasAt / FLOAT, biasAt / FLOAT + paddedM);
  if (bias) floats.set(bias, biasAt / FLOAT);
  floats.set(a, aAt / FLOAT);
  floats.set(b, bAt / FLOAT);
  wasm.gemm(aAt, bAt, cAt, biasAt, packAt, apackAt, scratch, n, k, m, transB ? 1 : 0);
  return floats.slice(cAt / FLOAT, cAt / FLOAT + n * m);
}

/**
 * x ← gelu_new(x) with the module's kernel (activationKernel.ts), through its memory in pieces of
 * at most GELU_PIECE floats; false (x untouched) when wasm is unavailable here.
 */
export function geluNewWasm(x: Float32Array): boolean {
  const at = GEMM_SCRATCH.end;
  const wasm = reserveWasm(at + Math.min(x.length, GELU_PIECE) * FLOAT);
  if (!wasm) return false;
  for (let from = 0; from < x.length; from += GELU_PIECE) {
    const piece = x.subarray(from, Math.min(x.length, from + GELU_PIECE));
    wasm.floats.set(piece, at / FLOAT);
    wasm.geluNew(at, 1, piece.length, piece.length);
    piece.set(wasm.floats.subarray(at / FLOAT, at / FLOAT + piece.length));
  }
  return true;
}
const GELU_PIECE = 1 << 20;

/** Current size of the wasm memory in bytes (0 without WebAssembly): for tests of reuse. */
export function wasmMemoryBytes(): number {
  return instance()?.memory.buffer.byteLength ?? 0;
}
