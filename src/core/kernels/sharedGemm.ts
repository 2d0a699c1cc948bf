/**
 * The WebAssembly SIMD GEMM over a memory the caller owns and may share between threads.
 *
 * Contract: `instantiateSharedGemm(memory)` instantiates the shared build of the kernel
 * (gemmKernel.ts with an imported shared memory) over `memory`, a WebAssembly.Memory created with
 * `shared: true`. Its `gemmRange` computes the columns [j0, j1) of
 *     C[n, m] = A[n, k] · B[k, m] + bias       (transB false: B row-major [k, m], GPT-2's Conv1D)
 *     C[n, m] = A[n, k] · B[m, k]ᵀ + bias      (transB true: B row-major [m, k], nn.Linear)
 * where every operand is already in the memory (byte offsets): A and C float32, bias ⌈m/8⌉·8
 * float32 (zero-padded), B float32, float16 or bfloat16 (`dtype`), widened to float32 while its
 * panels are packed, so 16-bit weights stay 16-bit in memory. Several instances over one memory
 * (one per thread) may run at once on disjoint column ranges, each with its own `ThreadScratch`.
 * No threads or I/O here: src/model/parallel/ owns the workers, this file only runs the kernel.
 *
 * Legend: n rows of A and C, k shared width, m columns of C; [j0, j1) a column range, j0 a
 * multiple of NR = 8 (the bias and the packed panels are read 8 floats at a time).
 * Numerical note: as the private-memory kernel (wasmGemm.ts): float32 accumulation, four lanes at
 * a time, within γ_k · Σ|a·b| of the exact product; float16/bfloat16 widening is exact.
 */
import { decodeBase64 } from './base64';
import { KC, MAX_MR, NC, NR } from './gemmLayout';
import { GEMM_SHARED_RELAXED_FMA_BASE64, GEMM_SHARED_SIMD128_BASE64 } from './simd.generated';

/** Element type of a B operand (a weight matrix) in memory. */
export type WeightDtype = 'f32' | 'f16' | 'bf16';

/** Bytes per element of each weight dtype. */
export const DTYPE_BYTES: Readonly<Record<WeightDtype, number>> = { f32: 4, f16: 2, bf16: 2 };

const DTYPE_CODE: Readonly<Record<WeightDtype, number>> = { f32: 0, f16: 1, bf16: 2 };

/** The slice of the GEMM's packing buffers one thread needs: scratch tile, packed A stripe, packed B block. */
export interface ThreadScratch {
  readonly scratch: number;
  readonly apack: number;
  readonly pack: number;
}

const align64 = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/** Bytes of one thread's packing buffers (64-byte aligned pieces). */
export const THREAD_SCRATCH_BYTES = align64(MAX_MR * NR * 4) + align64(MAX_MR * KC * 4) + align64(KC * NC * 4);

/** The packing buffers of one thread laid out from `base` (64-byte aligned), THREAD_SCRATCH_BYTES long. */
export function threadScratchAt(base: number): ThreadScratch {
  const scratch = align64(base);
  const apack = scratch + align64(MAX_MR * NR * 4);
  return { scratch, apack, pack: apack + align64(MAX_MR * KC * 4) };
}

/** One product's operands: byte offsets into the shared memory and the shape. */
export interface GemmOperands {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly bias: number;
  readonly n: number;
  readonly k: number;
  readonly m: number;
  readonly transB: boolean;
  readonly dtype: WeightDtype;
}

export interface SharedGemm {
  /** 'relaxed-fma' or 'simd128'. */
  readonly variant: string;
  /** Columns [j0, j1) of C (see the contract). */
  gemmRange(op: GemmOperands, j0: number, j1: number, scratch: ThreadScratch): void;
  /** x ← gelu_new(x) in place for rows × cols floats at byte offset ptr, rows `stride` floats apart (activationKernel.ts). */
  geluNew(ptr: number, rows: number, cols: number, stride: number): void;
}

// The core compiles without DOM or node typings: the pieces of the WebAssembly JS API used here.
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { readonly exports: { readonly gemmRange: GemmRangeExport; readonly geluNew: GeluExport } };
}
type GeluExport = (ptr: number, rows: number, cols: number, stride: number) => void;
type GemmRangeExport = (a: number, b: number, c: number, bias: number, pack: number, apack: number, scratch: number,
  n: number, k: number, m: number, transB: number, j0: number, j1: number, dtype: number) => void;

/** Which build: the fastest this engine validates, or one named (tests, benchmarks). */
export type SharedGemmChoice = 'best' | 'simd128' | 'relaxed-fma';

/**
 * The shared-memory kernel over `memory` (a shared WebAssembly.Memory), or undefined when this
 * engine has no WebAssembly SIMD or threads (then callers use the private-memory path).
 */
export function instantiateSharedGemm(memory: object, choice: SharedGemmChoice = 'best'): SharedGemm | undefined {
  const api = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (!api) return undefined;
  const builds = [
    { name: 'relaxed-fma', base64: GEMM_SHARED_RELAXED_FMA_BASE64 },
    { name: 'simd128', base64: GEMM_SHARED_SIMD128_BASE64 },
  ];
  for (const build of builds) {
    if (choice !== 'best' && choice !== build.name) continue;
    try {
      const bytes = decodeBase64(build.base64);
      if (!api.validate(bytes)) continue;
      const { gemmRange: run, geluNew } = new api.Instance(new api.Module(bytes), { env: { memory } }).exports;
      return {
        variant: build.name,
        geluNew,
        gemmRange: (op, j0, j1, s) => {
          if (j0 % NR !== 0) throw new RangeError(`gemmRange: j0 = ${j0} is not a multiple of ${NR}`);
          if (j0 < 0 || j1 > op.m || j0 >= j1) return;
          run(op.a, op.b, op.c, op.bias, s.pack, s.apack, s.scratch, op.n, op.k, op.m, op.transB ? 1 : 0, j0, j1, DTYPE_CODE[op.dtype]);
        },
      };
    } catch {
      continue;
    }
  }
  return undefined;
}
