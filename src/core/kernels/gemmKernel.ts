/**
 * Source of the WebAssembly SIMD GEMM, written with wasmAssembler.ts. `npm run build:kernels`
 * turns it into the committed bytes of simd.generated.ts (one module per GemmVariant); a unit test
 * rebuilds them and compares.
 *
 * The own-memory module also exports softmaxRows (softmaxKernel.ts, the attention softmax between
 * a head's two products) and both modules geluNew (activationKernel.ts).
 *
 * Contract of the exported function (all arguments i32; addresses are byte offsets into memory):
 *   gemm(a, b, c, bias, pack, apack, scratch, n, k, m, transB)
 *     C[n, m] = A[n, k] · B[k, m] + bias          (transB = 0, B row-major [k, m])
 *     C[n, m] = A[n, k] · B[m, k]ᵀ + bias         (transB = 1, B row-major [m, k], PyTorch weights)
 *   bias: ⌈m / NR⌉·NR floats, zero-padded past m (all zeros when there is no bias).
 *   pack: room for KC · NC floats; apack: MR · KC floats; scratch: MR · NR floats (16-byte aligned).
 *   k ≥ 1 (C is only ever written by adding k-slices). Accumulation is float32, four lanes at a
 *   time, in a different order than the float64 reference.
 *
 * Legend: n rows of A and C, k shared width, m columns of C; MR × NR register tile (5 × 8 or
 * 6 × 8, see gemmLayout.ts); KC depth and NC width of one packed block of B.
 *
 * Blocking (the BLIS loop nest):
 *   for jc0 in 0..m step NC             block of NC columns of C
 *     for kc0 in 0..k step KC           KC-deep slice; packed B block (KC·NC·4 bytes) lives in L2
 *       pack B[kc0.., jc0..] into panels of NR columns: panel[p][0..NR) contiguous
 *       for i0 in 0..n step MR          a stripe of MR rows of A, packed MR floats per k-step (L1)
 *         for each panel                micro-kernel: MR × NR tile of C in MR·NR/4 f32x4 registers
 * The first KC slice starts the accumulators from the bias (a row read with stride 0), later
 * slices from C itself, so C needs no zeroing. Tiles at the right or bottom edge go through a
 * scratch tile; stripe rows past n are packed as zeros and their results dropped.
 */
import { type GemmVariant, KC, NC, NR } from './gemmLayout';
import { defineGeluNew } from './activationKernel';
import { defineSoftmaxRows } from './softmaxKernel';
import { type Expr, forRange, type FunctionBuilder, type FunctionRef as FunctionRefLike, type Local, ModuleBuilder, type ModuleMemory } from './wasmAssembler';

const FLOAT = 4;
const PANEL_ROW = NR * FLOAT; // bytes of one k-step of a packed panel
const VECTORS = NR / 4; // f32x4 vectors per tile row

/** min(a, b) for i32. */
function minS(fn: FunctionBuilder, a: () => Expr, b: () => Expr): Expr {
  return fn.select(a(), b(), fn.i32LtS(a(), b()));
}

/**
 * 4 × 4 transpose of the f32x4 rows v[0..3] into out[0..3] (out[q] = lane q of each v), with
 * unpack-style shuffles that V8 lowers to unpcklps/unpckhps/movlhps/movhlps.
 */
function transpose4(fn: FunctionBuilder, v: readonly Local[], out: readonly Local[], t: readonly Local[]): void {
  const get = (l: Local | undefined): Expr => fn.localGet(l!);
  fn.localSet(t[0]!, fn.f32x4Shuffle(get(v[0]), get(v[1]), [0, 4, 1, 5])); // v0[0] v1[0] v0[1] v1[1]
  fn.localSet(t[1]!, fn.f32x4Shuffle(get(v[2]), get(v[3]), [0, 4, 1, 5])); // v2[0] v3[0] v2[1] v3[1]
  fn.localSet(t[2]!, fn.f32x4Shuffle(get(v[0]), get(v[1]), [2, 6, 3, 7])); // v0[2] v1[2] v0[3] v1[3]
  fn.localSet(t[3]!, fn.f32x4Shuffle(get(v[2]), get(v[3]), [2, 6, 3, 7])); // v2[2] v3[2] v2[3] v3[3]
  fn.localSet(out[0]!, fn.f32x4Shuffle(get(t[0]), get(t[1]), [0, 1, 4, 5]));
  fn.localSet(out[1]!, fn.f32x4Shuffle(get(t[0]), get(t[1]), [2, 3, 6, 7]));
  fn.localSet(out[2]!, fn.f32x4Shuffle(get(t[2]), get(t[3]), [0, 1, 4, 5]));
  fn.localSet(out[3]!, fn.f32x4Shuffle(get(t[2]), get(t[3]), [2, 3, 6, 7]));
}

/**
 * Four k-steps of an NR = 8 wide panel: v[0..7] hold four values of each of the 8 rows; transposed
 * (two 4×4 blocks) and stored as 4 panel rows of 8 floats at dst, which then moves past them.
 * The f32 and the 16-bit packing loops share it: they differ only in how v is loaded.
 */
function storePanelSteps(fn: FunctionBuilder, v: readonly Local[], out: readonly Local[], t: readonly Local[], dst: Local): void {
  transpose4(fn, v.slice(0, 4), out.slice(0, 4), t);
  transpose4(fn, v.slice(4), out.slice(4), t);
  for (let q = 0; q < 4; q++) {
    fn.v128Store(fn.localGet(dst), fn.localGet(out[q]!), q * PANEL_ROW);
    fn.v128Store(fn.localGet(dst), fn.localGet(out[4 + q]!), q * PANEL_ROW + 16);
  }
  fn.localSet(dst, fn.i32Add(fn.localGet(dst), fn.i32Const(4 * PANEL_ROW)));
}

/** `count` floats from src (stepping srcStep bytes) to dst (stepping dstStep bytes); moves both pointers. */
function copyStrided(fn: FunctionBuilder, src: Local, srcStep: number, dst: Local, dstStep: number, i: Local, from: () => Expr, to: Local): void {
  forRange(fn, i, from, to, 1, () => {
    fn.f32Store(fn.localGet(dst), fn.f32Load(fn.localGet(src)));
    fn.localSet(src, fn.i32Add(fn.localGet(src), fn.i32Const(srcStep)));
    fn.localSet(dst, fn.i32Add(fn.localGet(dst), fn.i32Const(dstStep)));
  });
}

interface DriverParams {
  readonly a: Local; readonly b: Local; readonly c: Local; readonly bias: Local; readonly pack: Local;
  readonly apack: Local; readonly scratch: Local; readonly n: Local; readonly k: Local; readonly m: Local;
  readonly transB: Local;
}
interface BlockLocals {
  readonly jc0: Local; readonly nc: Local; readonly kc0: Local; readonly kc: Local;
}

// ── 16-bit weights ─────────────────────────────────────────────────────────────────────────────
// float16 and bfloat16 B operands stay 16-bit in memory and are widened to f32 as their panels are
// packed (once per KC × NC block, amortised over all n rows of A), so a 16-bit checkpoint costs
// 2 bytes a weight. Widening is exact: every float16 and bfloat16 value is a float32 value.
//   bfloat16: the top half of a float32, so bits << 16.
//   float16 (IEEE binary16: 1 sign, 5 exponent bits biased 15, 10 mantissa bits): shift the
//   exponent and mantissa into float32's places (<< 13) and multiply by 2¹¹² (= 2^(127 − 15)) to
//   re-bias the exponent; the multiply also normalises subnormals exactly. Infinity and NaN
//   (exponent all ones, |bits| > 0x7bff) get float32's all-ones exponent OR-ed in, keeping the
//   mantissa (so NaN stays NaN); the sign bit moves from bit 15 to bit 31.

type Half = 'f16' | 'bf16';
const F16_MAGIC = 0x77800000; // 2¹¹² as float32 bits

/** Locals holding the float16 constants, set once per packer call (not per element). */
interface HalfConstants {
  readonly absMask: Local; readonly maxFinite: Local; readonly infExponent: Local; readonly magic: Local; readonly em: Local;
}

function halfConstants(fn: FunctionBuilder, kind: Half): HalfConstants | undefined {
  if (kind === 'bf16') return undefined;
  const c = { absMask: fn.local('v128'), maxFinite: fn.local('v128'), infExponent: fn.local('v128'), magic: fn.local('v128'), em: fn.local('v128') };
  fn.localSet(c.absMask, fn.i32x4Const(0x7fff));
  fn.localSet(c.maxFinite, fn.i32x4Const(0x7bff));
  fn.localSet(c.infExponent, fn.i32x4Const(0x7f800000));
  fn.localSet(c.magic, fn.i32x4Const(F16_MAGIC));
  return c;
}

/** out ← the four 16-bit values in the i32 lanes of `raw` (zero-extended), as f32x4; `c` undefined means bfloat16. */
function widenHalf(fn: FunctionBuilder, c: HalfConstants | undefined, raw: Local, out: Local): void {
  if (!c) {
    fn.localSet(out, fn.i32x4Shl(fn.localGet(raw), fn.i32Const(16)));
    return;
  }
  fn.localSet(c.em, fn.v128And(fn.localGet(raw), fn.localGet(c.absMask)));
  fn.localSet(out, fn.v128Or(
    fn.v128Or(
      fn.f32x4Mul(fn.i32x4Shl(fn.localGet(c.em), fn.i32Const(13)), fn.localGet(c.magic)),
      fn.v128And(fn.i32x4GtS(fn.localGet(c.em), fn.localGet(c.maxFinite)), fn.localGet(c.infExponent))),
    fn.i32x4Shl(fn.i32x4ShrU(fn.localGet(raw), fn.i32Const(15)), fn.i32Const(31))));
}

/** `count` 16-bit values from src (stepping srcStep bytes), widened, to f32s at dst (stepping dstStep bytes). */
function copyStridedHalf(fn: FunctionBuilder, c: HalfConstants | undefined, scalar: { raw: Local; out: Local },
  src: Local, srcStep: Expr | number, dst: Local, dstStep: number, i: Local, from: () => Expr, to: Local): void {
  forRange(fn, i, from, to, 1, () => {
    fn.localSet(scalar.raw, fn.i32x4Splat(fn.i32Load16U(fn.localGet(src))));
    widenHalf(fn, c, scalar.raw, scalar.out);
    fn.f32Store(fn.localGet(dst), fn.f32x4ExtractLane(fn.localGet(scalar.out), 0));
    fn.localSet(src, fn.i32Add(fn.localGet(src), typeof srcStep === 'number' ? fn.i32Const(srcStep) : srcStep));
    fn.localSet(dst, fn.i32Add(fn.localGet(dst), fn.i32Const(dstStep)));
  });
}

/**
 * packRows16(b, m, jc0, nc, kc0, kc, pack): as packRows, B row-major [k, m] of 16-bit values
 * (GPT-2's Conv1D layout [in, out]); a full panel row is 8 consecutive u16 = two widened f32x4.
 */
function definePackRows16(mod: ModuleBuilder, kind: Half): FunctionRefLike {
  return mod.function(`packRows_${kind}`, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], (fn) => {
    const b = fn.param(0), m = fn.param(1), jc0 = fn.param(2), nc = fn.param(3), kc0 = fn.param(4), kc = fn.param(5), pack = fn.param(6);
    const jj = fn.local('i32'), nr = fn.local('i32'), dst = fn.local('i32'), srcp = fn.local('i32'), p = fn.local('i32'), j = fn.local('i32');
    const rowBytes = fn.local('i32'), at = fn.local('i32'), out = fn.local('i32');
    const lo = fn.local('v128'), hi = fn.local('v128'), raw = fn.local('v128');
    const c = halfConstants(fn, kind);
    const scalar = { raw, out: lo };
    fn.localSet(rowBytes, fn.i32Shl(fn.localGet(m), fn.i32Const(1)));
    forRange(fn, jj, () => fn.i32Const(0), nc, NR, () => {
      fn.localSet(nr, minS(fn, () => fn.i32Const(NR), () => fn.i32Sub(fn.localGet(nc), fn.localGet(jj))));
      fn.localSet(dst, fn.i32Add(fn.localGet(pack), fn.i32Shl(fn.i32Mul(fn.localGet(jj), fn.localGet(kc)), fn.i32Const(2))));
      // srcp = b + (kc0·m + jc0 + jj)·2
      fn.localSet(srcp, fn.i32Add(fn.localGet(b), fn.i32Shl(
        fn.i32Add(fn.i32Mul(fn.localGet(kc0), fn.localGet(m)), fn.i32Add(fn.localGet(jc0), fn.localGet(jj))), fn.i32Const(1))));
      fn.if(fn.i32Eq(fn.localGet(nr), fn.i32Const(NR)), () => {
        forRange(fn, p, () => fn.i32Const(0), kc, 1, () => {
          fn.localSet(raw, fn.v128Load16x4U(fn.localGet(srcp)));
          widenHalf(fn, c, raw, lo);
          fn.localSet(raw, fn.v128Load16x4U(fn.localGet(srcp), 8));
          widenHalf(fn, c, raw, hi);
          fn.v128Store(fn.localGet(dst), fn.localGet(lo));
          fn.v128Store(fn.localGet(dst), fn.localGet(hi), 16);
          fn.localSet(dst, fn.i32Add(fn.localGet(dst), fn.i32Const(PANEL_ROW)));
          fn.localSet(srcp, fn.i32Add(fn.localGet(srcp), fn.localGet(rowBytes)));
        });
      }, () => {
        forRange(fn, p, () => fn.i32Const(0), kc, 1, () => {
          fn.v128Store(fn.localGet(dst), fn.v128ZeroConst());
          fn.v128Store(fn.localGet(dst), fn.v128ZeroConst(), 16);
          fn.localSet(at, fn.localGet(srcp));
          fn.localSet(out, fn.localGet(dst));
          copyStridedHalf(fn, c, scalar, at, 2, out, FLOAT, j, () => fn.i32Const(0), nr);
          fn.localSet(dst, fn.i32Add(fn.localGet(dst), fn.i32Const(PANEL_ROW)));
          fn.localSet(srcp, fn.i32Add(fn.localGet(srcp), fn.localGet(rowBytes)));
        });
      });
    });
  }, false);
}

/**
 * packColumns16(b, k, jc0, nc, kc0, kc, pack): as packColumns, B row-major [m, k] of 16-bit values
 * (nn.Linear's [out, in]); full panels go 4 k-steps at a time: 8 rows × 4 u16 widened, then two
 * 4 × 4 transposes.
 */
function definePackColumns16(mod: ModuleBuilder, kind: Half): FunctionRefLike {
  return mod.function(`packColumns_${kind}`, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], (fn) => {
    const b = fn.param(0), k = fn.param(1), jc0 = fn.param(2), nc = fn.param(3), kc0 = fn.param(4), kc = fn.param(5), pack = fn.param(6);
    const jj = fn.local('i32'), nr = fn.local('i32'), panel = fn.local('i32'), dst = fn.local('i32'), srcp = fn.local('i32');
    const p = fn.local('i32'), j = fn.local('i32'), eight = fn.local('i32'), kc4 = fn.local('i32');
    const src = Array.from({ length: NR }, () => fn.local('i32'));
    const v = Array.from({ length: NR }, () => fn.local('v128'));
    const out = Array.from({ length: NR }, () => fn.local('v128')), t = Array.from({ length: 4 }, () => fn.local('v128'));
    const raw = fn.local('v128'), widened = fn.local('v128');
    const c = halfConstants(fn, kind);
    const scalar = { raw, out: widened };
    // b + ((jc0 + jj + j)·k + kc0)·2
    const rowStart = (row: () => Expr): Expr => fn.i32Add(fn.localGet(b), fn.i32Shl(fn.i32Add(
      fn.i32Mul(fn.i32Add(fn.localGet(jc0), fn.i32Add(fn.localGet(jj), row())), fn.localGet(k)), fn.localGet(kc0)), fn.i32Const(1)));
    fn.localSet(eight, fn.i32Const(NR));
    fn.localSet(kc4, fn.i32And(fn.localGet(kc), fn.i32Const(~3)));
    forRange(fn, jj, () => fn.i32Const(0), nc, NR, () => {
      fn.localSet(nr, minS(fn, () => fn.i32Const(NR), () => fn.i32Sub(fn.localGet(nc), fn.localGet(jj))));
      fn.localSet(panel, fn.i32Add(fn.localGet(pack), fn.i32Shl(fn.i32Mul(fn.localGet(jj), fn.localGet(kc)), fn.i32Const(2))));
      fn.if(fn.i32Eq(fn.localGet(nr), fn.i32Const(NR)), () => {
        src.forEach((s, row) => fn.localSet(s, rowStart(() => fn.i32Const(row))));
        fn.localSet(dst, fn.localGet(panel));
        forRange(fn, p, () => fn.i32Const(0), kc4, 4, () => {
          src.forEach((s, row) => {
            fn.localSet(raw, fn.v128Load16x4U(fn.localGet(s)));
            widenHalf(fn, c, raw, v[row]!);
            fn.localSet(s, fn.i32Add(fn.localGet(s), fn.i32Const(8)));
          });
          storePanelSteps(fn, v, out, t, dst);
        });
        // the last kc % 4 steps, one value at a time
        src.forEach((s, row) => {
          fn.localSet(dst, fn.i32Add(fn.localGet(panel), fn.i32Shl(fn.i32Add(fn.i32Shl(fn.localGet(kc4), fn.i32Const(3)), fn.i32Const(row)), fn.i32Const(2))));
          copyStridedHalf(fn, c, scalar, s, 2, dst, PANEL_ROW, p, () => fn.localGet(kc4), kc);
        });
      }, () => {
        // edge panel: the real columns one value at a time, zeros after them
        forRange(fn, j, () => fn.i32Const(0), eight, 1, () => {
          fn.localSet(dst, fn.i32Add(fn.localGet(panel), fn.i32Shl(fn.localGet(j), fn.i32Const(2))));
          fn.if(fn.i32LtS(fn.localGet(j), fn.localGet(nr)), () => {
            fn.localSet(srcp, rowStart(() => fn.localGet(j)));
            copyStridedHalf(fn, c, scalar, srcp, 2, dst, PANEL_ROW, p, () => fn.i32Const(0), kc);
          }, () => {
            forRange(fn, p, () => fn.i32Const(0), kc, 1, () => {
              fn.f32Store(fn.localGet(dst), fn.f32Const(0));
              fn.localSet(dst, fn.i32Add(fn.localGet(dst), fn.i32Const(PANEL_ROW)));
            });
          });
        });
      });
    });
  }, false);
}

/** `blocking` exists for tuning experiments; the shipped modules use gemmLayout's KC and NC. */
export function buildGemmModule(variant: GemmVariant, blocking = { kc: KC, nc: NC }, memory: ModuleMemory = 'own'): Uint8Array<ArrayBuffer> {
  const MR = variant.mr;
  const mod = new ModuleBuilder(memory);

  // ── micro-kernel ─────────────────────────────────────────────────────────────────────────────
  // kernel(ap, bp, kc, src, srcStride, dst, dstStride)
  //   tile[r][0..NR) = src[r] + Σ_p ap[p][r] · bp[p][0..NR)   for r < MR, p < kc
  //   ap: packed A stripe, MR floats per k-step; bp: packed B panel, NR floats per k-step;
  //   src/dst: tile rows with byte strides (srcStride 0 repeats one row: the bias).
  // One k-step per loop turn, on purpose: V8's TurboFan keeps wasm loads in program order and
  // sinks arithmetic towards its use, so an unrolled body front-loads every load and spills the
  // accumulators (measured: 4 steps per turn ran at 25 GFLOP/s, 1 step at 35).
  const kernel = mod.function('kernel', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], (fn) => {
    const ap = fn.param(0), bp = fn.param(1), kc = fn.param(2), src = fn.param(3), srcStride = fn.param(4);
    const dst = fn.param(5), dstStride = fn.param(6);
    const acc = Array.from({ length: MR * VECTORS }, () => fn.local('v128'));
    const bv = Array.from({ length: VECTORS }, () => fn.local('v128'));
    const av = fn.local('v128'), row = fn.local('i32');
    const accAt = (r: number, v: number): Local => acc[r * VECTORS + v]!;

    // 1. accumulators ← src rows (bias or the running C tile)
    fn.localSet(row, fn.localGet(src));
    for (let r = 0; r < MR; r++) {
      for (let v = 0; v < VECTORS; v++) fn.localSet(accAt(r, v), fn.v128Load(fn.localGet(row), v * 16));
      if (r < MR - 1) fn.localSet(row, fn.i32Add(fn.localGet(row), fn.localGet(srcStride)));
    }

    // 2. kc k-steps: NR/4 panel loads, MR broadcasts, MR·NR/4 multiply-adds each
    fn.if(fn.i32GtS(fn.localGet(kc), fn.i32Const(0)), () => {
      fn.loop((top) => {
        for (let v = 0; v < VECTORS; v++) fn.localSet(bv[v]!, fn.v128Load(fn.localGet(bp), v * 16));
        for (let r = 0; r < MR; r++) {
          fn.localSet(av, fn.v128Load32Splat(fn.localGet(ap), r * FLOAT));
          for (let v = 0; v < VECTORS; v++) {
            const target = accAt(r, v);
            if (variant.fma) {
              fn.localSet(target, fn.f32x4RelaxedMadd(fn.localGet(av), fn.localGet(bv[v]!), fn.localGet(target)));
            } else {
              fn.localSet(target, fn.f32x4Add(fn.localGet(target), fn.f32x4Mul(fn.localGet(av), fn.localGet(bv[v]!))));
            }
          }
        }
        fn.localSet(ap, fn.i32Add(fn.localGet(ap), fn.i32Const(MR * FLOAT)));
        fn.localSet(bp, fn.i32Add(fn.localGet(bp), fn.i32Const(PANEL_ROW)));
        fn.brIf(top, fn.localTee(kc, fn.i32Sub(fn.localGet(kc), fn.i32Const(1))));
      });
    });

    // 3. tile → dst rows
    fn.localSet(row, fn.localGet(dst));
    for (let r = 0; r < MR; r++) {
      for (let v = 0; v < VECTORS; v++) fn.v128Store(fn.localGet(row), fn.localGet(accAt(r, v)), v * 16);
      if (r < MR - 1) fn.localSet(row, fn.i32Add(fn.localGet(row), fn.localGet(dstStride)));
    }
  }, false);

  // ── packing A ────────────────────────────────────────────────────────────────────────────────
  // packStripe(a, k, i0, mr, kc0, kc, apack): rows i0 .. i0+mr of A, columns kc0 .. kc0+kc, as
  // kc groups of MR floats (apack[p·MR + r] = A[i0 + r, kc0 + p]); rows past mr are zero.
  // Full stripes go 4 k-steps at a time: rows 0–3 by a 4 × 4 transpose, the rest by lane stores.
  const packStripe = mod.function('packStripe', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], (fn) => {
    const a = fn.param(0), k = fn.param(1), i0 = fn.param(2), mr = fn.param(3), kc0 = fn.param(4), kc = fn.param(5), apack = fn.param(6);
    const r = fn.local('i32'), p = fn.local('i32'), srcp = fn.local('i32'), dst = fn.local('i32'), rows = fn.local('i32');
    const kc4 = fn.local('i32');
    const src = Array.from({ length: MR }, () => fn.local('i32'));
    const v = Array.from({ length: MR }, () => fn.local('v128'));
    const out = Array.from({ length: 4 }, () => fn.local('v128')), t = Array.from({ length: 4 }, () => fn.local('v128'));
    // srcp = a + ((i0 + r)·k + kc0)·4
    const rowStart = (row: () => Expr): Expr => fn.i32Add(fn.localGet(a), fn.i32Shl(fn.i32Add(
      fn.i32Mul(fn.i32Add(fn.localGet(i0), row()), fn.localGet(k)), fn.localGet(kc0)), fn.i32Const(2)));
    fn.localSet(rows, fn.i32Const(MR));
    fn.if(fn.i32Eq(fn.localGet(mr), fn.i32Const(MR)), () => {
      fn.localSet(kc4, fn.i32And(fn.localGet(kc), fn.i32Const(~3)));
      src.forEach((s, row) => fn.localSet(s, rowStart(() => fn.i32Const(row))));
      fn.localSet(dst, fn.localGet(apack));
      forRange(fn, p, () => fn.i32Const(0), kc4, 4, () => {
        src.forEach((s, row) => {
          fn.localSet(v[row]!, fn.v128Load(fn.localGet(s)));
          fn.localSet(s, fn.i32Add(fn.localGet(s), fn.i32Const(16)));
        });
        transpose4(fn, v, out, t);
        for (let q = 0; q < 4; q++) {
          fn.v128Store(fn.localGet(dst), fn.localGet(out[q]!), q * MR * FLOAT);
          for (let row = 4; row < MR; row++) fn.v128Store32Lane(fn.localGet(dst), fn.localGet(v[row]!), q, (q * MR + row) * FLOAT);
        }
        fn.localSet(dst, fn.i32Add(fn.localGet(dst), fn.i32Const(4 * MR * FLOAT)));
      });
      // the last kc % 4 steps, one float at a time
      src.forEach((s, row) => {
        fn.localSet(dst, fn.i32Add(fn.localGet(apack), fn.i32Shl(fn.i32Add(fn.i32Mul(fn.localGet(kc4), fn.i32Const(MR)), fn.i32Const(row)), fn.i32Const(2))));
        copyStrided(fn, s, FLOAT, dst, MR * FLOAT, p, () => fn.localGet(kc4), kc);
      });
    }, () => {
      forRange(fn, r, () => fn.i32Const(0), rows, 1, () => {
        fn.localSet(dst, fn.i32Add(fn.localGet(apack), fn.i32Shl(fn.localGet(r), fn.i32Const(2))));
        fn.if(fn.i32LtS(fn.localGet(r), fn.localGet(mr)), () => {
          fn.localSet(srcp, rowStart(() => fn.localGet(r)));
          copyStrided(fn, srcp, FLOAT, dst, MR * FLOAT, p, () => fn.i32Const(0), kc);
        }, () => {
          forRange(fn, p, () => fn.i32Const(0), kc, 1, () => {
            fn.f32Store(fn.localGet(dst), fn.f32Const(0));
            fn.localSet(dst, fn.i32Add(fn.localGet(dst), fn.i32Const(MR * FLOAT)));
          });
        });
      });
    });
  }, false);

  // ── tile copy ────────────────────────────────────────────────────────────────────────────────
  // copyTile(from, fromStride, to, toStride, rows, cols): the rows × cols corner of a tile,
  // for edge tiles that pass through the scratch tile. Strides in bytes.
  const copyTile = mod.function('copyTile', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], (fn) => {
    const from = fn.param(0), fromStride = fn.param(1), to = fn.param(2), toStride = fn.param(3), rows = fn.param(4), cols = fn.param(5);
    const r = fn.local('i32'), j = fn.local('i32');
    forRange(fn, r, () => fn.i32Const(0), rows, 1, () => {
      forRange(fn, j, () => fn.i32Const(0), cols, 1, () => {
        const offset = (): Expr => fn.i32Shl(fn.localGet(j), fn.i32Const(2));
        fn.f32Store(fn.i32Add(fn.localGet(to), offset()), fn.f32Load(fn.i32Add(fn.localGet(from), offset())));
      });
      fn.localSet(from, fn.i32Add(fn.localGet(from), fn.localGet(fromStride)));
      fn.localSet(to, fn.i32Add(fn.localGet(to), fn.localGet(toStride)));
    });
  }, false);

  // ── packing B ────────────────────────────────────────────────────────────────────────────────
  // Both packers write the block B[kc0 .. kc0+kc) × columns [jc0 .. jc0+nc) as panels of NR
  // columns: panel jj/NR starts at pack + jj·kc·4 and holds kc rows of NR floats; columns past
  // the edge are zero, so the micro-kernel never needs a column count.

  // packRows(b, m, jc0, nc, kc0, kc, pack): B row-major [k, m]; a panel row is 8 consecutive floats.
  const packRows = mod.function('packRows', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], (fn) => {
    const b = fn.param(0), m = fn.param(1), jc0 = fn.param(2), nc = fn.param(3), kc0 = fn.param(4), kc = fn.param(5), pack = fn.param(6);
    const jj = fn.local('i32'), nr = fn.local('i32'), dst = fn.local('i32'), srcp = fn.local('i32'), p = fn.local('i32'), j = fn.local('i32');
    const rowBytes = fn.local('i32');
    fn.localSet(rowBytes, fn.i32Shl(fn.localGet(m), fn.i32Const(2)));
    forRange(fn, jj, () => fn.i32Const(0), nc, NR, () => {
      fn.localSet(nr, minS(fn, () => fn.i32Const(NR), () => fn.i32Sub(fn.localGet(nc), fn.localGet(jj))));
      fn.localSet(dst, fn.i32Add(fn.localGet(pack), fn.i32Shl(fn.i32Mul(fn.localGet(jj), fn.localGet(kc)), fn.i32Const(2))));
      // srcp = b + (kc0·m + jc0 + jj)·4
      fn.localSet(srcp, fn.i32Add(fn.localGet(b), fn.i32Shl(
        fn.i32Add(fn.i32Mul(fn.localGet(kc0), fn.localGet(m)), fn.i32Add(fn.localGet(jc0), fn.localGet(jj))), fn.i32Const(2))));
      fn.if(fn.i32Eq(fn.localGet(nr), fn.i32Const(NR)), () => {
        forRange(fn, p, () => fn.i32Const(0), kc, 1, () => {
          fn.v128Store(fn.localGet(dst), fn.v128Load(fn.localGet(srcp)));
          fn.v128Store(fn.localGet(dst), fn.v128Load(fn.localGet(srcp), 16), 16);
          fn.localSet(dst, fn.i32Add(fn.localGet(dst), fn.i32Const(PANEL_ROW)));
          fn.localSet(srcp, fn.i32Add(fn.localGet(srcp), fn.localGet(rowBytes)));
        });
      }, () => {
        forRange(fn, p, () => fn.i32Const(0), kc, 1, () => {
          fn.v128Store(fn.localGet(dst), fn.v128ZeroConst());
          fn.v128Store(fn.localGet(dst), fn.v128ZeroConst(), 16);
          forRange(fn, j, () => fn.i32Const(0), nr, 1, () => {
            const offset = (): Expr => fn.i32Shl(fn.localGet(j), fn.i32Const(2));
            fn.f32Store(fn.i32Add(fn.localGet(dst), offset()), fn.f32Load(fn.i32Add(fn.localGet(srcp), offset())));
          });
          fn.localSet(dst, fn.i32Add(fn.localGet(dst), fn.i32Const(PANEL_ROW)));
          fn.localSet(srcp, fn.i32Add(fn.localGet(srcp), fn.localGet(rowBytes)));
        });
      });
    });
  }, false);

  // packColumns(b, k, jc0, nc, kc0, kc, pack): B row-major [m, k] (used transposed); a panel row
  // gathers one float from each of 8 rows of B.
  // Full panels go 4 k-steps at a time: two 4 × 4 transposes of 8 rows × 4 floats.
  const packColumns = mod.function('packColumns', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], (fn) => {
    const b = fn.param(0), k = fn.param(1), jc0 = fn.param(2), nc = fn.param(3), kc0 = fn.param(4), kc = fn.param(5), pack = fn.param(6);
    const jj = fn.local('i32'), nr = fn.local('i32'), panel = fn.local('i32'), dst = fn.local('i32'), srcp = fn.local('i32');
    const p = fn.local('i32'), j = fn.local('i32'), eight = fn.local('i32'), kc4 = fn.local('i32');
    const src = Array.from({ length: NR }, () => fn.local('i32'));
    const v = Array.from({ length: NR }, () => fn.local('v128'));
    const out = Array.from({ length: NR }, () => fn.local('v128')), t = Array.from({ length: 4 }, () => fn.local('v128'));
    // b + ((jc0 + jj + j)·k + kc0)·4
    const rowStart = (row: () => Expr): Expr => fn.i32Add(fn.localGet(b), fn.i32Shl(fn.i32Add(
      fn.i32Mul(fn.i32Add(fn.localGet(jc0), fn.i32Add(fn.localGet(jj), row())), fn.localGet(k)), fn.localGet(kc0)), fn.i32Const(2)));
    fn.localSet(eight, fn.i32Const(NR));
    fn.localSet(kc4, fn.i32And(fn.localGet(kc), fn.i32Const(~3)));
    forRange(fn, jj, () => fn.i32Const(0), nc, NR, () => {
      fn.localSet(nr, minS(fn, () => fn.i32Const(NR), () => fn.i32Sub(fn.localGet(nc), fn.localGet(jj))));
      fn.localSet(panel, fn.i32Add(fn.localGet(pack), fn.i32Shl(fn.i32Mul(fn.localGet(jj), fn.localGet(kc)), fn.i32Const(2))));
      fn.if(fn.i32Eq(fn.localGet(nr), fn.i32Const(NR)), () => {
        src.forEach((s, row) => fn.localSet(s, rowStart(() => fn.i32Const(row))));
        fn.localSet(dst, fn.localGet(panel));
        forRange(fn, p, () => fn.i32Const(0), kc4, 4, () => {
          src.forEach((s, row) => {
            fn.localSet(v[row]!, fn.v128Load(fn.localGet(s)));
            fn.localSet(s, fn.i32Add(fn.localGet(s), fn.i32Const(16)));
          });
          storePanelSteps(fn, v, out, t, dst);
        });
        // the last kc % 4 steps, one float at a time
        src.forEach((s, row) => {
          fn.localSet(dst, fn.i32Add(fn.localGet(panel), fn.i32Shl(fn.i32Add(fn.i32Shl(fn.localGet(kc4), fn.i32Const(3)), fn.i32Const(row)), fn.i32Const(2))));
          copyStrided(fn, s, FLOAT, dst, PANEL_ROW, p, () => fn.localGet(kc4), kc);
        });
      }, () => {
        // edge panel: the real columns one float at a time, zeros after them
        forRange(fn, j, () => fn.i32Const(0), eight, 1, () => {
          fn.localSet(dst, fn.i32Add(fn.localGet(panel), fn.i32Shl(fn.localGet(j), fn.i32Const(2))));
          fn.if(fn.i32LtS(fn.localGet(j), fn.localGet(nr)), () => {
            fn.localSet(srcp, rowStart(() => fn.localGet(j)));
            copyStrided(fn, srcp, FLOAT, dst, PANEL_ROW, p, () => fn.i32Const(0), kc);
          }, () => {
            forRange(fn, p, () => fn.i32Const(0), kc, 1, () => {
              fn.f32Store(fn.localGet(dst), fn.f32Const(0));
              fn.localSet(dst, fn.i32Add(fn.localGet(dst), fn.i32Const(PANEL_ROW)));
            });
          });
        });
      });
    });
  }, false);

  // ── driver ───────────────────────────────────────────────────────────────────────────────────
  // The BLIS loop nest over the columns [jStart, jEnd) of C; `packB` emits step 1 for one block.
  const driver = (fn: FunctionBuilder, p: DriverParams, jStart: () => Expr, jEnd: Local, packB: (block: BlockLocals) => void): void => {
    const { a, c, bias, pack, apack, scratch, n, k, m } = p;
    const jc0 = fn.local('i32'), nc = fn.local('i32'), kc0 = fn.local('i32'), kc = fn.local('i32');
    const i0 = fn.local('i32'), mr = fn.local('i32'), jj = fn.local('i32'), nr = fn.local('i32');
    const bp = fn.local('i32'), cTile = fn.local('i32'), src = fn.local('i32'), srcStride = fn.local('i32');
    const ldc = fn.local('i32');
    fn.localSet(ldc, fn.i32Shl(fn.localGet(m), fn.i32Const(2)));
    const getAll = (...locals: Local[]): Expr[] => locals.map((l) => fn.localGet(l));

    forRange(fn, jc0, jStart, jEnd, blocking.nc, () => {
      fn.localSet(nc, minS(fn, () => fn.i32Const(blocking.nc), () => fn.i32Sub(fn.localGet(jEnd), fn.localGet(jc0))));
      forRange(fn, kc0, () => fn.i32Const(0), k, blocking.kc, () => {
        fn.localSet(kc, minS(fn, () => fn.i32Const(blocking.kc), () => fn.i32Sub(fn.localGet(k), fn.localGet(kc0))));
        // 1. pack this block of B into NR-column panels
        packB({ jc0, nc, kc0, kc });
        // 2. sweep MR-row stripes of A over the panels
        forRange(fn, i0, () => fn.i32Const(0), n, MR, () => {
          fn.localSet(mr, minS(fn, () => fn.i32Const(MR), () => fn.i32Sub(fn.localGet(n), fn.localGet(i0))));
          fn.call(packStripe, ...getAll(a, k, i0, mr, kc0, kc, apack));
          forRange(fn, jj, () => fn.i32Const(0), nc, NR, () => {
            fn.localSet(nr, minS(fn, () => fn.i32Const(NR), () => fn.i32Sub(fn.localGet(nc), fn.localGet(jj))));
            fn.localSet(bp, fn.i32Add(fn.localGet(pack), fn.i32Shl(fn.i32Mul(fn.localGet(jj), fn.localGet(kc)), fn.i32Const(2))));
            // cTile = c + (i0·m + jc0 + jj)·4
            fn.localSet(cTile, fn.i32Add(fn.localGet(c), fn.i32Shl(
              fn.i32Add(fn.i32Mul(fn.localGet(i0), fn.localGet(m)), fn.i32Add(fn.localGet(jc0), fn.localGet(jj))), fn.i32Const(2))));
            // 3. start from the bias on the first slice, from C afterwards
            fn.if(fn.i32Eqz(fn.localGet(kc0)), () => {
              fn.localSet(src, fn.i32Add(fn.localGet(bias), fn.i32Shl(fn.i32Add(fn.localGet(jc0), fn.localGet(jj)), fn.i32Const(2))));
              fn.localSet(srcStride, fn.i32Const(0));
            }, () => {
              fn.localSet(src, fn.localGet(cTile));
              fn.localSet(srcStride, fn.localGet(ldc));
            });
            fn.if(fn.i32And(fn.i32Eq(fn.localGet(mr), fn.i32Const(MR)), fn.i32Eq(fn.localGet(nr), fn.i32Const(NR))), () => {
              fn.call(kernel, ...getAll(apack, bp, kc, src, srcStride, cTile, ldc));
            }, () => {
              // edge tile: through the scratch tile, only the mr × nr corner is real
              fn.if(fn.localGet(kc0), () => {
                fn.call(copyTile, fn.localGet(cTile), fn.localGet(ldc), fn.localGet(scratch), fn.i32Const(PANEL_ROW), fn.localGet(mr), fn.localGet(nr));
                fn.localSet(src, fn.localGet(scratch));
                fn.localSet(srcStride, fn.i32Const(PANEL_ROW));
              });
              fn.call(kernel, ...getAll(apack, bp, kc, src, srcStride, scratch), fn.i32Const(PANEL_ROW));
              fn.call(copyTile, fn.localGet(scratch), fn.i32Const(PANEL_ROW), fn.localGet(cTile), fn.localGet(ldc), fn.localGet(mr), fn.localGet(nr));
            });
          });
        });
      });
    });
  };
  const driverParams = (fn: FunctionBuilder): DriverParams => ({
    a: fn.param(0), b: fn.param(1), c: fn.param(2), bias: fn.param(3), pack: fn.param(4), apack: fn.param(5),
    scratch: fn.param(6), n: fn.param(7), k: fn.param(8), m: fn.param(9), transB: fn.param(10),
  });

  if (memory === 'own') {
    // gemm(a, b, c, bias, pack, apack, scratch, n, k, m, transB): all columns, f32 B.
    mod.function('gemm', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], (fn) => {
      const p = driverParams(fn);
      driver(fn, p, () => fn.i32Const(0), p.m, ({ jc0, nc, kc0, kc }) => {
        fn.if(fn.localGet(p.transB), () => {
          fn.call(packColumns, ...[p.b, p.k, jc0, nc, kc0, kc, p.pack].map((l) => fn.localGet(l)));
        }, () => {
          fn.call(packRows, ...[p.b, p.m, jc0, nc, kc0, kc, p.pack].map((l) => fn.localGet(l)));
        });
      });
    });
    // Beside gemm, in the same memory: the attention softmax between a head's two products, and gelu_new.
    defineSoftmaxRows(mod);
    defineGeluNew(mod);
    return mod.bytes();
  }

  // gemmRange(a, b, c, bias, pack, apack, scratch, n, k, m, transB, j0, j1, bKind): the columns
  // [j0, j1) of C only (j0 a multiple of NR), so threads over one shared memory can split C by
  // columns; B's elements are f32 (bKind 0), float16 (1) or bfloat16 (2), widened while packing.
  const packers16 = ([1, 2] as const).map((kind) => ({
    kind,
    rows: definePackRows16(mod, kind === 1 ? 'f16' : 'bf16'),
    columns: definePackColumns16(mod, kind === 1 ? 'f16' : 'bf16'),
  }));
  mod.function('gemmRange', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], (fn) => {
    const p = driverParams(fn);
    const j0 = fn.param(11), j1 = fn.param(12), bKind = fn.param(13);
    driver(fn, p, () => fn.localGet(j0), j1, ({ jc0, nc, kc0, kc }) => {
      const packWith = (columns: FunctionRefLike, rows: FunctionRefLike): void => {
        fn.if(fn.localGet(p.transB), () => {
          fn.call(columns, ...[p.b, p.k, jc0, nc, kc0, kc, p.pack].map((l) => fn.localGet(l)));
        }, () => {
          fn.call(rows, ...[p.b, p.m, jc0, nc, kc0, kc, p.pack].map((l) => fn.localGet(l)));
        });
      };
      fn.if(fn.i32Eqz(fn.localGet(bKind)), () => packWith(packColumns, packRows), () => {
        fn.if(fn.i32Eq(fn.localGet(bKind), fn.i32Const(1)),
          () => packWith(packers16[0]!.columns, packers16[0]!.rows),
          () => packWith(packers16[1]!.columns, packers16[1]!.rows));
      });
    });
  });
  // gelu_new in place on the columns a thread just computed (the MLP's first product).
  defineGeluNew(mod);
  return mod.bytes();
}
