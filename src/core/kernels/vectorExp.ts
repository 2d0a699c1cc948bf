/**
 * e^d on four float32 lanes, emitted inline into a wasm function (wasmAssembler.ts): the
 * exponential of the attention softmax (softmaxKernel.ts) and of gelu_new (activationKernel.ts).
 *
 * Contract: `new VectorExp(fn)` declares its constants as locals of `fn` and sets them (emit it
 * before any loop, so they are built once); `emit(d, e)` sets e ← e^d lane-wise for d ≤ 0, with
 * e = 0 where d ≤ −87 (−∞ included) and d itself clobbered. Only plain SIMD128 operations (no
 * relaxed multiply-add), so every build of a module computes the same bits.
 *
 * Method (Cephes expf): k = round(d / ln 2), r = d − k·C1 − k·C2 with ln 2 = C1 − C2 split so that
 * k·C1 is exact, e^r = 1 + r + r²·P(r) with Cephes' degree-5 P on |r| ≤ ½ ln 2, then · 2^k built in
 * the exponent field, (k + 127) << 23.
 *
 * Numerical stability: about 1 ulp of float32. The clamp at −87 keeps 2^k a normal float
 * (k ≥ −126); e^−87 ≈ 1.6·10⁻³⁸, so what is dropped there is below 10⁻³⁷ in absolute terms.
 * Positive d is outside the contract (softmax subtracts the row max first; gelu_new passes −2|u|).
 */
import type { FunctionBuilder, Local } from './wasmAssembler';

const LOG2E = Math.LOG2E;
const EXP_C1 = 0.693359375;
const EXP_C2 = -2.12194440e-4;
/** Cephes expf's polynomial for (e^r − 1 − r) / r², highest degree first. */
const EXP_POLY = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1] as const;
const EXP_MIN_ARG = -87;

export class VectorExp {
  private readonly log2e: Local;
  private readonly c1: Local;
  private readonly c2: Local;
  private readonly minArg: Local;
  private readonly one: Local;
  private readonly poly: readonly Local[];
  private readonly keep: Local;
  private readonly kf: Local;
  private readonly r: Local;
  private readonly p: Local;

  constructor(private readonly fn: FunctionBuilder) {
    const splat = (value: number): Local => {
      const local = fn.local('v128');
      fn.localSet(local, fn.f32x4Splat(fn.f32Const(value)));
      return local;
    };
    this.log2e = splat(LOG2E);
    this.c1 = splat(EXP_C1);
    this.c2 = splat(EXP_C2);
    this.minArg = splat(EXP_MIN_ARG);
    this.one = splat(1);
    this.poly = EXP_POLY.map(splat);
    [this.keep, this.kf, this.r, this.p] = [fn.local('v128'), fn.local('v128'), fn.local('v128'), fn.local('v128')];
  }

  /** e ← e^d lane-wise (see the contract); d is clobbered. */
  emit(d: Local, e: Local): void {
    const { fn } = this;
    const get = (l: Local): ReturnType<FunctionBuilder['localGet']> => fn.localGet(l);
    fn.localSet(this.keep, fn.f32x4Gt(get(d), get(this.minArg)));
    fn.localSet(d, fn.f32x4Max(get(d), get(this.minArg)));
    // k = round(d / ln 2); r = d − k·ln 2, in two parts
    fn.localSet(this.kf, fn.f32x4Nearest(fn.f32x4Mul(get(d), get(this.log2e))));
    fn.localSet(this.r, fn.f32x4Sub(fn.f32x4Sub(get(d), fn.f32x4Mul(get(this.kf), get(this.c1))), fn.f32x4Mul(get(this.kf), get(this.c2))));
    // P(r) by Horner; e^r = P(r)·r² + r + 1
    fn.localSet(this.p, get(this.poly[0]!));
    for (let q = 1; q < this.poly.length; q++) fn.localSet(this.p, fn.f32x4Add(fn.f32x4Mul(get(this.p), get(this.r)), get(this.poly[q]!)));
    fn.localSet(this.p, fn.f32x4Add(fn.f32x4Add(fn.f32x4Mul(get(this.p), fn.f32x4Mul(get(this.r), get(this.r))), get(this.r)), get(this.one)));
    // · 2^k
    fn.localSet(e, fn.f32x4Mul(get(this.p), fn.i32x4Shl(fn.i32x4Add(fn.i32x4TruncSatF32x4S(get(this.kf)), fn.i32x4Const(127)), fn.i32Const(23))));
    fn.localSet(e, fn.v128And(get(e), get(this.keep)));
  }
}
