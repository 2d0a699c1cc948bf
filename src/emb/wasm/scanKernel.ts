/**
 * Source of the neighbour-scan kernel (WebAssembly SIMD), written with the core's assembler
 * (src/core/kernels/wasmAssembler.ts). Run `node --import tsx src/emb/wasm/build.ts` to
 * regenerate scan.generated.ts from it.
 *
 * Contract of `dots(rows, query, out, count, dim)` (i32 byte addresses into the memory):
 *   out[i] = Σ_d rows[i·dim + d] · query[d]   for i in [0, count), in float32,
 *   rows: f32 [count, dim] (packed, no padding), query: f32 [dim], out: f32 [count].
 * Why float rows and not a quantised copy: the rows are the store's own (rowMemory.ts allocates
 * them in this module's memory), so the scan needs no second copy of the data at all (the int8
 * index it replaces cost 0.25× the rows plus 16 bytes a row).
 * Per row: two 4-lane accumulators over 8 values a step (two independent add chains hide the
 * add latency), then one 4-value step if 4 or more remain, the accumulators folded together and
 * summed across lanes (two shuffles), then the last 0–3 values one by one.
 * `norms(rows, count, dim, out)`: out[i] = ‖row i‖₂ as f32, the squares summed in f64 over four
 * lanes (d mod 4; the last dim mod 4 values into lane 0) and added (0 + 1) + (2 + 3): the order of
 * formats/binaryRows.ts rowNorm, so the two give the same bits (the binary readers use either).
 * Rounding (used by floatScan.ts): every value enters a chain of at most ⌈dim/8⌉ + 7 float32
 * additions after one multiplication, so |out[i] − q·x_i| ≤ γ_n Σ_d |q_d x_id| ≤ γ_n ‖q‖‖x_i‖ with
 * n = ⌈dim/8⌉ + 8 and γ_n = n·u / (1 − n·u), u = 2⁻²⁴ (Higham, Accuracy and Stability, §3.1).
 */
import { ModuleBuilder, type ModuleMemory } from '../../core/kernels/wasmAssembler';

/** Alignment hint (log2 bytes) the vector loads promise: f32, since rows of odd widths are packed. */
const ROW_ALIGN = 2;

/**
 * `memory`: 'own' (the module's memory, exported) or 'imported-shared' (env.memory, a shared
 * memory: row blocks a worker thread fills and the main thread scans, rowMemory.ts).
 */
export function buildScanModule(memory: ModuleMemory = 'own'): Uint8Array {
  const module = new ModuleBuilder(memory);
  module.function('dots', ['i32', 'i32', 'i32', 'i32', 'i32'], (fn) => {
    const rows = fn.param(0);
    const query = fn.param(1);
    const out = fn.param(2);
    const count = fn.param(3);
    const dim = fn.param(4);
    const outEnd = fn.local('i32');
    const rowEnd = fn.local('i32');
    const rowEnd8 = fn.local('i32');
    const q = fn.local('i32');
    const acc0 = fn.local('v128');
    const acc1 = fn.local('v128');
    const tail = fn.local('f32');

    // outEnd = out + count·4
    fn.localSet(outEnd, fn.i32Add(fn.localGet(out), fn.i32Shl(fn.localGet(count), fn.i32Const(2))));
    fn.block((rowsDone) => {
      fn.loop((nextRow) => {
        fn.brIf(rowsDone, fn.i32GeU(fn.localGet(out), fn.localGet(outEnd)));
        fn.localSet(acc0, fn.v128ZeroConst());
        fn.localSet(acc1, fn.v128ZeroConst());
        // rowEnd = rows + dim·4; rowEnd8 = rows + (dim & ~7)·4
        fn.localSet(rowEnd, fn.i32Add(fn.localGet(rows), fn.i32Shl(fn.localGet(dim), fn.i32Const(2))));
        fn.localSet(rowEnd8, fn.i32Add(fn.localGet(rows), fn.i32Shl(fn.i32And(fn.localGet(dim), fn.i32Const(-8)), fn.i32Const(2))));
        fn.localSet(q, fn.localGet(query));
        // 8 values per step, two chains
        fn.block((stepsDone) => {
          fn.loop((nextStep) => {
            fn.brIf(stepsDone, fn.i32GeU(fn.localGet(rows), fn.localGet(rowEnd8)));
            fn.localSet(acc0, fn.f32x4Add(fn.localGet(acc0), fn.f32x4Mul(fn.v128Load(fn.localGet(rows), 0, ROW_ALIGN), fn.v128Load(fn.localGet(q), 0, ROW_ALIGN))));
            fn.localSet(acc1, fn.f32x4Add(fn.localGet(acc1), fn.f32x4Mul(fn.v128Load(fn.localGet(rows), 16, ROW_ALIGN), fn.v128Load(fn.localGet(q), 16, ROW_ALIGN))));
            fn.localSet(rows, fn.i32Add(fn.localGet(rows), fn.i32Const(32)));
            fn.localSet(q, fn.i32Add(fn.localGet(q), fn.i32Const(32)));
            fn.br(nextStep);
          });
        });
        // one 4-value step when rowEnd − rows ≥ 16 bytes
        fn.if(fn.i32GeU(fn.localGet(rowEnd), fn.i32Add(fn.localGet(rows), fn.i32Const(16))), () => {
          fn.localSet(acc0, fn.f32x4Add(fn.localGet(acc0), fn.f32x4Mul(fn.v128Load(fn.localGet(rows), 0, ROW_ALIGN), fn.v128Load(fn.localGet(q), 0, ROW_ALIGN))));
          fn.localSet(rows, fn.i32Add(fn.localGet(rows), fn.i32Const(16)));
          fn.localSet(q, fn.i32Add(fn.localGet(q), fn.i32Const(16)));
        });
        // fold: acc0 += acc1; lanes (0+2, 1+3); then lane 0 + lane 1
        fn.localSet(acc0, fn.f32x4Add(fn.localGet(acc0), fn.localGet(acc1)));
        fn.localSet(acc0, fn.f32x4Add(fn.localGet(acc0), fn.f32x4Shuffle(fn.localGet(acc0), fn.localGet(acc0), [2, 3, 0, 1])));
        fn.localSet(acc0, fn.f32x4Add(fn.localGet(acc0), fn.f32x4Shuffle(fn.localGet(acc0), fn.localGet(acc0), [1, 0, 3, 2])));
        fn.v128Store32Lane(fn.localGet(out), fn.localGet(acc0), 0);
        // the last 0–3 values
        fn.localSet(tail, fn.f32Load(fn.localGet(out)));
        fn.block((tailDone) => {
          fn.loop((nextValue) => {
            fn.brIf(tailDone, fn.i32GeU(fn.localGet(rows), fn.localGet(rowEnd)));
            fn.localSet(tail, fn.f32Add(fn.localGet(tail), fn.f32Mul(fn.f32Load(fn.localGet(rows)), fn.f32Load(fn.localGet(q)))));
            fn.localSet(rows, fn.i32Add(fn.localGet(rows), fn.i32Const(4)));
            fn.localSet(q, fn.i32Add(fn.localGet(q), fn.i32Const(4)));
            fn.br(nextValue);
          });
        });
        fn.f32Store(fn.localGet(out), fn.localGet(tail));
        fn.localSet(out, fn.i32Add(fn.localGet(out), fn.i32Const(4)));
        fn.br(nextRow);
      });
    });
  });
  module.function('norms', ['i32', 'i32', 'i32', 'i32'], (fn) => {
    const rows = fn.param(0);
    const count = fn.param(1);
    const dim = fn.param(2);
    const out = fn.param(3);
    const outEnd = fn.local('i32');
    const rowEnd = fn.local('i32');
    const rowEnd4 = fn.local('i32');
    const v = fn.local('v128');
    const acc0 = fn.local('v128');
    const acc1 = fn.local('v128');
    const s0 = fn.local('f64');
    const x = fn.local('f64');

    fn.localSet(outEnd, fn.i32Add(fn.localGet(out), fn.i32Shl(fn.localGet(count), fn.i32Const(2))));
    fn.block((rowsDone) => {
      fn.loop((nextRow) => {
        fn.brIf(rowsDone, fn.i32GeU(fn.localGet(out), fn.localGet(outEnd)));
        fn.localSet(acc0, fn.v128ZeroConst());
        fn.localSet(acc1, fn.v128ZeroConst());
        fn.localSet(rowEnd, fn.i32Add(fn.localGet(rows), fn.i32Shl(fn.localGet(dim), fn.i32Const(2))));
        fn.localSet(rowEnd4, fn.i32Add(fn.localGet(rows), fn.i32Shl(fn.i32And(fn.localGet(dim), fn.i32Const(-4)), fn.i32Const(2))));
        // 4 values a step: lanes (d, d+1) into acc0, (d+2, d+3) into acc1, squares in f64
        fn.block((stepsDone) => {
          fn.loop((nextStep) => {
            fn.brIf(stepsDone, fn.i32GeU(fn.localGet(rows), fn.localGet(rowEnd4)));
            fn.localSet(v, fn.v128Load(fn.localGet(rows), 0, ROW_ALIGN));
            fn.localSet(acc0, fn.f64x2Add(fn.localGet(acc0), fn.f64x2Mul(fn.f64x2PromoteLowF32x4(fn.localGet(v)), fn.f64x2PromoteLowF32x4(fn.localGet(v)))));
            fn.localSet(v, fn.f32x4Shuffle(fn.localGet(v), fn.localGet(v), [2, 3, 0, 1]));
            fn.localSet(acc1, fn.f64x2Add(fn.localGet(acc1), fn.f64x2Mul(fn.f64x2PromoteLowF32x4(fn.localGet(v)), fn.f64x2PromoteLowF32x4(fn.localGet(v)))));
            fn.localSet(rows, fn.i32Add(fn.localGet(rows), fn.i32Const(16)));
            fn.br(nextStep);
          });
        });
        // the last 0–3 values into lane 0's sum, one by one
        fn.localSet(s0, fn.f64x2ExtractLane(fn.localGet(acc0), 0));
        fn.block((tailDone) => {
          fn.loop((nextValue) => {
            fn.brIf(tailDone, fn.i32GeU(fn.localGet(rows), fn.localGet(rowEnd)));
            fn.localSet(x, fn.f64PromoteF32(fn.f32Load(fn.localGet(rows))));
            fn.localSet(s0, fn.f64Add(fn.localGet(s0), fn.f64Mul(fn.localGet(x), fn.localGet(x))));
            fn.localSet(rows, fn.i32Add(fn.localGet(rows), fn.i32Const(4)));
            fn.br(nextValue);
          });
        });
        // (s0 + s1) + (s2 + s3), √, rounded to f32
        fn.f32Store(
          fn.localGet(out),
          fn.f32DemoteF64(
            fn.f64Sqrt(
              fn.f64Add(
                fn.f64Add(fn.localGet(s0), fn.f64x2ExtractLane(fn.localGet(acc0), 1)),
                fn.f64Add(fn.f64x2ExtractLane(fn.localGet(acc1), 0), fn.f64x2ExtractLane(fn.localGet(acc1), 1)),
              ),
            ),
          ),
        );
        fn.localSet(out, fn.i32Add(fn.localGet(out), fn.i32Const(4)));
        fn.br(nextRow);
      });
    });
  });
  // move(dst, src, n): memmove within the memory. The binary readers place each row with it:
  // TypedArray copyWithin on a shared buffer copies with relaxed atomics, ~0.5 µs a 1200-byte row.
  module.function('move', ['i32', 'i32', 'i32'], (fn) => {
    fn.memoryCopy(fn.localGet(fn.param(0)), fn.localGet(fn.param(1)), fn.localGet(fn.param(2)));
  });
  return module.bytes();
}
