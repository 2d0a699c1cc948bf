/**
 * The `npm run fuzz` runner (test/fuzz/run.ts) must not report success for a fuzzer that failed,
 * crashed, printed nothing or ran fewer cases than asked. Checked with stand-in fuzzers written to
 * a temporary folder, so these tests never run the real (long) fuzzers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUZZERS, parseArgs, runFuzzer, totalLine, type Fuzzer } from '../../fuzz/run';

test('arguments: cases and --seed, with defaults; anything else is refused', () => {
  assert.deepEqual(parseArgs([], 11), { cases: 100_000, seed: 11 });
  assert.deepEqual(parseArgs(['5000'], 11), { cases: 5000, seed: 11 });
  assert.deepEqual(parseArgs(['--seed', '42', '1_000'], 11), { cases: 1000, seed: 42 });
  assert.throws(() => parseArgs(['--seed'], 11), /--seed needs a whole number/);
  assert.throws(() => parseArgs(['--seed', 'x'], 11), /--seed needs a whole number/);
  assert.throws(() => parseArgs(['0'], 11), /unexpected argument/);
  assert.throws(() => parseArgs(['--cases=5'], 11), /unexpected argument/);
  assert.throws(() => parseArgs(['--seed', String(2 ** 31)], 11), /below 2\^31/);
});

test('the case counts are read from what each fuzzer prints', () => {
  const [safetensors, emb] = FUZZERS;
  assert.equal(safetensors?.countCases('safetensors fuzz: 100000 cases (seed 3) in 50.1 s, 0 failures'), 100_000);
  assert.equal(emb?.countCases('emb fuzz: 100005 cases, seed 3, 80.0 s — no exception'), 100_005);
  assert.equal(emb?.countCases('emb fuzz: FAILED (seed 3)'), undefined);
});

/** A stand-in fuzzer: a script that prints `printed` and exits with `code`. */
function standIn(folder: string, name: string, printed: string, code: number): Fuzzer {
  const file = join(folder, `${name}.ts`);
  writeFileSync(file, `console.log(${JSON.stringify(printed)}); process.exit(${code});\n`);
  return { name, file, countCases: (output) => (/(\d+) cases/.exec(output) ? Number(/(\d+) cases/.exec(output)![1]) : undefined) };
}

test('a fuzzer that fails, prints no count or runs too few cases fails the run', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'headlight-fuzz-runner-'));
  try {
    const args = { cases: 10, seed: 1 };
    const quiet = (): void => undefined;
    const passing = await runFuzzer(standIn(folder, 'passing', 'x fuzz: 10 cases', 0), args, quiet);
    const failing = await runFuzzer(standIn(folder, 'failing', 'x fuzz: 10 cases', 1), args, quiet);
    const silent = await runFuzzer(standIn(folder, 'silent', 'nothing to say', 0), args, quiet);
    const short = await runFuzzer(standIn(folder, 'short', 'x fuzz: 9 cases', 0), args, quiet);
    assert.equal(passing.ok, true, passing.reason);
    assert.equal(passing.cases, 10);
    assert.deepEqual([failing.ok, failing.reason], [false, 'exit code 1']);
    assert.deepEqual([silent.ok, silent.reason], [false, 'printed no case count']);
    assert.deepEqual([short.ok, short.reason], [false, 'ran 9 cases, fewer than the 10 asked']);
    const line = totalLine([passing, failing], 1, 2);
    assert.match(line, /^fuzz total: 20 cases, 1 failed fuzzer\(s\), seed 1/);
    assert.match(line, /failing 10 in [\d.]+ s \(FAILED: exit code 1\)/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
