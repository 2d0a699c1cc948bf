/**
 * Fuzzing of the `.emb` parser (issue 6): property-based text and bytes from fast-check, and
 * mutations of valid files (the samples, GloVe, word2vec and table snippets). The contract:
 *   - parseEmb / parseEmbBytes never throw;
 *   - no parse of a case takes over a second;
 *   - every problem (and every fix) has a location inside the text as the editor splits it
 *     (lines at \n, \r\n or \r, a leading BOM not counted, UTF-16 columns);
 *   - the store is consistent: count tokens, count·dim finite values, unique tokens, a line per token;
 *   - parsing in blocks of any size (as the loader and the workers do) gives the same result, and
 *     parseEmb(text) equals parseEmbBytes(utf-8 of text).
 *
 *   node --import tsx test/fuzz/emb.fuzz.ts [cases] [--seed N]     (default 100000 cases)
 *
 * test/unit/emb/fuzz.test.ts runs a seed-fixed 300-case subset in the unit suite.
 */
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ChunkParser } from '../../src/emb/formats/text/chunkParser';
import { BlockFeeder } from '../../src/emb/formats/text/feed';
import { MAX_PROBLEMS, assemble, parseEmb, parseEmbBytes, runToEnd, type ParsedEmb } from '../../src/emb/formats/text/parse';
import { scanPreamble } from '../../src/emb/formats/text/preamble';
import type { EmbRange } from '../../src/emb/types';
import { copyAllRows } from '../../src/emb/store';

export const CASE_TIME_LIMIT_MS = 1000;

export interface EmbFuzzReport {
  readonly seed: number;
  readonly cases: Record<string, number>;
  /** Problems seen, by code. */
  readonly problems: Record<string, number>;
  filesWithProblems: number;
  cleanFiles: number;
  slowestMs: number;
}

const decoder = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/** The editor's lines of `text` (BOM dropped): what a location must fall inside. */
function editorLines(text: string): string[] {
  return (text.startsWith('\ufeff') ? text.slice(1) : text).split(/\r\n|\r|\n/);
}

function checkRange(range: EmbRange, lines: readonly string[], what: string): void {
  const line = lines[range.line];
  if (!Number.isInteger(range.line) || line === undefined) throw new Error(`${what}: line ${range.line} outside 0..${lines.length - 1}`);
  if (!(Number.isInteger(range.startColumn) && Number.isInteger(range.endColumn) && range.startColumn >= 0 && range.startColumn <= range.endColumn && range.endColumn <= line.length)) {
    throw new Error(`${what}: columns ${range.startColumn}..${range.endColumn} outside line ${range.line} of length ${line.length}`);
  }
}

/** Every invariant of the contract on one parse result of `text`. */
function checkParsed(parsed: ParsedEmb, text: string, report: EmbFuzzReport): void {
  const lines = editorLines(text);
  for (const problem of parsed.problems) {
    checkRange(problem.range, lines, `${problem.code} "${problem.message}"`);
    if (problem.message.length === 0) throw new Error(`${problem.code}: empty message`);
    if (problem.fix) {
      checkRange(problem.fix.range, lines, `fix of ${problem.code}`);
      const del = problem.fix.deleteLines;
      if (del && !(del.startLine >= 0 && del.startLine < del.endLine && del.endLine <= lines.length)) throw new Error(`fix of ${problem.code}: deleteLines ${JSON.stringify(del)}`);
    }
    report.problems[problem.code] = (report.problems[problem.code] ?? 0) + 1;
  }
  if (parsed.problems.length > MAX_PROBLEMS) throw new Error(`${parsed.problems.length} problems listed, more than ${MAX_PROBLEMS}`);
  const { store } = parsed;
  if (store.vocabulary.toArray().length !== store.count || copyAllRows(store).length !== store.count * store.dim || store.norms.length !== store.count) throw new Error('store shape');
  if (new Set(store.vocabulary.toArray()).size !== store.count) throw new Error('duplicate tokens in the store');
  for (const v of copyAllRows(store)) if (!Number.isFinite(v)) throw new Error(`non-finite value ${v} in the store`);
  for (const n of store.norms) if (!Number.isFinite(n) || n < 0) throw new Error(`bad norm ${n}`);
  if (parsed.lineOfToken.length !== store.count) throw new Error('lineOfToken length');
  parsed.lineOfToken.forEach((line, i) => {
    if (!(line >= 0 && line < lines.length)) throw new Error(`token ${i} on line ${line}`);
    if (!lines[line]!.includes(store.token(i)) && !store.token(i).includes('\uFFFD')) throw new Error(`token ${JSON.stringify(store.token(i))} not on its line ${line}`);
  });
  for (const i of parsed.spaced) if (!(i >= 0 && i < store.count) || !/[ \t\v\f]/.test(store.token(i))) throw new Error(`spaced index ${i}`);
  if (store.dimNames && store.dimNames.length !== store.dim) throw new Error('dimNames length');
  if (parsed.problems.length > 0) report.filesWithProblems++;
  else report.cleanFiles++;
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

function sameParse(a: ParsedEmb, b: ParsedEmb, what: string): void {
  const same =
    a.layout === b.layout &&
    JSON.stringify(a.dimNames) === JSON.stringify(b.dimNames) &&
    JSON.stringify(a.store.vocabulary.toArray()) === JSON.stringify(b.store.vocabulary.toArray()) &&
    sameValues(copyAllRows(a.store), copyAllRows(b.store)) &&
    JSON.stringify(Array.from(a.lineOfToken)) === JSON.stringify(Array.from(b.lineOfToken)) &&
    JSON.stringify([...a.spaced]) === JSON.stringify([...b.spaced]) &&
    JSON.stringify(a.problems) === JSON.stringify(b.problems);
  if (!same) throw new Error(`${what} differs from parseEmbBytes`);
}

/** Parses `bytes` through the block feeder, as loadFile does, with blocks of `blockSize`. */
function parseInBlocks(bytes: Uint8Array, blockSize: number): ParsedEmb {
  const preamble = scanPreamble(bytes.subarray(0, Math.min(bytes.length, 1 << 20)), bytes.length <= 1 << 20);
  const parser = new ChunkParser({ dim: preamble.dim, skipLine: preamble.skipLine, maxProblems: MAX_PROBLEMS });
  const feeder = new BlockFeeder(parser);
  for (let at = preamble.start; at < bytes.length; at += blockSize) feeder.feed(bytes.subarray(at, Math.min(bytes.length, at + blockSize)));
  feeder.end();
  return runToEnd(assemble(preamble, [parser.finish()], {}));
}

/** One case: every entry point, timed, with every invariant; throws on a violation. */
export function checkText(text: string, blockSize: number, report: EmbFuzzReport): void {
  const bytes = encoder.encode(text);
  const fromBytes = timed(() => parseEmbBytes(bytes), report);
  checkParsed(fromBytes, text, report);
  sameParse(timed(() => parseEmb(text), report), fromBytes, 'parseEmb(text)');
  sameParse(timed(() => parseInBlocks(bytes, blockSize), report), fromBytes, `parsing in blocks of ${blockSize}`);
}

/** Runs one parse; the time limit applies to each parse on its own (the checks around it are ours). */
function timed(parse: () => ParsedEmb, report: EmbFuzzReport): ParsedEmb {
  const started = performance.now();
  const parsed = parse();
  const elapsed = performance.now() - started;
  report.slowestMs = Math.max(report.slowestMs, elapsed);
  if (elapsed > CASE_TIME_LIMIT_MS) throw new Error(`one parse took ${elapsed.toFixed(0)} ms`);
  return parsed;
}

export function checkBytes(bytes: Uint8Array, blockSize: number, report: EmbFuzzReport): void {
  const parsed = timed(() => parseEmbBytes(bytes), report);
  checkParsed(parsed, decoder.decode(bytes), report);
  sameParse(timed(() => parseInBlocks(bytes, blockSize), report), parsed, `parsing bytes in blocks of ${blockSize}`);
}

// ── Generators ───────────────────────────────────────────────────────────────────────────────

/** Pieces a `.emb` file is made of, and the ones that break it. */
const PIECES = [
  ' ', ' ', '\t', '\n', '\n', '\r\n', '\r', '#', '# dims: a b c', '\ufeff', '0', '1', '-0.5', '3.25', '1e-05', '2E+3', '.5', '5.',
  'NaN', 'nan', 'inf', '-Infinity', '1e39', '1e-50', '1,5', '0x1f', '--1', 'e', '.', '-', '+', 'apple', 'Apple', 'ice cream', '😀',
  'naïve', '\u202e', '<img src=x onerror=alert(1)>', '[x](command:workbench.action.quit)', '\u0000', '\uFFFD', '4 3', '2 300', 'Word\tTech\tFruitness',
];

const textFile = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 4 })), { maxLength: 80 }).map((parts) => parts.join(''));

const rowText = (dim: number) =>
  fc
    .tuple(fc.constantFrom('apple', 'pear', 'ice cream', '#', '#1', 'Ω', 'x'), fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: dim, maxLength: dim }), fc.constantFrom(' ', '\t'))
    .map(([token, values, sep]) => `${token}${sep}${values.map((v) => String(Math.fround(v))).join(sep)}`);

const structuredFile = fc.integer({ min: 1, max: 6 }).chain((dim) =>
  fc
    .tuple(
      fc.constantFrom('', `# dims: ${Array.from({ length: dim }, (_, d) => `d${d}`).join(' ')}\n`, `\t${Array.from({ length: dim }, (_, d) => `D${d}`).join('\t')}\n`, `3 ${dim}\n`),
      fc.array(rowText(dim), { maxLength: 30 }),
      fc.constantFrom('\n', '\r\n', '\r'),
    )
    .map(([head, rows, eol]) => head + rows.join(eol)),
);

/** Valid files to mutate: the samples and fixtures, and small generated ones. */
function seedFiles(): string[] {
  const root = path.join(__dirname, '..', '..');
  const files: string[] = [];
  for (const dir of ['samples', path.join('test', 'fixtures', 'emb')]) {
    for (const name of readdirSync(path.join(root, dir))) if (name.endsWith('.emb')) files.push(readFileSync(path.join(root, dir, name), 'utf8').slice(0, 20_000));
  }
  files.push('2 3\nking 0.1 0.2 0.3\nqueen 0.4 0.5 0.6\n', 'the 0.418 0.24968 -0.41242\n. . . 1 2 3\n', '\ufeffa\t1\t2\r\nb\t3\t4\r\n');
  return files;
}

type Mutation = { kind: 'delete'; at: number; length: number } | { kind: 'insert'; at: number; piece: string } | { kind: 'duplicate-line'; at: number } | { kind: 'swap'; at: number; other: number } | { kind: 'truncate'; at: number } | { kind: 'replace-char'; at: number; piece: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), piece: fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 5 })) }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace-char' as const), at: fc.nat(), piece: fc.constantFrom(...PIECES) }),
);

function mutate(text: string, mutations: readonly Mutation[]): string {
  let out = text;
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + 1);
    if (m.kind === 'delete') out = out.slice(0, at) + out.slice(at + m.length);
    else if (m.kind === 'insert') out = out.slice(0, at) + m.piece + out.slice(at);
    else if (m.kind === 'replace-char') out = out.slice(0, at) + m.piece + out.slice(at + 1);
    else if (m.kind === 'truncate') out = out.slice(0, at);
    else {
      const lines = out.split('\n');
      const i = m.at % lines.length;
      if (m.kind === 'duplicate-line') lines.splice(i, 0, lines[i]!);
      else {
        const j = m.other % lines.length;
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      }
      out = lines.join('\n');
    }
  }
  return out;
}

/** Big single cases, for the time limit: a 10,000-character token, a very wide line, many lines. */
export function largeCases(): string[] {
  return [
    `${'x'.repeat(10_000)} 1 2\nb 3 4\n`,
    `w ${Array.from({ length: 100_000 }, (_, i) => String(i % 7)).join(' ')}\n`,
    Array.from({ length: 20_000 }, (_, i) => `w${i % 5000} ${i % 3 ? '1 2' : 'x NaN 3'}`).join('\n'),
    '#'.repeat(200_000),
    '\r'.repeat(100_000) + 'a 1\r',
  ];
}

export function newReport(seed: number): EmbFuzzReport {
  return { seed, cases: {}, problems: {}, filesWithProblems: 0, cleanFiles: 0, slowestMs: 0 };
}

/** Runs `cases` cases split over the families; throws with fast-check's counterexample on failure. */
export function runEmbFuzz(cases: number, seed: number): EmbFuzzReport {
  const report = newReport(seed);
  const seeds = seedFiles();
  const block = fc.integer({ min: 1, max: 300 });
  const count = (family: string) => (report.cases[family] = (report.cases[family] ?? 0) + 1);
  const share = Math.max(1, Math.floor(cases / 4));
  const run = (family: string, property: fc.IProperty<never> | fc.IPropertyWithHooks<never>, runs: number, offset: number) => {
    void family;
    fc.assert(property as fc.IProperty<unknown>, { numRuns: runs, seed: seed + offset, endOnFailure: true });
  };
  run('text', fc.property(textFile, block, (text, size) => {
    count('arbitrary text');
    checkText(text, size, report);
  }) as never, share, 0);
  run('bytes', fc.property(fc.uint8Array({ maxLength: 400 }), block, (bytes, size) => {
    count('arbitrary bytes');
    checkBytes(bytes, size, report);
  }) as never, share, 1);
  run('structured', fc.property(structuredFile, block, (text, size) => {
    count('generated valid-ish files');
    checkText(text, size, report);
  }) as never, share, 2);
  run('mutations', fc.property(fc.nat(seeds.length - 1), fc.array(mutation, { minLength: 1, maxLength: 6 }), block, (which, mutations, size) => {
    count('mutated valid files');
    checkText(mutate(seeds[which]!, mutations), size, report);
  }) as never, Math.max(1, cases - 3 * share), 3);
  for (const text of largeCases()) {
    count('large single cases');
    checkText(text, 65_536, report);
  }
  return report;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const seedAt = args.indexOf('--seed');
  const seed = seedAt >= 0 ? Number(args[seedAt + 1]) : Date.now() % 2_147_483_647;
  const cases = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--seed') ?? 100_000);
  const started = performance.now();
  try {
    const report = runEmbFuzz(cases, seed);
    const total = Object.values(report.cases).reduce((s, n) => s + n, 0);
    console.log(`emb fuzz: ${total} cases, seed ${seed}, ${((performance.now() - started) / 1000).toFixed(1)} s — no exception, every problem located, no case over ${CASE_TIME_LIMIT_MS} ms`);
    for (const [family, n] of Object.entries(report.cases)) console.log(`  ${family.padEnd(28)} ${n}`);
    console.log(`  files with problems ${report.filesWithProblems}, clean files ${report.cleanFiles}, slowest single parse ${report.slowestMs.toFixed(1)} ms`);
    console.log(`  problems by code: ${Object.entries(report.problems).map(([code, n]) => `${code} ${n}`).join(', ')}`);
  } catch (error) {
    console.error(`emb fuzz: FAILED (seed ${seed})`);
    console.error(error instanceof Error ? error.message : error);
    if (error instanceof Error && error.cause) console.error('cause:', error.cause);
    process.exit(1);
  }
}
