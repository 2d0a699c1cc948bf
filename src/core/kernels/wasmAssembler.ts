/**
 * A small WebAssembly binary assembler: just enough of the format (types, functions, one memory,
 * exports, the scalar and SIMD instructions our kernels use: the GEMM here, the int8 neighbour
 * scan of src/emb/wasm/scanKernel.ts) to write kernels as readable TypeScript and get
 * byte-exact, dependency-free output.
 *
 * Contract: pure (no I/O); the same calls always produce the same bytes, so the committed modules
 * (simd.generated.ts, src/emb/wasm/scan.generated.ts) can be rebuilt and compared byte for byte
 * (test/unit/core/linalg.kernels.test.ts, test/unit/emb/scanIndex.test.ts).
 *
 * Style: instruction methods emit their opcode when called, and JavaScript evaluates arguments
 * first, so nesting reads like WAT's folded form and emits stack order:
 *   fn.localSet(acc, fn.f32x4Add(fn.localGet(acc), fn.f32x4Mul(fn.localGet(a), fn.localGet(b))))
 * emits local.get acc, local.get a, local.get b, f32x4.mul, f32x4.add, local.set acc.
 * Spec: https://webassembly.github.io/spec/core/binary/ and the SIMD proposal's opcode table.
 */

export type ValueType = 'i32' | 'f32' | 'f64' | 'v128';

const VALUE_TYPE_CODE: Record<ValueType, number> = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** A value on the wasm stack; only a marker so nested calls read like expressions. */
export interface Expr {
  readonly __expr: true;
}
const EXPR: Expr = { __expr: true };

/** A local variable (parameters come first, then declared locals). */
export interface Local {
  readonly index: number;
  readonly type: ValueType;
}

/** A branch target; `br` to a block exits it, `br` to a loop jumps back to its top. */
export interface Label {
  readonly depth: number;
}

function unsignedLeb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function signedLeb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function utf8Name(name: string): number[] {
  const bytes = [...name].map((c) => {
    const code = c.charCodeAt(0);
    if (code > 0x7f) throw new Error(`wasm assembler: export names are ASCII, got ${name}`);
    return code;
  });
  return [...unsignedLeb(bytes.length), ...bytes];
}

function vector(items: readonly number[][]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()];
}

/** Alignment hints (log2 of bytes) for natural alignment. */
const ALIGN = { i32: 2, f32: 2, v128: 4 } as const;

export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly locals: Local[] = [];
  private readonly declared: ValueType[] = [];
  private depth = 0;

  constructor(
    readonly name: string,
    readonly params: readonly ValueType[],
  ) {
    params.forEach((type, index) => this.locals.push({ index, type }));
  }

  param(index: number): Local {
    const local = this.locals[index];
    if (!local || index >= this.params.length) throw new Error(`wasm assembler: ${this.name} has no parameter ${index}`);
    return local;
  }

  local(type: ValueType): Local {
    const local = { index: this.locals.length, type };
    this.locals.push(local);
    this.declared.push(type);
    return local;
  }

  /** The function body as the binary format wants it: locals declaration, code, end. */
  body(): number[] {
    if (this.depth !== 0) throw new Error(`wasm assembler: ${this.name} has unclosed blocks`);
    const groups: number[][] = [];
    for (const type of this.declared) groups.push([1, VALUE_TYPE_CODE[type]]);
    const content = [...vector(groups), ...this.code, 0x0b];
    return [...unsignedLeb(content.length), ...content];
  }

  private op(...bytes: number[]): Expr {
    for (const b of bytes) this.code.push(b);
    return EXPR;
  }

  private simd(opcode: number, ...immediates: number[]): Expr {
    return this.op(0xfd, ...unsignedLeb(opcode), ...immediates);
  }

  private memarg(align: number, offset: number): number[] {
    if (offset < 0) throw new Error('wasm assembler: negative memory offset');
    if (!Number.isInteger(align) || align < 0) throw new Error(`wasm assembler: bad alignment hint ${align}`);
    return [...unsignedLeb(align), ...unsignedLeb(offset)];
  }

  // ── control ────────────────────────────────────────────────────────────────────────────────
  /** `block … end`; br(label) inside jumps past the end. */
  block(inner: (exit: Label) => void): void {
    this.op(0x02, 0x40);
    this.depth++;
    inner({ depth: this.depth });
    this.depth--;
    this.op(0x0b);
  }

  /** `loop … end`; br(label) inside jumps back to the top. Falls through at the end. */
  loop(inner: (top: Label) => void): void {
    this.op(0x03, 0x40);
    this.depth++;
    inner({ depth: this.depth });
    this.depth--;
    this.op(0x0b);
  }

  /** `if … (else …) end` on the i32 condition already on the stack. */
  if(_condition: Expr, then: () => void, otherwise?: () => void): void {
    this.op(0x04, 0x40);
    this.depth++;
    then();
    if (otherwise) {
      this.op(0x05);
      otherwise();
    }
    this.depth--;
    this.op(0x0b);
  }

  br(label: Label): void {
    this.op(0x0c, ...unsignedLeb(this.depth - label.depth));
  }

  brIf(label: Label, _condition: Expr): void {
    this.op(0x0d, ...unsignedLeb(this.depth - label.depth));
  }

  call(fn: FunctionRef, ..._args: Expr[]): Expr {
    return this.op(0x10, ...unsignedLeb(fn.index));
  }

  select(_a: Expr, _b: Expr, _condition: Expr): Expr {
    return this.op(0x1b);
  }

  // ── locals ─────────────────────────────────────────────────────────────────────────────────
  localGet(local: Local): Expr {
    return this.op(0x20, ...unsignedLeb(local.index));
  }

  localSet(local: Local, _value: Expr): void {
    this.op(0x21, ...unsignedLeb(local.index));
  }

  localTee(local: Local, _value: Expr): Expr {
    return this.op(0x22, ...unsignedLeb(local.index));
  }

  // ── i32 ────────────────────────────────────────────────────────────────────────────────────
  i32Const(value: number): Expr {
    return this.op(0x41, ...signedLeb(value));
  }
  i32Eqz(_a: Expr): Expr {
    return this.op(0x45);
  }
  i32Eq(_a: Expr, _b: Expr): Expr {
    return this.op(0x46);
  }
  i32Ne(_a: Expr, _b: Expr): Expr {
    return this.op(0x47);
  }
  i32LtS(_a: Expr, _b: Expr): Expr {
    return this.op(0x48);
  }
  i32GtS(_a: Expr, _b: Expr): Expr {
    return this.op(0x4a);
  }
  i32LeS(_a: Expr, _b: Expr): Expr {
    return this.op(0x4c);
  }
  i32GeS(_a: Expr, _b: Expr): Expr {
    return this.op(0x4e);
  }
  i32GeU(_a: Expr, _b: Expr): Expr {
    return this.op(0x4f);
  }
  i32Add(_a: Expr, _b: Expr): Expr {
    return this.op(0x6a);
  }
  i32Sub(_a: Expr, _b: Expr): Expr {
    return this.op(0x6b);
  }
  i32Mul(_a: Expr, _b: Expr): Expr {
    return this.op(0x6c);
  }
  i32And(_a: Expr, _b: Expr): Expr {
    return this.op(0x71);
  }
  i32Shl(_a: Expr, _b: Expr): Expr {
    return this.op(0x74);
  }
  i32ShrU(_a: Expr, _b: Expr): Expr {
    return this.op(0x76);
  }

  i32Store(_address: Expr, _value: Expr, offset = 0): void {
    this.op(0x36, ...this.memarg(ALIGN.i32, offset));
  }
  /** Load 2 bytes as an unsigned 16-bit integer (a float16/bfloat16 weight's bits). */
  i32Load16U(_address: Expr, offset = 0): Expr {
    return this.op(0x2f, ...this.memarg(1, offset));
  }

  // ── f32 ────────────────────────────────────────────────────────────────────────────────────
  f32Load(_address: Expr, offset = 0): Expr {
    return this.op(0x2a, ...this.memarg(ALIGN.f32, offset));
  }
  f32Store(_address: Expr, _value: Expr, offset = 0): void {
    this.op(0x38, ...this.memarg(ALIGN.f32, offset));
  }
  f32Const(value: number): Expr {
    const bytes = new Uint8Array(new Float32Array([value]).buffer);
    return this.op(0x43, ...bytes);
  }
  f32Add(_a: Expr, _b: Expr): Expr {
    return this.op(0x92);
  }
  f32Sub(_a: Expr, _b: Expr): Expr {
    return this.op(0x93);
  }
  f32Mul(_a: Expr, _b: Expr): Expr {
    return this.op(0x94);
  }
  /** 1 where a == b (false for NaN), else 0. */
  f32Eq(_a: Expr, _b: Expr): Expr {
    return this.op(0x5b);
  }

  /** f32 rounded to nearest from an f64. */
  f32DemoteF64(_a: Expr): Expr {
    return this.op(0xb6);
  }

  /** Bulk memory: copies n bytes from src to dst within the memory (overlap allowed, as memmove). */
  memoryCopy(_dst: Expr, _src: Expr, _n: Expr): void {
    this.op(0xfc, ...unsignedLeb(10), 0x00, 0x00);
  }

  // ── f64 ────────────────────────────────────────────────────────────────────────────────────
  f64Add(_a: Expr, _b: Expr): Expr {
    return this.op(0xa0);
  }
  f64Mul(_a: Expr, _b: Expr): Expr {
    return this.op(0xa2);
  }
  f64Div(_a: Expr, _b: Expr): Expr {
    return this.op(0xa3);
  }
  f64Const(value: number): Expr {
    const bytes = new Uint8Array(new Float64Array([value]).buffer);
    return this.op(0x44, ...bytes);
  }
  f64Sqrt(_a: Expr): Expr {
    return this.op(0x9f);
  }
  /** An f32 widened to f64 (exact). */
  f64PromoteF32(_a: Expr): Expr {
    return this.op(0xbb);
  }

  // ── f64x2 ──────────────────────────────────────────────────────────────────────────────────
  /** Lanes 0 and 1 of an f32x4, widened (exactly) to an f64x2. */
  f64x2PromoteLowF32x4(_a: Expr): Expr {
    return this.simd(0x5f);
  }
  f64x2Add(_a: Expr, _b: Expr): Expr {
    return this.simd(0xf0);
  }
  f64x2Mul(_a: Expr, _b: Expr): Expr {
    return this.simd(0xf2);
  }
  /** Both f64 lanes rounded to f32 in lanes 0 and 1; lanes 2 and 3 are 0. */
  f32x4DemoteF64x2Zero(_a: Expr): Expr {
    return this.simd(0x5e);
  }
  f64x2ExtractLane(_a: Expr, lane: number): Expr {
    if (lane !== 0 && lane !== 1) throw new Error(`wasm assembler: f64x2 has no lane ${lane}`);
    return this.simd(0x21, lane);
  }

  // ── v128 / f32x4 ───────────────────────────────────────────────────────────────────────────
  /** `align` (log2 bytes, at most 4) promises less than natural alignment when the address may not have it. */
  v128Load(_address: Expr, offset = 0, align: number = ALIGN.v128): Expr {
    if (align > ALIGN.v128) throw new Error(`wasm assembler: v128 alignment hint ${align} exceeds natural alignment`);
    return this.simd(0x00, ...this.memarg(align, offset));
  }
  /** Load one f32 and broadcast it to all four lanes. */
  v128Load32Splat(_address: Expr, offset = 0): Expr {
    return this.simd(0x09, ...this.memarg(ALIGN.f32, offset));
  }
  /** Load four u16 (8 bytes, 2-byte aligned at least) and zero-extend each to an i32 lane. */
  v128Load16x4U(_address: Expr, offset = 0): Expr {
    return this.simd(0x04, ...this.memarg(1, offset));
  }
  v128Store(_address: Expr, _value: Expr, offset = 0): void {
    this.simd(0x0b, ...this.memarg(ALIGN.v128, offset));
  }
  /** Store lane `lane` (an f32) of a vector. */
  v128Store32Lane(_address: Expr, _value: Expr, lane: number, offset = 0): void {
    this.simd(0x5a, ...this.memarg(ALIGN.f32, offset), lane);
  }
  /** Store lane `lane` (an f64 / two f32) of a vector. */
  v128Store64Lane(_address: Expr, _value: Expr, lane: number, offset = 0): void {
    this.simd(0x5b, ...this.memarg(3, offset), lane);
  }
  v128ZeroConst(): Expr {
    return this.simd(0x0c, ...new Array<number>(16).fill(0));
  }
  /** Lanes of the result picked from the 32 bytes of a ++ b (0–15 from a, 16–31 from b). */
  i8x16Shuffle(_a: Expr, _b: Expr, lanes: readonly number[]): Expr {
    if (lanes.length !== 16) throw new Error('wasm assembler: a shuffle takes 16 lane indices');
    return this.simd(0x0d, ...lanes);
  }
  /** Shuffle by f32 lanes: 0–3 pick from a, 4–7 from b. */
  f32x4Shuffle(a: Expr, b: Expr, lanes: readonly [number, number, number, number]): Expr {
    return this.i8x16Shuffle(a, b, lanes.flatMap((lane) => [4 * lane, 4 * lane + 1, 4 * lane + 2, 4 * lane + 3]));
  }
  /** A vector of four i32 lanes, `values[q]` in lane q. */
  i32x4ConstLanes(values: readonly [number, number, number, number]): Expr {
    const bytes = new Uint8Array(new Int32Array(values).buffer);
    return this.simd(0x0c, ...bytes);
  }
  /** A vector of four i32 lanes, all `value`. */
  i32x4Const(value: number): Expr {
    const bytes = new Uint8Array(new Int32Array([value, value, value, value]).buffer);
    return this.simd(0x0c, ...bytes);
  }
  f32x4ExtractLane(_a: Expr, lane: number): Expr {
    if (!Number.isInteger(lane) || lane < 0 || lane > 3) throw new Error(`wasm assembler: f32x4 has no lane ${lane}`);
    return this.simd(0x1f, lane);
  }
  v128And(_a: Expr, _b: Expr): Expr {
    return this.simd(0x4e);
  }
  v128Or(_a: Expr, _b: Expr): Expr {
    return this.simd(0x50);
  }
  /** Bits of a where mask is 1, of b where it is 0. */
  v128Bitselect(_a: Expr, _b: Expr, _mask: Expr): Expr {
    return this.simd(0x52);
  }
  f32x4Splat(_a: Expr): Expr {
    return this.simd(0x13);
  }
  f32x4Add(_a: Expr, _b: Expr): Expr {
    return this.simd(0xe4);
  }
  f32x4Sub(_a: Expr, _b: Expr): Expr {
    return this.simd(0xe5);
  }
  f32x4Mul(_a: Expr, _b: Expr): Expr {
    return this.simd(0xe6);
  }
  f32x4Div(_a: Expr, _b: Expr): Expr {
    return this.simd(0xe7);
  }
  f32x4Abs(_a: Expr): Expr {
    return this.simd(0xe0);
  }
  /** All ones in lanes where a ≥ b (false for NaN), zeros elsewhere. */
  f32x4Ge(_a: Expr, _b: Expr): Expr {
    return this.simd(0x46);
  }
  /** Lane-wise maximum; NaN in either lane gives NaN (unlike pmax). */
  f32x4Max(_a: Expr, _b: Expr): Expr {
    return this.simd(0xe9);
  }
  /** All ones in lanes where a > b (false for NaN), zeros elsewhere. */
  f32x4Gt(_a: Expr, _b: Expr): Expr {
    return this.simd(0x44);
  }
  /** Each lane rounded to the nearest integer, ties to even. */
  f32x4Nearest(_a: Expr): Expr {
    return this.simd(0x6a);
  }
  /** Relaxed SIMD: a·b + c, fused where the CPU has FMA (so rounding may differ by platform). */
  f32x4RelaxedMadd(_a: Expr, _b: Expr, _c: Expr): Expr {
    return this.simd(0x105);
  }

  // ── i32x4 / i16x8 (integer lanes) ──────────────────────────────────────────────────────────
  i32x4Splat(_a: Expr): Expr {
    return this.simd(0x11);
  }
  i32x4ExtractLane(_a: Expr, lane: number): Expr {
    if (!Number.isInteger(lane) || lane < 0 || lane > 3) throw new Error(`wasm assembler: i32x4 has no lane ${lane}`);
    return this.simd(0x1b, lane);
  }
  i32x4Add(_a: Expr, _b: Expr): Expr {
    return this.simd(0xae);
  }
  /** Each lane shifted left by the i32 `_bits` (mod 32). */
  i32x4Shl(_a: Expr, _bits: Expr): Expr {
    return this.simd(0xab);
  }
  /** Each lane shifted right, zero-filling, by the i32 `_bits` (mod 32). */
  i32x4ShrU(_a: Expr, _bits: Expr): Expr {
    return this.simd(0xad);
  }
  /** Each f32 lane truncated to an i32, saturating (NaN → 0). */
  i32x4TruncSatF32x4S(_a: Expr): Expr {
    return this.simd(0xf8);
  }
  /** All ones in lanes where a > b (signed), zeros elsewhere. */
  i32x4GtS(_a: Expr, _b: Expr): Expr {
    return this.simd(0x3b);
  }
  /** Signed i16 lanes multiplied pairwise, adjacent products added: four i32 lanes. */
  i32x4DotI16x8S(_a: Expr, _b: Expr): Expr {
    return this.simd(0xba);
  }
  /** Lanes 0–7 of an i8x16, sign-extended to i16x8. */
  i16x8ExtendLowI8x16S(_a: Expr): Expr {
    return this.simd(0x87);
  }
  /** Lanes 8–15 of an i8x16, sign-extended to i16x8. */
  i16x8ExtendHighI8x16S(_a: Expr): Expr {
    return this.simd(0x88);
  }
}

export interface FunctionRef {
  readonly index: number;
}

/** `for (i = start; i < end; i += step) body()` in `fn`, with the bound (a local) read on each turn. */
export function forRange(fn: FunctionBuilder, i: Local, start: () => Expr, end: Local, step: number, body: () => void): void {
  fn.localSet(i, start());
  fn.block((exit) => {
    fn.loop((top) => {
      fn.brIf(exit, fn.i32GeS(fn.localGet(i), fn.localGet(end)));
      body();
      fn.localSet(i, fn.i32Add(fn.localGet(i), fn.i32Const(step)));
      fn.br(top);
    });
  });
}

/**
 * Where a module's one memory comes from: its own (exported as `memory`, grown by the host), or
 * imported as `env.memory`, shared (a SharedArrayBuffer underneath, so several threads' instances
 * run over the same bytes; needs the threads feature, on by default in Node ≥ 16 and Electron).
 */
export type ModuleMemory = 'own' | 'imported-shared';

/** The largest wasm32 memory, in 64 KiB pages: 4 GiB. */
const MAX_PAGES = 65536;

/** One module: a single memory (see ModuleMemory) and a list of functions, some of them exported. */
export class ModuleBuilder {
  private readonly functions: { builder: FunctionBuilder; exported: boolean }[] = [];

  constructor(private readonly memory: ModuleMemory = 'own') {}

  /** Declare a function (so others can call it) and fill in its body with `define`. */
  function(name: string, params: readonly ValueType[], define: (fn: FunctionBuilder) => void, exported = true): FunctionRef {
    const builder = new FunctionBuilder(name, params);
    const ref = { index: this.functions.length };
    this.functions.push({ builder, exported });
    define(builder);
    return ref;
  }

  /** The module's bytes. Every function returns nothing; results go through memory. */
  bytes(): Uint8Array<ArrayBuffer> {
    const section = (id: number, content: number[]): number[] => [id, ...unsignedLeb(content.length), ...content];
    // One type per distinct parameter list (results are always empty).
    const signatures: string[] = [];
    const typeOf = this.functions.map(({ builder }) => {
      const key = builder.params.join(',');
      let index = signatures.indexOf(key);
      if (index < 0) index = signatures.push(key) - 1;
      return index;
    });
    const types = signatures.map((key) => {
      const params = key === '' ? [] : (key.split(',') as ValueType[]);
      return [0x60, ...vector(params.map((p) => [VALUE_TYPE_CODE[p]])), 0x00];
    });
    const shared = this.memory === 'imported-shared';
    const exports: number[][] = shared ? [] : [[...utf8Name('memory'), 0x02, 0x00]];
    this.functions.forEach(({ builder, exported }, index) => {
      if (exported) exports.push([...utf8Name(builder.name), 0x00, ...unsignedLeb(index)]);
    });
    const bytes = [
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      ...section(1, vector(types)),
      // Shared: import env.memory, limits flag 3 (shared, with a maximum), 1 page up to 4 GiB.
      ...(shared ? section(2, vector([[...utf8Name('env'), ...utf8Name('memory'), 0x02, 0x03, 0x01, ...unsignedLeb(MAX_PAGES)]])) : []),
      ...section(3, vector(typeOf.map((t) => unsignedLeb(t)))),
      // Own: one memory of at least one 64 KiB page, no maximum; the host grows it.
      ...(shared ? [] : section(5, vector([[0x00, 0x01]]))),
      ...section(7, vector(exports)),
      ...section(10, vector(this.functions.map(({ builder }) => builder.body()))),
    ];
    return Uint8Array.from(bytes);
  }
}
