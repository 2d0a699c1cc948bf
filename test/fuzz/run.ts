/**
 * `npm run fuzz`: the fuzzers of issue 6, one after the other, each in its own process through
 * its own command line (so a crash, a hang or an exit of one is seen as that fuzzer's failure):
 *
 *   test/fuzz/safetensors.fuzz.ts   the safetensors reader and the nn.MultiheadAttention loader
 *   test/fuzz/emb.fuzz.ts           the .emb parser (text, bytes, blocks, mutations of valid files)
 *   test/fuzz/embBinary.fuzz.ts     the word2vec binary and fastText .bin readers (bytes, generated
 *                                   files, mutations and truncations of real ones, block reads)
 *
 *   npm run fuzz                          100,000 cases each, a fresh seed
 *   npm run fuzz -- 5000                  5,000 cases each
 *   npm run fuzz -- 100000 --seed 1234    replay a seed (printed by every run)
 *
 * Each fuzzer prints its own counts; this prints a total line and exits non-zero when any fuzzer
 * failed, printed no count, or ran fewer cases than asked.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const repoRoot = resolve(__dirname, '..', '..');

export interface Fuzzer {
  readonly name: string;
  readonly file: string;
  /** Finds the number of cases run in the fuzzer's output; undefined when it printed none. */
  readonly countCases: (output: string) => number | undefined;
}

export const FUZZERS: readonly Fuzzer[] = [
  {
    name: 'safetensors',
    file: join('test', 'fuzz', 'safetensors.fuzz.ts'),
    countCases: (output) => lastNumber(output, /safetensors fuzz: ([\d,]+) cases/g),
  },
  {
    name: 'emb',
    file: join('test', 'fuzz', 'emb.fuzz.ts'),
    countCases: (output) => lastNumber(output, /emb fuzz: ([\d,]+) cases/g),
  },
  {
    name: 'emb binary',
    file: join('test', 'fuzz', 'embBinary.fuzz.ts'),
    countCases: (output) => lastNumber(output, /emb binary fuzz: ([\d,]+) cases/g),
  },
];

function lastNumber(output: string, pattern: RegExp): number | undefined {
  let found: number | undefined;
  for (const match of output.matchAll(pattern)) found = Number(match[1]!.replace(/,/g, ''));
  return found;
}

export interface RunArgs {
  readonly cases: number;
  readonly seed: number;
}

/** `[cases] [--seed N]`; throws a usage sentence on anything else. */
export function parseArgs(argv: readonly string[], defaultSeed: number): RunArgs {
  let cases = 100_000;
  let seed = defaultSeed;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--seed') {
      const value = argv[++i];
      if (value === undefined || !/^\d+$/.test(value)) throw new Error(`--seed needs a whole number, got ${JSON.stringify(value)}`);
      seed = Number(value);
    } else if (/^\d+$/.test(arg.replace(/_/g, '')) && Number(arg.replace(/_/g, '')) > 0) {
      cases = Number(arg.replace(/_/g, ''));
    } else {
      throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
    }
  }
  if (!Number.isSafeInteger(seed) || seed >= 2 ** 31) throw new Error(`--seed must be below 2^31, got ${seed}`);
  return { cases, seed };
}

export interface FuzzerOutcome {
  readonly name: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly cases: number | undefined;
  readonly seconds: number;
  readonly ok: boolean;
  readonly reason: string;
}

/** Where a fuzzer's output is echoed as it comes (the terminal, unless a test says otherwise). */
export type Echo = (chunk: Buffer, stream: 'stdout' | 'stderr') => void;

const toTerminal: Echo = (chunk, stream) => void (stream === 'stdout' ? process.stdout : process.stderr).write(chunk);

/** Runs one fuzzer's CLI, echoing its output; resolves with what it ran. */
export function runFuzzer(fuzzer: Fuzzer, args: RunArgs, echo: Echo = toTerminal): Promise<FuzzerOutcome> {
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fuzzer.file, String(args.cases), '--seed', String(args.seed)], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      echo(chunk, 'stdout');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      echo(chunk, 'stderr');
    });
    child.on('error', (error) => {
      done({ name: fuzzer.name, exitCode: null, signal: null, cases: undefined, seconds: 0, ok: false, reason: `could not start: ${error.message}` });
    });
    child.on('close', (exitCode, signal) => {
      const seconds = (performance.now() - started) / 1000;
      const cases = fuzzer.countCases(output);
      let reason = '';
      if (exitCode !== 0) reason = signal ? `killed by ${signal}` : `exit code ${exitCode}`;
      else if (cases === undefined) reason = 'printed no case count';
      else if (cases < args.cases) reason = `ran ${cases} cases, fewer than the ${args.cases} asked`;
      done({ name: fuzzer.name, exitCode, signal, cases, seconds, ok: reason === '', reason });
    });
  });
}

export function totalLine(outcomes: readonly FuzzerOutcome[], seed: number, seconds: number): string {
  const cases = outcomes.reduce((sum, o) => sum + (o.cases ?? 0), 0);
  const failed = outcomes.filter((o) => !o.ok);
  const parts = outcomes.map((o) => `${o.name} ${(o.cases ?? 0).toLocaleString('en-US')} in ${o.seconds.toFixed(1)} s${o.ok ? '' : ` (FAILED: ${o.reason})`}`);
  return `fuzz total: ${cases.toLocaleString('en-US')} cases, ${failed.length} failed fuzzer(s), seed ${seed}, ${seconds.toFixed(1)} s — ${parts.join('; ')}`;
}

async function main(): Promise<number> {
  let args: RunArgs;
  try {
    args = parseArgs(process.argv.slice(2), Date.now() % 2 ** 31);
  } catch (error) {
    console.error(`npm run fuzz: ${error instanceof Error ? error.message : String(error)}`);
    console.error('usage: npm run fuzz -- [cases] [--seed N]');
    return 2;
  }
  console.log(`fuzz: ${args.cases.toLocaleString('en-US')} cases per fuzzer, seed ${args.seed} (replay: npm run fuzz -- ${args.cases} --seed ${args.seed})`);
  const started = performance.now();
  const outcomes: FuzzerOutcome[] = [];
  for (const fuzzer of FUZZERS) {
    console.log(`\n── ${fuzzer.name} (${fuzzer.file})`);
    outcomes.push(await runFuzzer(fuzzer, args));
  }
  console.log('');
  console.log(totalLine(outcomes, args.seed, (performance.now() - started) / 1000));
  return outcomes.every((o) => o.ok) ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
