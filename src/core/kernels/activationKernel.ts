/**
 * Source of gelu_new in WebAssembly, for both builds of the GEMM module: the shared one applies it
 * in place to the columns a thread just computed (src/model/parallel's MLP), the own-memory one
 * serves activations.ts everywhere else, so a pass computes the same bits on one thread or many.
 * Written with wasmAssembler.ts; `npm run build:kernels` emits the bytes.
 *
 * Contract (i32 arguments; ptr a byte offset):
 *   geluNew(ptr, rows, cols, stride)   x ← gelu_new(x) for the rows × cols floats at ptr, row r
 *                                      starting stride·r floats after the first; nothing else is
 *                                      read or written.
 *   gelu_new(x) = ½ x (1 + tanh u), u = √(2/π) (x + 0.044715 x³), transformers' NewGELUActivation,
 *   computed as activations.ts does: t = e^−2|u|, x / (1 + t) for u ≥ 0, x·t / (1 + t) for u < 0.
 *
 * Legend: rows × cols a block of activations, stride its row pitch in floats, lanes of 4.
 *
 * Numerical stability: t ∈ [0, 1], so nothing overflows and the negative side keeps its relative
 * precision; float32 arithmetic throughout (u in float32 too), within a few ulps of the float64
 * formula (test/unit/core/models/blocks.test.ts); exp is vectorExp.ts's. NaN stays NaN.
 */
import { VectorExp } from './vectorExp';
import { type Expr, forRange, type Local, type ModuleBuilder } from './wasmAssembler';

const FLOAT = 4;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

export function defineGeluNew(mod: ModuleBuilder): void {
  mod.function('geluNew', ['i32', 'i32', 'i32', 'i32'], (fn) => {
    const ptr = fn.param(0), rows = fn.param(1), cols = fn.param(2), stride = fn.param(3);
    const get = (l: Local): Expr => fn.localGet(l);
    const r = fn.local('i32'), c = fn.local('i32'), at = fn.local('i32'), row = fn.local('i32');
    const x = fn.local('v128'), u = fn.local('v128'), d = fn.local('v128'), t = fn.local('v128');
    const k0 = fn.local('v128'), k1 = fn.local('v128'), one = fn.local('v128'), zero = fn.local('v128'), minusTwo = fn.local('v128');
    fn.localSet(k0, fn.f32x4Splat(fn.f32Const(SQRT_2_OVER_PI)));
    fn.localSet(k1, fn.f32x4Splat(fn.f32Const(0.044715 * SQRT_2_OVER_PI)));
    fn.localSet(one, fn.f32x4Splat(fn.f32Const(1)));
    fn.localSet(zero, fn.v128ZeroConst());
    fn.localSet(minusTwo, fn.f32x4Splat(fn.f32Const(-2)));
    const exp = new VectorExp(fn);
    /** x ← gelu_new(x), four lanes. */
    const gelu = (): void => {
      // u = x (k0 + k1 x²);  t = e^−2|u|
      fn.localSet(u, fn.f32x4Mul(get(x), fn.f32x4Add(get(k0), fn.f32x4Mul(get(k1), fn.f32x4Mul(get(x), get(x))))));
      fn.localSet(d, fn.f32x4Mul(get(minusTwo), fn.f32x4Abs(get(u))));
      exp.emit(d, t);
      // (u ≥ 0 ? x : x·t) / (1 + t)
      fn.localSet(x, fn.f32x4Div(fn.v128Bitselect(get(x), fn.f32x4Mul(get(x), get(t)), fn.f32x4Ge(get(u), get(zero))),
        fn.f32x4Add(get(one), get(t))));
    };
    forRange(fn, r, () => fn.i32Const(0), rows, 1, () => {
      fn.localSet(row, fn.i32Add(get(ptr), fn.i32Mul(fn.i32Mul(get(r), get(stride)), fn.i32Const(FLOAT))));
      fn.localSet(c, fn.i32Const(0));
      // Whole vectors while four columns remain.
      fn.block((tail) => {
        fn.loop((top) => {
          fn.brIf(tail, fn.i32GtS(fn.i32Add(get(c), fn.i32Const(4)), get(cols)));
          fn.localSet(at, fn.i32Add(get(row), fn.i32Shl(get(c), fn.i32Const(2))));
          fn.localSet(x, fn.v128Load(get(at), 0, 2));
          gelu();
          fn.v128Store(get(at), get(x));
          fn.localSet(c, fn.i32Add(get(c), fn.i32Const(4)));
          fn.br(top);
        });
      });
      // The last cols mod 4, one lane at a time (no access past the row).
      fn.block((end) => {
        fn.loop((top) => {
          fn.brIf(end, fn.i32GeS(get(c), get(cols)));
          fn.localSet(at, fn.i32Add(get(row), fn.i32Shl(get(c), fn.i32Const(2))));
          fn.localSet(x, fn.f32x4Splat(fn.f32Load(get(at))));
          gelu();
          fn.v128Store32Lane(get(at), get(x), 0);
          fn.localSet(c, fn.i32Add(get(c), fn.i32Const(1)));
          fn.br(top);
        });
      });
    });
  });
}
