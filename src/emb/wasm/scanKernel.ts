/**
 * Source of the neighbour-scan kernel (WebAssembly SIMD), written with the core's assembler
 * (src/core/kernels/wasmAssembler.ts). Run `node --import tsx src/emb/wasm/build.ts` to
 * regenerate scan.generated.ts from it.
 *
 * Contract of `dots(codes, query, out, count, stride)` (i32 byte addresses into the memory):
 *   out[i] = Σ_d codes[i·stride + d] · query[d]   for i in [0, count), as exact int32,
 *   codes: int8 [count, stride] (stride a multiple of 16, zero-padded past dim),
 *   query: int16 [stride] (the int8 query widened once, so the loop loads it directly).
 * Each 16-byte step: load 16 codes, widen to two i16x8 halves, i32x4.dot_i16x8_s with the two
 * query halves (8 multiply-adds each), add to a 4-lane accumulator; a row ends with a lane sum.
 * |code|, |query| ≤ 127 and stride ≤ 2^16 keep every sum far inside int32.
 */
import { ModuleBuilder } from '../../core/kernels/wasmAssembler';

/** Alignment hints (log2 bytes) the loads promise: bytes for the codes, i16 for the query. */
const CODES_ALIGN = 0;
const QUERY_ALIGN = 1;

export function buildScanModule(): Uint8Array {
  const module = new ModuleBuilder();
  module.function('dots', ['i32', 'i32', 'i32', 'i32', 'i32'], (fn) => {
    const codes = fn.param(0);
    const query = fn.param(1);
    const out = fn.param(2);
    const count = fn.param(3);
    const stride = fn.param(4);
    const outEnd = fn.local('i32');
    const rowEnd = fn.local('i32');
    const q = fn.local('i32');
    const acc = fn.local('v128');
    const x = fn.local('v128');

    // outEnd = out + count·4
    fn.localSet(outEnd, fn.i32Add(fn.localGet(out), fn.i32Shl(fn.localGet(count), fn.i32Const(2))));
    fn.block((rowsDone) => {
      fn.loop((nextRow) => {
        fn.brIf(rowsDone, fn.i32GeU(fn.localGet(out), fn.localGet(outEnd)));
        fn.localSet(acc, fn.i32x4Splat(fn.i32Const(0)));
        fn.localSet(rowEnd, fn.i32Add(fn.localGet(codes), fn.localGet(stride)));
        fn.localSet(q, fn.localGet(query));
        // 16 dims per step
        fn.block((rowDone) => {
          fn.loop((nextStep) => {
            fn.brIf(rowDone, fn.i32GeU(fn.localGet(codes), fn.localGet(rowEnd)));
            fn.localSet(x, fn.v128Load(fn.localGet(codes), 0, CODES_ALIGN));
            // acc += dot(codes 0–7, query 0–7) + dot(codes 8–15, query 8–15), widened to i16 first
            const lowCodes = () => fn.i16x8ExtendLowI8x16S(fn.localGet(x));
            const highCodes = () => fn.i16x8ExtendHighI8x16S(fn.localGet(x));
            fn.localSet(acc, fn.i32x4Add(fn.localGet(acc), fn.i32x4DotI16x8S(lowCodes(), fn.v128Load(fn.localGet(q), 0, QUERY_ALIGN))));
            fn.localSet(acc, fn.i32x4Add(fn.localGet(acc), fn.i32x4DotI16x8S(highCodes(), fn.v128Load(fn.localGet(q), 16, QUERY_ALIGN))));
            fn.localSet(codes, fn.i32Add(fn.localGet(codes), fn.i32Const(16)));
            fn.localSet(q, fn.i32Add(fn.localGet(q), fn.i32Const(32)));
            fn.br(nextStep);
          });
        });
        // out[i] = acc.lane0 + acc.lane1 + acc.lane2 + acc.lane3
        const lane = (index: number) => fn.i32x4ExtractLane(fn.localGet(acc), index);
        fn.i32Store(fn.localGet(out), fn.i32Add(fn.i32Add(fn.i32Add(lane(0), lane(1)), lane(2)), lane(3)));
        fn.localSet(out, fn.i32Add(fn.localGet(out), fn.i32Const(4)));
        fn.br(nextRow);
      });
    });
  });
  return module.bytes();
}
