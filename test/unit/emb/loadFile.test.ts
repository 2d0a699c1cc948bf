import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { WARM_MIN_BYTES, WORKER_FILE, defaultWorkerScript, lessonSamplePath, loadEmbFile, loadStrategy } from '../../../src/emb/loadFile';
import { closeParseWorkers, idleParseWorkers, liveParseWorkers } from '../../../src/emb/formats/text/parseWorkerPool';
import { parseEmbBytes, type ParsedEmb } from '../../../src/emb/formats/text/parse';
import { copyAllRows } from '../../../src/emb/store';
import { bundledWorkerExecArgv } from '../../../src/emb/workerArgs';

const ROOT = path.join(__dirname, '..', '..', '..');
let dir = '';
let workerScript = '';

/** A file with a header-less body, CRLF and LF lines, comments, spaced tokens, duplicates and bad rows spread over it. */
function makeFile(lines: number, dim: number): string {
  const out: string[] = ['\ufeff# dims: ' + Array.from({ length: dim }, (_, d) => `d${d}`).join(' ')];
  for (let i = 0; i < lines; i++) {
    const values = Array.from({ length: dim }, (_, d) => (((i * 7919 + d * 104729) % 20001) / 10000 - 1).toFixed(4));
    if (i % 97 === 5) out.push(`bad${i} ${values.slice(1).join(' ')}`);
    else if (i % 89 === 3) out.push(`nan${i} NaN ${values.slice(1).join(' ')}`);
    else if (i % 83 === 7) out.push(`w${i - 50} ${values.join(' ')}`); // duplicate of an earlier token
    else if (i % 71 === 0) out.push(`two words${i} ${values.join('\t')}`);
    else if (i % 61 === 0) out.push(`# comment ${i}`);
    else out.push(`w${i} ${values.join(' ')}`);
  }
  return out.map((line, i) => line + (i % 3 === 0 ? '\r\n' : '\n')).join('');
}

function assertSameParse(actual: ParsedEmb, expected: ParsedEmb): void {
  assert.equal(actual.layout, expected.layout);
  assert.deepEqual(actual.dimNames, expected.dimNames);
  assert.deepEqual(actual.store.vocabulary.toArray(), expected.store.vocabulary.toArray());
  assert.deepEqual(Array.from(copyAllRows(actual.store)), Array.from(copyAllRows(expected.store)));
  assert.deepEqual(Array.from(actual.store.norms), Array.from(expected.store.norms));
  assert.deepEqual(Array.from(actual.lineOfToken), Array.from(expected.lineOfToken));
  assert.deepEqual([...actual.spaced], [...expected.spaced]);
  assert.deepEqual(actual.problems, expected.problems);
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headlight-emb-'));
  // The worker as it ships: its own esbuild bundle, like dist/embParseWorker.js.
  workerScript = path.join(dir, WORKER_FILE);
  buildSync({ entryPoints: [path.join(ROOT, 'src', 'emb', 'formats', 'text', 'parseWorker.ts')], outfile: workerScript, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
});

after(async () => {
  await closeParseWorkers();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('in-thread loading (the fallback when no worker bundle is found) equals parseEmbBytes, at any block size', async () => {
  const file = path.join(dir, 'mixed.emb');
  fs.writeFileSync(file, makeFile(3000, 8));
  const expected = parseEmbBytes(fs.readFileSync(file), { name: 'mixed.emb' });
  assert.ok(expected.problems.length > 50 && expected.spaced.size > 10, 'the file exercises problems and spaced tokens');
  assert.equal(defaultWorkerScript(), undefined, 'under tsx there is no bundled worker next to src/emb');
  for (const blockSize of [4096, 1 << 20]) {
    const loaded = await loadEmbFile(file, { blockSize });
    assertSameParse(loaded, expected);
    assert.equal(loaded.store.name, 'mixed.emb');
  }
  const small = path.join(dir, 'small.emb');
  fs.writeFileSync(small, makeFile(300, 3));
  for (const blockSize of [1, 2, 7]) assertSameParse(await loadEmbFile(small, { blockSize }), parseEmbBytes(fs.readFileSync(small), { name: 'small.emb' }));
});

test('worker loading (2 or 3 workers, split at line boundaries) equals parseEmbBytes', async () => {
  const file = path.join(dir, 'mixed-big.emb');
  fs.writeFileSync(file, makeFile(20_000, 12));
  const expected = parseEmbBytes(fs.readFileSync(file));
  for (const [workers, blockSize] of [[2, 4 << 20], [3, 997]] as const) {
    const fractions: number[] = [];
    const loaded = await loadEmbFile(file, { worker: workerScript, workers, blockSize, parallelMinBytes: 0, onProgress: (f) => fractions.push(f) });
    assertSameParse(loaded, expected);
    assert.equal(fractions[fractions.length - 1], 1);
    assert.ok(fractions.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= fractions[i - 1]!)), 'progress rises from 0 to 1');
  }
});

test('a duplicate whose first entry is in the other worker\'s part is still found, with the right lines', async () => {
  const file = path.join(dir, 'dup.emb');
  const lines = Array.from({ length: 4000 }, (_, i) => `w${i % 3000} ${i} ${i + 1}`);
  fs.writeFileSync(file, lines.join('\n'));
  const loaded = await loadEmbFile(file, { worker: workerScript, parallelMinBytes: 0 });
  assertSameParse(loaded, parseEmbBytes(fs.readFileSync(file)));
  assert.equal(loaded.problems.length, 1000);
  assert.equal(loaded.problems[0]!.message, '"w0" is already defined on line 1; the first entry is used and this line is ignored.');
  assert.equal(loaded.problems[0]!.range.line, 3000);
});

test('an aborted load rejects with the signal\'s reason, in-thread and in workers', async () => {
  const file = path.join(dir, 'abort.emb');
  fs.writeFileSync(file, makeFile(40_000, 16));
  const early = new AbortController();
  early.abort();
  await assert.rejects(loadEmbFile(file, { signal: early.signal }), { name: 'AbortError' });
  for (const worker of [workerScript, false] as const) {
    const controller = new AbortController();
    const loading = loadEmbFile(file, { worker, parallelMinBytes: 0, blockSize: 1 << 14, signal: controller.signal, onProgress: (f) => f > 0.2 && controller.abort() });
    await assert.rejects(loading, { name: 'AbortError' });
  }
});

test('an empty file loads as an empty set with its problem; a broken worker script falls back to this thread', async () => {
  const empty = path.join(dir, 'empty.emb');
  fs.writeFileSync(empty, '');
  const loaded = await loadEmbFile(empty, { worker: workerScript, parallelMinBytes: 0 });
  assert.equal(loaded.store.count, 0);
  assert.deepEqual(loaded.problems.map((p) => p.code), ['empty-file']);
  const file = path.join(dir, 'fallback.emb');
  fs.writeFileSync(file, makeFile(500, 4));
  const broken = path.join(dir, 'broken-worker.js');
  fs.writeFileSync(broken, 'throw new Error("no threads here");');
  assertSameParse(await loadEmbFile(file, { worker: broken, parallelMinBytes: 0 }), parseEmbBytes(fs.readFileSync(file)));
});

test('a missing file rejects with the file system error; lessonSamplePath points into samples/', async () => {
  await assert.rejects(loadEmbFile(path.join(dir, 'nope.emb')), { code: 'ENOENT' });
  assert.equal(lessonSamplePath('/ext'), path.join('/ext', 'samples', 'lesson.emb'));
  const lesson = await loadEmbFile(lessonSamplePath(ROOT));
  assert.deepEqual(lesson.problems, []);
});

test('kept warm: after an in-thread load the workers wait in the pool, the next load uses them and gives the same result; closing ends them', async () => {
  await closeParseWorkers();
  const file = path.join(dir, 'warm.emb');
  fs.writeFileSync(file, makeFile(60_000, 16));
  const size = fs.statSync(file).size;
  assert.ok(size >= WARM_MIN_BYTES && size < 48 << 20, `${size} bytes: between the warm and the always-parallel sizes`);
  const expected = parseEmbBytes(fs.readFileSync(file));
  const options = { worker: workerScript, keepWorkersWarm: true } as const;
  assert.equal(loadStrategy(size, options), 'in-thread', 'no warm workers yet');
  assertSameParse(await loadEmbFile(file, options), expected);
  assert.equal(idleParseWorkers({ script: workerScript }), 2, 'two workers started for the next load');
  assert.equal(loadStrategy(size, options), 'workers');
  assert.equal(loadStrategy(WARM_MIN_BYTES - 1, options), 'in-thread', 'small files never wait for workers');
  assertSameParse(await loadEmbFile(file, options), expected);
  assert.equal(idleParseWorkers({ script: workerScript }), 2, 'the same two went back to the pool');
  assert.equal(liveParseWorkers(), 2);
  // An aborted load ends its workers instead of returning them.
  const controller = new AbortController();
  await assert.rejects(loadEmbFile(file, { ...options, blockSize: 1 << 14, signal: controller.signal, onProgress: (f) => f > 0.2 && controller.abort() }), { name: 'AbortError' });
  assert.equal(idleParseWorkers({ script: workerScript }), 0);
  await closeParseWorkers();
  const deadline = Date.now() + 5000;
  while (liveParseWorkers() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(liveParseWorkers(), 0, 'no parse worker is left');
});

test('bundled workers get this process\'s flags without its module loaders', () => {
  assert.deepEqual(
    bundledWorkerExecArgv(['--import', 'tsx', '--max-old-space-size=4096', '--loader=foo', '-r', 'bar', '--require', 'baz', '--experimental-loader', 'x', '--inspect-port=0']),
    ['--max-old-space-size=4096', '--inspect-port=0'],
  );
  assert.deepEqual(bundledWorkerExecArgv([]), []);
});
