/**
 * Source of the attention softmax that runs beside the GEMM in its WebAssembly module (the own-
 * memory build: wasmAttention.ts computes a head's scores with `gemm`, calls this on them in the
 * same memory, then multiplies the weights by V with `gemm` again, so nothing leaves wasm between
 * the three steps). Written with wasmAssembler.ts; `npm run build:kernels` emits the bytes.
 *
 * Contract (all arguments i32 byte offsets or counts, but `scale`, an f32):
 *   softmaxRows(src, cols, scores, weights, stride, rows, rowStart, rowFrom, causal, window, scale, status)
 *     src      [rows, cols] a block of raw scores q·kᵀ (row r is the query i = rowStart + r); the
 *              kernel reads up to 3 floats past the block's end, so 16 bytes must follow it.
 *     scores   [rows, stride] ← s·scale where key j is visible to query i, −∞ elsewhere (stride
 *              = cols rounded up to a multiple of 4; the padding columns are −∞ too)
 *     weights  [rows, stride] ← softmax over the visible keys, exactly 0 elsewhere
 *     visible: j ≤ i when causal (else every j < cols), and with window w > 0 also j > i − w
 *     status   ← −1 when rows [rowFrom, rows) are all done; otherwise the first row r whose
 *              visible maximum is not finite (NaN, +∞, or every visible score −∞). That row's
 *              scores are written and its weights are 0; the host finishes it the way softmax.ts
 *              does and calls again from r + 1.
 *
 * Legend: rows × cols one block of the score matrix; stride its padded row length; lanes of 4.
 *
 * Per row, three passes over f32x4 vectors:
 *   1. scale and mask the row, store scores, zero weights, running lane-wise max   [stride]
 *   2. e = exp(s − max) over the vectors that hold a visible key, stored as weights,
 *      summed in two f64x2 accumulators                                            [≤ i + 1]
 *   3. weights ← e · (1 / sum)
 *
 * Numerical stability: the row max is subtracted first, so every exponent is ≤ 0 and nothing
 * overflows; exp is vectorExp.ts's (~1 ulp of float32; a weight below e^−87 ≈ 1.6·10⁻³⁸ is 0
 * here). The sum is float64 and at least 1 (the max contributes e⁰). The weights are within a
 * few float32 ulps of a float64 softmax (test/unit/core/models/wasmAttention.test.ts).
 */
import { VectorExp } from './vectorExp';
import { type Expr, forRange, type Local, type ModuleBuilder } from './wasmAssembler';

const FLOAT = 4;

/** Adds the exported `softmaxRows` function to `mod` (see the contract above). */
export function defineSoftmaxRows(mod: ModuleBuilder): void {
  mod.function('softmaxRows', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'f32', 'i32'], (fn) => {
    const src = fn.param(0), cols = fn.param(1), scores = fn.param(2), weights = fn.param(3), stride = fn.param(4);
    const rows = fn.param(5), rowStart = fn.param(6), rowFrom = fn.param(7), causal = fn.param(8), window = fn.param(9);
    const scale = fn.param(10), status = fn.param(11);
    const get = (l: Local): Expr => fn.localGet(l);
    const v128 = (): Local => fn.local('v128');
    const r = fn.local('i32'), c = fn.local('i32'), i = fn.local('i32');
    const first = fn.local('i32'), last = fn.local('i32'), chunkEnd = fn.local('i32');
    const srcRow = fn.local('i32'), scoresRow = fn.local('i32'), weightsRow = fn.local('i32');
    const rowMax = fn.local('f32');
    const max = v128(), x = v128(), visible = v128(), d = v128(), e = v128();
    const sumLo = v128(), sumHi = v128(), inv = v128(), maxSplat = v128();
    // Constants, built once (V8 keeps what fits in registers).
    const scaleV = v128(), negInf = v128(), laneIndex = v128();
    fn.localSet(scaleV, fn.f32x4Splat(get(scale)));
    fn.localSet(negInf, fn.f32x4Splat(fn.f32Const(Number.NEGATIVE_INFINITY)));
    fn.localSet(laneIndex, fn.i32x4ConstLanes([0, 1, 2, 3]));
    const exp = new VectorExp(fn);

    /** Row-relative byte offset of vector c. */
    const at = (base: Local): Expr => fn.i32Add(get(base), fn.i32Shl(get(c), fn.i32Const(2)));

    fn.i32Store(get(status), fn.i32Const(-1));
    fn.block((done) => {
      fn.localSet(r, get(rowFrom));
      fn.loop((nextRow) => {
        fn.brIf(done, fn.i32GeS(get(r), get(rows)));
        fn.localSet(i, fn.i32Add(get(rowStart), get(r)));
        fn.localSet(last, fn.select(get(i), fn.i32Sub(get(cols), fn.i32Const(1)), get(causal)));
        fn.localSet(first, fn.i32Const(0));
        fn.if(fn.i32And(get(causal), fn.i32GtS(get(window), fn.i32Const(0))), () => {
          fn.localSet(first, fn.i32Add(fn.i32Sub(get(i), get(window)), fn.i32Const(1)));
          fn.localSet(first, fn.select(get(first), fn.i32Const(0), fn.i32GtS(get(first), fn.i32Const(0))));
        });
        fn.localSet(srcRow, fn.i32Add(get(src), fn.i32Mul(fn.i32Mul(get(r), get(cols)), fn.i32Const(FLOAT))));
        fn.localSet(scoresRow, fn.i32Add(get(scores), fn.i32Mul(fn.i32Mul(get(r), get(stride)), fn.i32Const(FLOAT))));
        fn.localSet(weightsRow, fn.i32Add(get(weights), fn.i32Mul(fn.i32Mul(get(r), get(stride)), fn.i32Const(FLOAT))));

        // Pass 1: scores = s·scale where visible, −∞ elsewhere; weights 0; lane-wise max.  [stride]
        fn.localSet(max, get(negInf));
        forRange(fn, c, () => fn.i32Const(0), stride, 4, () => {
          fn.localSet(x, fn.f32x4Mul(fn.v128Load(at(srcRow), 0, 2), get(scaleV)));
          // visible lanes: first − 1 < j < last + 1, j = c + lane
          const j = (): Expr => fn.i32x4Add(fn.i32x4Splat(get(c)), get(laneIndex));
          fn.localSet(visible, fn.v128And(
            fn.i32x4GtS(j(), fn.i32x4Splat(fn.i32Sub(get(first), fn.i32Const(1)))),
            fn.i32x4GtS(fn.i32x4Splat(fn.i32Add(get(last), fn.i32Const(1))), j())));
          fn.localSet(x, fn.v128Bitselect(get(x), get(negInf), get(visible)));
          fn.v128Store(at(scoresRow), get(x));
          fn.v128Store(at(weightsRow), fn.v128ZeroConst());
          fn.localSet(max, fn.f32x4Max(get(max), get(x)));
        });
        fn.localSet(max, fn.f32x4Max(get(max), fn.f32x4Shuffle(get(max), get(max), [2, 3, 0, 1])));
        fn.localSet(max, fn.f32x4Max(get(max), fn.f32x4Shuffle(get(max), get(max), [1, 0, 3, 2])));
        fn.localSet(rowMax, fn.f32x4ExtractLane(get(max), 0));
        // Not finite (max − max is NaN for NaN and ±∞): the host finishes this row.
        fn.if(fn.i32Eqz(fn.f32Eq(fn.f32Sub(get(rowMax), get(rowMax)), fn.f32Const(0))), () => {
          fn.i32Store(get(status), get(r));
          fn.br(done);
        });

        // Pass 2: e = exp(s − max) over the vectors holding keys first … last, summed in float64.
        fn.localSet(maxSplat, fn.f32x4Splat(get(rowMax)));
        fn.localSet(sumLo, fn.v128ZeroConst());
        fn.localSet(sumHi, fn.v128ZeroConst());
        fn.localSet(chunkEnd, fn.i32Add(get(last), fn.i32Const(1)));
        const firstVector = (): Expr => fn.i32And(get(first), fn.i32Const(~3));
        forRange(fn, c, firstVector, chunkEnd, 4, () => {
          fn.localSet(d, fn.f32x4Sub(fn.v128Load(at(scoresRow)), get(maxSplat)));
          exp.emit(d, e);
          fn.v128Store(at(weightsRow), get(e));
          fn.localSet(sumLo, fn.f64x2Add(get(sumLo), fn.f64x2PromoteLowF32x4(get(e))));
          fn.localSet(sumHi, fn.f64x2Add(get(sumHi), fn.f64x2PromoteLowF32x4(fn.f32x4Shuffle(get(e), get(e), [2, 3, 2, 3]))));
        });
        fn.localSet(sumLo, fn.f64x2Add(get(sumLo), get(sumHi)));
        // Pass 3: weights ← e · (1 / sum), sum ≥ 1.
        fn.localSet(inv, fn.f32x4Splat(fn.f32DemoteF64(fn.f64Div(fn.f64Const(1),
          fn.f64Add(fn.f64x2ExtractLane(get(sumLo), 0), fn.f64x2ExtractLane(get(sumLo), 1))))));
        forRange(fn, c, firstVector, chunkEnd, 4, () => {
          fn.v128Store(at(weightsRow), fn.f32x4Mul(fn.v128Load(at(weightsRow)), get(inv)));
        });

        fn.localSet(r, fn.i32Add(get(r), fn.i32Const(1)));
        fn.br(nextRow);
      });
    });
  });
}
