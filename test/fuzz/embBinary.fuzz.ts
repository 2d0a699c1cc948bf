/**
 * Fuzzing of the binary embedding readers (issue 13): word2vec binary and fastText .bin, on
 * arbitrary bytes, generated word2vec files (any header, tokens of any bytes, NaN and ∞ values,
 * with and without row newlines), and mutations and truncations of the committed fixtures (files
 * made by gensim, word2vec.c's layout and the fasttext CLI). The contract:
 *   - the readers never throw;
 *   - no case takes over a second;
 *   - every problem has a byte offset inside the file;
 *   - the store is consistent: count unique tokens without "\n", count·dim finite values in its
 *     blocks, finite norms;
 *   - reading the file through the real block driver (readFileSliced, with blocks as small as 1
 *     byte so every "need more bytes" path runs) gives exactly what reading all bytes at once gives.
 *
 *   node --import tsx test/fuzz/embBinary.fuzz.ts [cases] [--seed N]     (default 100000 cases)
 *
 * test/unit/emb/formats/fuzz.test.ts runs a seed-fixed subset in the unit suite.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import type * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readBytes, readFileSliced } from '../../src/emb/formats/byteWindow';
import { readFastTextBin } from '../../src/emb/formats/fasttext/read';
import { readWord2vecBinary } from '../../src/emb/formats/word2vec/read';
import { copyAllRows } from '../../src/emb/store';
import { MAX_PROBLEMS, type ParsedEmb } from '../../src/emb/types';

export const CASE_TIME_LIMIT_MS = 1000;

export interface BinaryFuzzReport {
  readonly seed: number;
  readonly cases: Record<string, number>;
  readonly problems: Record<string, number>;
  loadedRows: number;
  slowestMs: number;
}

type Format = 'word2vec' | 'fasttext';
const BIN = path.join(__dirname, '..', 'fixtures', 'emb', 'bin');

function reader(format: Format) {
  return format === 'word2vec' ? (w: Parameters<typeof readWord2vecBinary>[0]) => readWord2vecBinary(w, { name: 'fuzz' }) : (w: Parameters<typeof readFastTextBin>[0]) => readFastTextBin(w, { name: 'fuzz' });
}

/** A FileHandle over bytes in memory: readFileSliced only calls read(buffer, offset, length, position). */
function memoryHandle(bytes: Uint8Array): fs.promises.FileHandle {
  return {
    read: (buffer: Uint8Array, offset: number, length: number, position: number) => {
      const n = Math.max(0, Math.min(length, bytes.length - position));
      buffer.set(bytes.subarray(position, position + n), offset);
      return Promise.resolve({ bytesRead: n, buffer });
    },
  } as unknown as fs.promises.FileHandle;
}

function checkParsed(parsed: ParsedEmb, size: number, report: BinaryFuzzReport): void {
  for (const problem of parsed.problems) {
    const at = problem.byteOffset;
    if (at === undefined || !(at >= 0 && at <= size)) throw new Error(`${problem.code}: byte offset ${at} outside 0..${size}`);
    if (problem.message.length === 0) throw new Error(`${problem.code}: empty message`);
    report.problems[problem.code] = (report.problems[problem.code] ?? 0) + 1;
  }
  if (parsed.problems.length > MAX_PROBLEMS) throw new Error(`${parsed.problems.length} problems listed`);
  const { store } = parsed;
  const tokens = store.vocabulary.toArray();
  if (tokens.length !== store.count || new Set(tokens).size !== store.count) throw new Error('tokens are not count unique strings');
  if (tokens.some((t) => t.includes('\n'))) throw new Error('a token holds a newline');
  const values = copyAllRows(store);
  if (values.length !== store.count * store.dim) throw new Error('store shape');
  for (const v of values) if (!Number.isFinite(v)) throw new Error(`non-finite value ${v} in the store`);
  for (const n of store.norms) if (!Number.isFinite(n) || n < 0) throw new Error(`bad norm ${n}`);
  report.loadedRows += store.count;
}

function same(a: ParsedEmb, b: ParsedEmb): boolean {
  const va = copyAllRows(a.store);
  const vb = copyAllRows(b.store);
  return (
    a.store.dim === b.store.dim &&
    JSON.stringify(a.store.vocabulary.toArray()) === JSON.stringify(b.store.vocabulary.toArray()) &&
    va.length === vb.length &&
    va.every((v, i) => Object.is(v, vb[i])) &&
    JSON.stringify(a.problems) === JSON.stringify(b.problems)
  );
}

async function checkCase(bytes: Uint8Array, format: Format, blockSize: number, report: BinaryFuzzReport): Promise<void> {
  const started = performance.now();
  const whole = readBytes(bytes, reader(format));
  const ms = performance.now() - started;
  report.slowestMs = Math.max(report.slowestMs, ms);
  if (ms > CASE_TIME_LIMIT_MS) throw new Error(`a case of ${bytes.length} bytes took ${ms.toFixed(0)} ms`);
  checkParsed(whole, bytes.length, report);
  const blocks = await readFileSliced(memoryHandle(bytes), bytes.length, reader(format), { blockSize });
  if (!same(whole, blocks)) throw new Error(`reading in blocks of ${blockSize} bytes differs from reading all bytes`);
}

const encoder = new TextEncoder();

/** A word2vec binary from parts: header (maybe lying), rows of arbitrary token bytes and floats. */
const word2vecFile = fc
  .record({
    dim: fc.integer({ min: 1, max: 6 }),
    headerDelta: fc.integer({ min: -2, max: 2 }),
    dimDelta: fc.constantFrom(0, 0, 0, 1, -1),
    newline: fc.boolean(),
    rows: fc.array(
      fc.record({
        token: fc.oneof(fc.stringMatching(/^[a-z]{1,6}$/), fc.uint8Array({ minLength: 0, maxLength: 5 }), fc.constantFrom('apple', 'apple', 'é', '日本')),
        values: fc.array(fc.oneof(fc.float({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 0)), { minLength: 6, maxLength: 6 }),
      }),
      { maxLength: 12 },
    ),
  })
  .map(({ dim, headerDelta, dimDelta, newline, rows }) => {
    const parts: Uint8Array[] = [encoder.encode(`${Math.max(0, rows.length + headerDelta)} ${Math.max(0, dim + dimDelta)}\n`)];
    for (const row of rows) {
      parts.push(typeof row.token === 'string' ? encoder.encode(row.token) : row.token, Uint8Array.of(0x20), new Uint8Array(Float32Array.from(row.values.slice(0, dim)).buffer));
      if (newline) parts.push(Uint8Array.of(0x0a));
    }
    return Buffer.concat(parts);
  });

interface Mutation {
  readonly kind: 'flip' | 'cut' | 'insert' | 'delete' | 'zero';
  readonly at: number;
  readonly value: number;
}
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('flip', 'cut', 'insert', 'delete', 'zero'),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  value: fc.integer({ min: 0, max: 255 }),
});

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = Uint8Array.from(bytes);
  for (const m of mutations) {
    // Mutations land mostly in the headers, where the interesting decisions are.
    const at = Math.min(out.length - 1, Math.floor(m.at * m.at * m.at * out.length));
    if (out.length === 0) break;
    if (m.kind === 'flip') out[at] = m.value;
    else if (m.kind === 'cut') out = out.slice(0, at);
    else if (m.kind === 'insert') out = Buffer.concat([out.subarray(0, at), Uint8Array.of(m.value), out.subarray(at)]);
    else if (m.kind === 'delete') out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
    else out.fill(0, at, Math.min(out.length, at + 8));
  }
  return out;
}

function seedFiles(): { bytes: Uint8Array; format: Format }[] {
  return [
    { bytes: new Uint8Array(readFileSync(path.join(BIN, 'gensim.bin'))), format: 'word2vec' },
    { bytes: new Uint8Array(readFileSync(path.join(BIN, 'word2vec-c.bin'))), format: 'word2vec' },
    { bytes: new Uint8Array(readFileSync(path.join(BIN, 'skipgram.bin'))), format: 'fasttext' },
    { bytes: new Uint8Array(readFileSync(path.join(BIN, 'supervised.bin'))), format: 'fasttext' },
    { bytes: new Uint8Array(readFileSync(path.join(BIN, 'quantised.ftz'))), format: 'fasttext' },
  ];
}

export async function runEmbBinaryFuzz(cases: number, seed: number): Promise<BinaryFuzzReport> {
  const report: BinaryFuzzReport = { seed, cases: {}, problems: {}, loadedRows: 0, slowestMs: 0 };
  const seeds = seedFiles();
  const count = (family: string) => (report.cases[family] = (report.cases[family] ?? 0) + 1);
  const format = fc.constantFrom<Format>('word2vec', 'fasttext');
  const block = fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 4096, max: 1 << 16 }));
  const share = Math.max(1, Math.floor(cases / 4));
  const run = async (property: fc.IAsyncProperty<never>, runs: number, offset: number) => {
    await fc.assert(property as fc.IAsyncProperty<unknown>, { numRuns: runs, seed: seed + offset, endOnFailure: true });
  };
  await run(fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), format, block, async (bytes, f, size) => {
    count('arbitrary bytes');
    await checkCase(bytes, f, size, report);
  }) as never, share, 0);
  await run(fc.asyncProperty(word2vecFile, block, async (bytes, size) => {
    count('generated word2vec files');
    await checkCase(bytes, 'word2vec', size, report);
  }) as never, share, 1);
  // The fastText model is 240 KB: its mutations get fewer runs, with big blocks.
  const fastText = Math.max(1, Math.floor(share / 20));
  await run(fc.asyncProperty(fc.nat(seeds.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), block, async (which, mutations, size) => {
    const file = seeds[which]!;
    count(`mutated ${file.format} fixtures`);
    await checkCase(mutate(file.bytes, mutations), file.format, file.format === 'fasttext' ? Math.max(size, 4096) : size, report);
  }) as never, Math.max(1, cases - 2 * share - fastText), 2);
  await run(fc.asyncProperty(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 4096, max: 1 << 16 }), async (where, size) => {
    count('truncated fastText model');
    const model = seeds[2]!.bytes;
    await checkCase(model.subarray(0, Math.floor(where * model.length)), 'fasttext', size, report);
  }) as never, fastText, 3);
  return report;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const seedAt = args.indexOf('--seed');
  const seed = seedAt >= 0 ? Number(args[seedAt + 1]) : Date.now() % 2_147_483_647;
  const cases = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--seed') ?? 100_000);
  const started = performance.now();
  runEmbBinaryFuzz(cases, seed).then(
    (report) => {
      const total = Object.values(report.cases).reduce((s, n) => s + n, 0);
      console.log(`emb binary fuzz: ${total} cases, seed ${seed}, ${((performance.now() - started) / 1000).toFixed(1)} s — no exception, every problem located by byte offset, blocks equal whole reads, no case over ${CASE_TIME_LIMIT_MS} ms`);
      for (const [family, n] of Object.entries(report.cases)) console.log(`  ${family.padEnd(28)} ${n}`);
      console.log(`  rows loaded ${report.loadedRows}, slowest single read ${report.slowestMs.toFixed(1)} ms`);
      console.log(`  problems by code: ${Object.entries(report.problems).map(([code, n]) => `${code} ${n}`).join(', ')}`);
    },
    (error: unknown) => {
      console.error(`emb binary fuzz: FAILED (seed ${seed})`);
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
