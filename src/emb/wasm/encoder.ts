/**
 * A minimal WebAssembly binary writer for the one SIMD kernel of the neighbour scan
 * (scanKernel.ts). It knows one function type per function, one exported memory and the handful
 * of instructions the kernel uses; every call appends bytes, so the same calls give the same
 * module byte for byte (the committed scan.generated.ts is checked against a rebuild in tests).
 * Binary format: https://webassembly.github.io/spec/core/binary/ ; SIMD opcodes from the
 * fixed-width SIMD proposal (prefix 0xFD, LEB128 sub-opcode).
 */

export function unsignedLeb(value: number): number[] {
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

export function signedLeb(value: number): number[] {
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

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
export type ValueType = typeof I32 | typeof F32 | typeof V128;
export const TYPES = { i32: I32 as ValueType, f32: F32 as ValueType, v128: V128 as ValueType };

/** One function body under construction; locals are indices (parameters first). */
export class Body {
  readonly bytes: number[] = [];
  private readonly extraLocals: ValueType[] = [];

  constructor(readonly params: readonly ValueType[]) {}

  local(type: ValueType): number {
    this.extraLocals.push(type);
    return this.params.length + this.extraLocals.length - 1;
  }

  op(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }

  get(local: number): this {
    return this.op(0x20, ...unsignedLeb(local));
  }
  set(local: number): this {
    return this.op(0x21, ...unsignedLeb(local));
  }
  tee(local: number): this {
    return this.op(0x22, ...unsignedLeb(local));
  }
  i32(value: number): this {
    return this.op(0x41, ...signedLeb(value));
  }
  /** SIMD instruction: 0xFD prefix, LEB128 opcode, then immediates. */
  simd(opcode: number, ...immediates: number[]): this {
    return this.op(0xfd, ...unsignedLeb(opcode), ...immediates);
  }
  /** memarg: alignment (log2 bytes) and offset. */
  static memarg(align: number, offset = 0): number[] {
    return [...unsignedLeb(align), ...unsignedLeb(offset)];
  }

  encode(): number[] {
    // Locals are declared in runs of one type.
    const runs: number[][] = [];
    for (const type of this.extraLocals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === type) last[0]!++;
      else runs.push([1, type]);
    }
    const body = [...unsignedLeb(runs.length), ...runs.flatMap(([n, t]) => [...unsignedLeb(n!), t!]), ...this.bytes, 0x0b];
    return [...unsignedLeb(body.length), ...body];
  }
}

/** Opcodes used by the kernel (scalar: core spec; SIMD: after the 0xFD prefix). */
export const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  blockVoid: 0x40,
  i32Load: 0x28,
  f32Load: 0x2a,
  i32Store: 0x36,
  f32Store: 0x38,
  i32Eqz: 0x45,
  i32LtS: 0x48,
  i32GeS: 0x4e,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32Shl: 0x74,
  f32Mul: 0x94,
  f32Add: 0x92,
  f32Sub: 0x93,
  f32ConvertI32S: 0xb2,
} as const;

export const SIMD = {
  v128Load: 0x00,
  v128Load8x8S: 0x01,
  i32x4Splat: 0x11,
  i32x4ExtractLane: 0x1b,
  i32x4Add: 0xae,
  i32x4DotI16x8S: 0xba,
  i16x8ExtendLowI8x16S: 0x87,
  i16x8ExtendHighI8x16S: 0x88,
} as const;

export interface FunctionSpec {
  readonly name: string;
  readonly params: readonly ValueType[];
  readonly results: readonly ValueType[];
  readonly body: Body;
}

/** A module with one exported memory (`memory`, `initialPages` of 64 KiB) and exported functions. */
export function encodeModule(functions: readonly FunctionSpec[], initialPages: number): Uint8Array {
  const section = (id: number, content: number[]) => [id, ...unsignedLeb(content.length), ...content];
  const vector = (items: number[][]) => [...unsignedLeb(items.length), ...items.flat()];
  const name = (text: string) => [...unsignedLeb(text.length), ...[...text].map((c) => c.charCodeAt(0))];
  const types = vector(functions.map((f) => [0x60, ...vector(f.params.map((p) => [p])), ...vector(f.results.map((r) => [r]))]));
  const funcs = vector(functions.map((_, i) => unsignedLeb(i)));
  const memory = vector([[0x00, ...unsignedLeb(initialPages)]]);
  const exports = vector([[...name('memory'), 0x02, 0x00], ...functions.map((f, i) => [...name(f.name), 0x00, ...unsignedLeb(i)])]);
  const code = vector(functions.map((f) => f.body.encode()));
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(3, funcs),
    ...section(5, memory),
    ...section(7, exports),
    ...section(10, code),
  ]);
}
