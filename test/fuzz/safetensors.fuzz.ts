/**
 * Fuzzing of the safetensors reader (issue 6): property-based files from fast-check and byte
 * mutations of valid files. The contract under test:
 *   - a valid file reads back (names, shapes, values), and a valid nn.MultiheadAttention file
 *     loads as weights;
 *   - on anything else, the only exception is SafetensorsError, and it carries a location
 *     (a byte offset inside the file; a tensor name where one tensor is concerned);
 *   - no single case takes over a second.
 *
 *   node --import tsx test/fuzz/safetensors.fuzz.ts [cases] [--seed N]     (default 100000 cases)
 *
 * test/unit/core/safetensors.fuzz.test.ts runs a seed-fixed 300-case subset in the unit suite.
 */
import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { multiHeadWeightsFromSafetensors, readSafetensors, readSafetensorsHeader, SafetensorsError } from '../../src/core';
import { writeSafetensors, type RawTensor } from '../unit/core/helpers';

export const CASE_TIME_LIMIT_MS = 1000;

export interface FuzzReport {
  readonly seed: number;
  /** Cases per family. */
  readonly cases: Record<string, number>;
  /** Files read without error. */
  accepted: number;
  /** Files refused with a located SafetensorsError, by the problem's first words. */
  readonly refused: Record<string, number>;
  slowestMs: number;
}

type Verdict = 'accepted' | 'refused';

/** Runs both entry points on `bytes`; throws (failing the property) unless the contract holds. */
function checkFile(bytes: Uint8Array, heads: number, report: FuzzReport): Verdict {
  const started = performance.now();
  let verdict: Verdict = 'accepted';
  for (const read of [() => readSafetensors(bytes), () => multiHeadWeightsFromSafetensors(bytes, heads)]) {
    try {
      read();
    } catch (error) {
      if (!(error instanceof SafetensorsError)) {
        throw new Error(`escaped: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      }
      if (!Number.isInteger(error.offset) || error.offset < 0 || error.offset > bytes.length) {
        throw new Error(`error without a location inside the file (offset ${error.offset}, ${bytes.length} bytes): ${error.message}`);
      }
      if (!/at byte \d+\)$/.test(error.message)) throw new Error(`message does not say where: ${error.message}`);
      if (error.tensor !== undefined && !error.message.includes(`tensor "${error.tensor}"`)) throw new Error(`message does not name its tensor: ${error.message}`);
      const kind = error.problem
        .replace(/(unknown dtype|, not) .*$/s, '$1 …')
        .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
        .replace(/\[[^\]]*\]/g, '[…]')
        .replace(/\d+/g, 'N')
        .split(/[:(;]/)[0]!
        .trim();
      report.refused[kind] = (report.refused[kind] ?? 0) + 1;
      verdict = 'refused';
    }
  }
  const elapsed = performance.now() - started;
  report.slowestMs = Math.max(report.slowestMs, elapsed);
  if (elapsed > CASE_TIME_LIMIT_MS) throw new Error(`case took ${elapsed.toFixed(0)} ms (limit ${CASE_TIME_LIMIT_MS} ms) on ${bytes.length} bytes`);
  if (verdict === 'accepted') report.accepted++;
  return verdict;
}

// ---------------------------------------------------------------------------------------------
// Valid files

const FLOAT_DTYPES = ['F32', 'F16', 'BF16', 'F64'] as const;
const ITEM = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, U8: 1, BOOL: 1 } as const;

/** Deterministic bytes of a finite float of each dtype (so valid weights stay finite). */
function finiteValues(dtype: (typeof FLOAT_DTYPES)[number], count: number, seed: number): Uint8Array {
  const out = new Uint8Array(count * ITEM[dtype]);
  const view = new DataView(out.buffer);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const value = (state / 2 ** 32) * 4 - 2;
    if (dtype === 'F32') view.setFloat32(4 * i, value, true);
    else if (dtype === 'F64') view.setFloat64(8 * i, value, true);
    else if (dtype === 'BF16') view.setUint16(2 * i, new Uint32Array(Float32Array.of(value).buffer)[0]! >>> 16, true);
    else view.setUint16(2 * i, float16Bits(value), true);
  }
  return out;
}

/** |value| < 4 → binary16 bits (truncating the fraction; exactness does not matter here). */
function float16Bits(value: number): number {
  const sign = value < 0 ? 0x8000 : 0;
  const a = Math.abs(value);
  if (a < 2 ** -14) return sign | Math.floor(a / 2 ** -24);
  const exponent = Math.floor(Math.log2(a));
  return sign | ((exponent + 15) << 10) | Math.floor((a / 2 ** exponent - 1) * 1024);
}

const nameArb = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.string({ minLength: 1, maxLength: 6, unit: 'binary' }),
  fc.constantFrom('in_proj_weight', 'out_proj.weight', 'a.b.c', '__proto__', 'constructor', '', ' '),
);

const tensorArb = fc.record({
  dtype: fc.constantFrom<keyof typeof ITEM>('F32', 'F16', 'BF16', 'F64', 'F32', 'I64', 'U8', 'BOOL'),
  shape: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }),
  seed: fc.nat(),
});

/** A well-formed file of 0…5 tensors (some non-float), with and without __metadata__. */
const genericFileArb = fc
  .tuple(
    fc.uniqueArray(fc.tuple(nameArb, tensorArb), { maxLength: 5, selector: ([name]) => name }),
    fc.option(fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 })),
  )
  .map(([entries, metadata]) => {
    const tensors: RawTensor[] = entries
      .filter(([name]) => name !== '__metadata__')
      .map(([name, t]) => {
        const count = t.shape.reduce((a, b) => a * b, 1);
        const bytes =
          t.dtype === 'I64' || t.dtype === 'U8' || t.dtype === 'BOOL'
            ? new Uint8Array(count * ITEM[t.dtype]).fill(1)
            : finiteValues(t.dtype, count, t.seed);
        return { name, dtype: t.dtype, shape: t.shape, bytes };
      });
    return { tensors, bytes: writeSafetensors(tensors, metadata === null ? {} : { metadata }) };
  });

/** A valid nn.MultiheadAttention state_dict in one of the three layouts the loader accepts. */
const mhaFileArb = fc
  .record({
    heads: fc.integer({ min: 1, max: 4 }),
    perHead: fc.integer({ min: 1, max: 3 }),
    layout: fc.constantFrom('packed', 'separate', 'linear'),
    prefix: fc.constantFrom('', 'attn.', 'layers.0.self_attn.'),
    dtype: fc.constantFrom(...FLOAT_DTYPES),
    bias: fc.boolean(),
    seed: fc.nat(),
  })
  .map((p) => {
    const e = p.heads * p.perHead;
    const t = (name: string, shape: number[], salt: number): RawTensor => ({
      name: p.prefix + name,
      dtype: p.dtype,
      shape,
      bytes: finiteValues(p.dtype, shape.reduce((a, b) => a * b, 1), p.seed + salt),
    });
    const tensors: RawTensor[] = [];
    if (p.layout === 'packed') tensors.push(t('in_proj_weight', [3 * e, e], 1));
    if (p.layout === 'separate') tensors.push(t('q_proj_weight', [e, e], 1), t('k_proj_weight', [e, e], 2), t('v_proj_weight', [e, e], 3));
    if (p.layout === 'linear') {
      tensors.push(t('q_proj.weight', [e, e], 1), t('k_proj.weight', [e, e], 2), t('v_proj.weight', [e, e], 3));
      if (p.bias) tensors.push(t('q_proj.bias', [e], 4), t('k_proj.bias', [e], 5), t('v_proj.bias', [e], 6));
    } else if (p.bias) tensors.push(t('in_proj_bias', [3 * e], 4));
    tensors.push(t('out_proj.weight', [e, e], 7));
    if (p.bias) tensors.push(t('out_proj.bias', [e], 8));
    return { heads: p.heads, e, tensors, bytes: writeSafetensors(tensors, { metadata: { format: 'pt' } }) };
  });

// ---------------------------------------------------------------------------------------------
// Mutations

const JSON_TOKENS = ['-1', '0', '1e999', '1.5', '9007199254740993', '"F32"', '"BF16"', '"X"', '[]', '{}', 'null', 'true', '[0]', '[1,2,3]', '"', ',', ':', '}', ']', '\u0000', '\ud800', 'é'];

type Mutation =
  | { kind: 'flip'; positions: number[]; values: number[] }
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; extra: Uint8Array }
  | { kind: 'length'; value: bigint }
  | { kind: 'length-delta'; delta: number }
  | { kind: 'header-token'; at: number; remove: number; token: string; fixLength: boolean }
  | { kind: 'header-digit'; which: number; digit: number }
  | { kind: 'splice'; at: number; other: Uint8Array }
  | { kind: 'entry'; which: number; field: 'data_offsets' | 'shape' | 'dtype'; value: unknown }
  | { kind: 'shift'; which: number; delta: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), positions: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), values: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 8, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('length' as const), value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
  fc.record({ kind: fc.constant('length-delta' as const), delta: fc.integer({ min: -16, max: 16 }) }),
  fc.record({
    kind: fc.constant('header-token' as const),
    at: fc.nat(),
    remove: fc.integer({ min: 0, max: 4 }),
    token: fc.oneof(fc.constantFrom(...JSON_TOKENS), fc.string({ maxLength: 4 })),
    fixLength: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('header-digit' as const), which: fc.nat(), digit: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), other: fc.uint8Array({ maxLength: 64 }) }),
  // Moves one entry's span, keeping its size: overlaps, holes, spans past the end.
  fc.record({ kind: fc.constant('shift' as const), which: fc.nat(), delta: fc.integer({ min: -24, max: 24 }) }),
  // Rewrites one entry's field with a near-miss: overlapping or gapped offsets, wrong shapes.
  fc.record({
    kind: fc.constant('entry' as const),
    which: fc.nat(),
    field: fc.constantFrom('data_offsets' as const, 'shape' as const, 'dtype' as const),
    value: fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 600 })),
      fc.array(fc.integer({ min: -1, max: 40 }), { maxLength: 4 }),
      fc.constantFrom('F32', 'F16', 'BF16', 'F64', 'I8', 'F8_E4M3', 'f32', ''),
      fc.jsonValue({ maxDepth: 2 }),
    ),
  }),
);

/** The header length the file claims, clamped to what the file holds (an earlier mutation may have broken it). */
function headerLength(bytes: Uint8Array): number {
  if (bytes.length < 8) return 0;
  const claimed = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  return Number(claimed < BigInt(bytes.length - 8) ? claimed : BigInt(bytes.length - 8));
}

/** A new file: `bytes` with one mutation applied (the input is never changed). */
export function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const out = Uint8Array.from(bytes);
  switch (m.kind) {
    case 'flip':
      m.positions.forEach((p, i) => (out[p % out.length] = m.values[i % m.values.length]!));
      return out;
    case 'truncate':
      return out.subarray(0, m.at % (out.length + 1));
    case 'append': {
      const longer = new Uint8Array(out.length + m.extra.length);
      longer.set(out);
      longer.set(m.extra, out.length);
      return longer;
    }
    case 'length':
      if (out.length < 8) return out;
      new DataView(out.buffer).setBigUint64(0, m.value, true);
      return out;
    case 'length-delta':
      if (out.length < 8) return out;
      new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, headerLength(out) + m.delta)), true);
      return out;
    case 'header-token': {
      if (out.length < 8) return out;
      const n = headerLength(out);
      const text = Buffer.from(out.subarray(8, 8 + n)).toString('latin1');
      const at = m.at % (text.length + 1);
      const edited = Buffer.concat([
        Buffer.from(text.slice(0, at), 'latin1'),
        Buffer.from(m.token, 'utf8'),
        Buffer.from(text.slice(at + m.remove), 'latin1'),
      ]);
      const result = new Uint8Array(8 + edited.length + (out.length - 8 - n));
      new DataView(result.buffer).setBigUint64(0, BigInt(m.fixLength ? edited.length : n), true);
      result.set(edited, 8);
      result.set(out.subarray(8 + n), 8 + edited.length);
      return result;
    }
    case 'header-digit': {
      const n = headerLength(out);
      const digits: number[] = [];
      for (let i = 8; i < 8 + n; i++) if (out[i]! >= 0x30 && out[i]! <= 0x39) digits.push(i);
      if (digits.length > 0) out[digits[m.which % digits.length]!] = 0x30 + m.digit;
      return out;
    }
    case 'splice': {
      const at = m.at % (out.length + 1);
      const spliced = new Uint8Array(at + m.other.length);
      spliced.set(out.subarray(0, at));
      spliced.set(m.other, at);
      return spliced;
    }
    case 'entry':
    case 'shift': {
      if (out.length < 8) return out;
      const n = headerLength(out);
      let header: Record<string, Record<string, unknown>>;
      try {
        header = JSON.parse(Buffer.from(out.subarray(8, 8 + n)).toString('utf8')) as typeof header;
      } catch {
        return out;
      }
      const names = Object.keys(header ?? {}).filter((k) => k !== '__metadata__');
      const target = names.length > 0 && typeof header[names[m.which % names.length]!] === 'object' ? header[names[m.which % names.length]!] : undefined;
      if (!target) return out;
      if (m.kind === 'entry') {
        target[m.field] = m.value;
      } else {
        const offsets = target['data_offsets'];
        if (!Array.isArray(offsets) || offsets.length !== 2) return out;
        target['data_offsets'] = offsets.map((o) => Number(o) + m.delta);
      }
      const text = Buffer.from(JSON.stringify(header), 'utf8');
      const result = new Uint8Array(8 + text.length + (out.length - 8 - n));
      new DataView(result.buffer).setBigUint64(0, BigInt(text.length), true);
      result.set(text, 8);
      result.set(out.subarray(8 + n), 8 + text.length);
      return result;
    }
    default: {
      const unknown: never = m;
      return unknown;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The run

/** Runs `total` cases from `seed`; throws (with fast-check's counterexample) on the first failure. */
export function fuzzSafetensors(total: number, seed: number): FuzzReport {
  const report: FuzzReport = { seed, cases: {}, accepted: 0, refused: {}, slowestMs: 0 };
  const share = (fraction: number) => Math.max(1, Math.round(total * fraction));
  const run = <T>(family: string, runs: number, arb: fc.Arbitrary<T>, check: (value: T) => void) => {
    report.cases[family] = runs;
    fc.assert(fc.property(arb, check), { numRuns: runs, seed: seed + Object.keys(report.cases).length, endOnFailure: true });
  };

  // Valid files must be read back exactly.
  run('valid files', share(0.1), genericFileArb, ({ tensors, bytes }) => {
    const verdict = checkFile(bytes, 1, report);
    const header = readSafetensorsHeader(bytes);
    if (header.tensors.length !== tensors.length) throw new Error('a valid file lost tensors');
    const floatsOnly = tensors.every((t) => (FLOAT_DTYPES as readonly string[]).includes(t.dtype));
    if (floatsOnly) {
      const read = readSafetensors(bytes);
      for (const t of tensors) {
        const got = read.get(t.name);
        if (!got || got.shape.join() !== t.shape.join()) throw new Error(`tensor "${t.name}" did not read back`);
      }
    } else if (verdict !== 'refused') {
      throw new Error('a non-float tensor was read as weights');
    }
  });
  run('valid attention weights', share(0.1), mhaFileArb, ({ heads, e, bytes }) => {
    checkFile(bytes, heads, report);
    const w = multiHeadWeightsFromSafetensors(bytes, heads);
    if (w.embedDim !== e || w.numHeads !== heads) throw new Error('a valid attention file was misread');
  });
  // Mutations of valid files, one to three at a time.
  const mutated = <T extends { bytes: Uint8Array }>(arb: fc.Arbitrary<T>) =>
    fc.tuple(arb, fc.array(mutationArb, { minLength: 1, maxLength: 3 })).map(([file, ms]) => ({ file, bytes: ms.reduce(mutate, file.bytes) }));
  run('mutated files', share(0.35), mutated(genericFileArb), ({ bytes }) => void checkFile(bytes, 1, report));
  run('mutated attention weights', share(0.35), mutated(mhaFileArb), ({ file, bytes }) => void checkFile(bytes, file.heads, report));
  // Bytes with no structure, some behind a plausible length field.
  run(
    'random bytes',
    share(0.1),
    fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.boolean()).map(([raw, framed]) => {
      if (!framed || raw.length < 8) return raw;
      new DataView(raw.buffer, raw.byteOffset).setBigUint64(0, BigInt(raw.length % 64), true);
      return raw;
    }),
    (bytes) => void checkFile(bytes, 2, report),
  );
  return report;
}

function main(argv: readonly string[]): void {
  const seedAt = argv.indexOf('--seed');
  const seed = seedAt >= 0 ? Number(argv[seedAt + 1]) : Date.now() % 2 ** 31;
  const positional = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--seed');
  const total = positional.length > 0 ? Number(positional[0]) : 100_000;
  if (!Number.isInteger(total) || total <= 0 || !Number.isInteger(seed)) {
    console.error('usage: node --import tsx test/fuzz/safetensors.fuzz.ts [cases] [--seed N]');
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  const report = fuzzSafetensors(total, seed);
  const ran = Object.values(report.cases).reduce((a, b) => a + b, 0);
  const refused = Object.values(report.refused).reduce((a, b) => a + b, 0);
  console.log(`safetensors fuzz: ${ran} cases (seed ${seed}) in ${((performance.now() - started) / 1000).toFixed(1)} s, 0 failures`);
  for (const [family, count] of Object.entries(report.cases)) console.log(`  ${family.padEnd(26)} ${count}`);
  console.log(`  reads accepted ${report.accepted}, refused with a located SafetensorsError ${refused} (two reads per case)`);
  for (const [kind, count] of Object.entries(report.refused).sort((a, b) => b[1] - a[1])) console.log(`    ${String(count).padStart(7)}  ${kind}`);
  console.log(`  slowest case ${report.slowestMs.toFixed(1)} ms (limit ${CASE_TIME_LIMIT_MS} ms)`);
}

if (require.main === module) main(process.argv.slice(2));
