/**
 * Source of the neighbour-scan kernel (WebAssembly SIMD), written with encoder.ts. Run
 * `node --import tsx src/emb/wasm/build.ts` to regenerate scan.generated.ts from it.
 *
 * Contract of `dots(codes, query, out, count, stride)` (i32 byte addresses into the memory):
 *   out[i] = Σ_d codes[i·stride + d] · query[d]   for i in [0, count), as exact int32,
 *   codes: int8 [count, stride] (stride a multiple of 16, zero-padded past dim),
 *   query: int16 [stride] (the int8 query widened once, so the loop loads it directly).
 * Each 16-byte step: load 16 codes, widen to two i16x8 halves, i32x4.dot_i16x8_s with the two
 * query halves (8 multiply-adds each), add to a 4-lane accumulator; a row ends with a lane sum.
 * |code|, |query| ≤ 127 and stride ≤ 2^16 keep every sum far inside int32.
 */
import { Body, OP, SIMD, TYPES, encodeModule } from './encoder';

export function buildScanModule(): Uint8Array {
  const { i32, v128 } = TYPES;
  const fn = new Body([i32, i32, i32, i32, i32]);
  const [codes, query, out, count, stride] = [0, 1, 2, 3, 4];
  const outEnd = fn.local(i32);
  const rowEnd = fn.local(i32);
  const q = fn.local(i32);
  const acc = fn.local(v128);
  const x = fn.local(v128);
  const load = (align: number, offset = 0) => Body.memarg(align, offset);

  // outEnd = out + count·4
  fn.get(out).get(count).i32(2).op(OP.i32Shl).op(OP.i32Add).set(outEnd);
  fn.op(OP.block, OP.blockVoid).op(OP.loop, OP.blockVoid); // rows
  fn.get(out).get(outEnd).op(OP.i32GeU).op(OP.brIf, 1);
  fn.i32(0).simd(SIMD.i32x4Splat).set(acc);
  fn.get(codes).get(stride).op(OP.i32Add).set(rowEnd);
  fn.get(query).set(q);
  fn.op(OP.block, OP.blockVoid).op(OP.loop, OP.blockVoid); // 16 dims per step
  fn.get(codes).get(rowEnd).op(OP.i32GeU).op(OP.brIf, 1);
  fn.get(codes).simd(SIMD.v128Load, ...load(0)).set(x);
  fn.get(acc).get(x).simd(SIMD.i16x8ExtendLowI8x16S).get(q).simd(SIMD.v128Load, ...load(1)).simd(SIMD.i32x4DotI16x8S).simd(SIMD.i32x4Add).set(acc);
  fn.get(acc).get(x).simd(SIMD.i16x8ExtendHighI8x16S).get(q).simd(SIMD.v128Load, ...load(1, 16)).simd(SIMD.i32x4DotI16x8S).simd(SIMD.i32x4Add).set(acc);
  fn.get(codes).i32(16).op(OP.i32Add).set(codes);
  fn.get(q).i32(32).op(OP.i32Add).set(q);
  fn.op(OP.br, 0).op(OP.end).op(OP.end);
  // out[i] = acc.lane0 + acc.lane1 + acc.lane2 + acc.lane3
  fn.get(out);
  fn.get(acc).simd(SIMD.i32x4ExtractLane, 0).get(acc).simd(SIMD.i32x4ExtractLane, 1).op(OP.i32Add);
  fn.get(acc).simd(SIMD.i32x4ExtractLane, 2).op(OP.i32Add).get(acc).simd(SIMD.i32x4ExtractLane, 3).op(OP.i32Add);
  fn.op(OP.i32Store, ...load(2));
  fn.get(out).i32(4).op(OP.i32Add).set(out);
  fn.op(OP.br, 0).op(OP.end).op(OP.end);

  return encodeModule([{ name: 'dots', params: fn.params, results: [], body: fn }], 1);
}
