/**
 * Tile and block sizes shared by the kernel source (gemmKernel.ts) and its host (wasmGemm.ts).
 * Changing one means `npm run build:kernels`.
 */

/** Register tile width: 8 columns = two f32x4 vectors per tile row. */
export const NR = 8;
/** Packed block of B: KC · NC · 4 bytes = 256 KiB, a quarter of this machine's 1 MiB L2. */
export const KC = 256;
export const NC = 256;

/** One build of the kernel. */
export interface GemmVariant {
  readonly name: string;
  /** Tile height: MR rows × NR columns of C live in MR · NR / 4 f32x4 registers. */
  readonly mr: number;
  /** Multiply-add with relaxed SIMD's f32x4.relaxed_madd (one fused instruction) instead of mul + add. */
  readonly fma: boolean;
}

/**
 * Portable SIMD128: 5 × 8 tile = 10 accumulators + 2 panel vectors + 1 broadcast + 1 product
 * temporary = 14 of the 15 xmm registers V8 allocates on x64 (6 × 8 spills: measured 26 vs 40 GFLOP/s).
 */
export const SIMD128: GemmVariant = { name: 'simd128', mr: 5, fma: false };
/**
 * Relaxed SIMD (on by default from V8 11.4: Node ≥ 22, VS Code's Electron): no product temporary,
 * so a 6 × 8 tile fits (12 + 2 + 1 = 15 registers).
 */
export const RELAXED_FMA: GemmVariant = { name: 'relaxed-fma', mr: 6, fma: true };
/** The tallest tile of any variant: the host sizes its scratch areas with it. */
export const MAX_MR = 6;
