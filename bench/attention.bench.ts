/**
 * Multi-head self-attention forward pass, ours against PyTorch, in one run (issue 2, Benchmark).
 *
 * Contenders, measured in alternating rounds so that they share whatever load the machine has:
 *   ours         multiHeadAttention(x, randomMultiHeadWeights(E, h, seed)) from src/core, bundled by
 *                esbuild as it ships, on this Node's default engine (Node 20: WebAssembly SIMD128).
 *   ours + FMA   the same in a child Node with --experimental-wasm-relaxed-simd: the relaxed-SIMD
 *                kernel that Node ≥ 22 and VS Code's Electron pick by default.
 *   PyTorch      bench/peers/torch_mha.py: torch.nn.MultiheadAttention(E, h), torch.set_num_threads(1),
 *                need_weights=True, average_attn_weights=False, eval + no_grad, run by /usr/bin/python3
 *                (Debian's python3-torch; skipped with a note when missing).
 * Each round: warm-up (≥ 3 runs and ≥ 0.2 s), then ≥ 5 timed runs over ≥ 0.4 s. All rounds' runs
 * are pooled: median and best. GFLOP/s counts the dense products only (bench/README.md):
 * F = 8·n·E² + 4·n²·E.
 * Also printed: the reference path (plain float64 loops) at the two small sizes, and the dense
 * products alone (the linalg calls of one forward pass), to show where the rest of the time goes.
 *
 * `node --import tsx bench/attention.bench.ts --serve` is the child mode: it answers JSON lines
 * {"n", "E", "h", "min_seconds"} with {"times_ms": [...]}, like the Python peer.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import type { Matrix, MultiHeadWeights } from '../src/core';

type Core = typeof import('../src/core');
type Size = readonly [n: number, embedDim: number, heads: number];

const SIZES: readonly Size[] = [[16, 100, 4], [128, 300, 6], [512, 768, 12]];
/** Issue 2's targets for ours / PyTorch, by n. */
const TARGET = (n: number): number => (n >= 512 ? 3 : 10);
const ROUNDS = 3;
const ROUND_SECONDS = 0.4;
const SEED = 2;
const ROOT = path.join(__dirname, '..');
const PYTHON = '/usr/bin/python3';

// ── measuring ───────────────────────────────────────────────────────────────────────────────────

/** Warm-up, then timed runs (ms); the same schedule as the Python peer. */
function runTimes(run: () => void, minSeconds: number): number[] {
  let start = performance.now();
  for (let warm = 0; warm < 3 || performance.now() - start < 200; warm++) run();
  const times: number[] = [];
  start = performance.now();
  while (times.length < 5 || (performance.now() - start < minSeconds * 1e3 && times.length < 200)) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  return times;
}

function summary(times: readonly number[]): { median: number; best: number; runs: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, best: sorted[0]!, runs: sorted.length };
}

/** Dense-product FLOPs of one forward pass (multiply and add counted separately). */
const flops = ([n, e]: Size): number => 8 * n * e * e + 4 * n * n * e;
const gflops = (size: Size, ms: number): number => flops(size) / (ms * 1e6);

// ── the core, as it ships ───────────────────────────────────────────────────────────────────────

/**
 * The core as one esbuild bundle, like dist/extension.js and dist/cli.js. (Run straight through
 * tsx, every cross-file call goes through a CommonJS export getter, which costs the per-element
 * helpers of softmax and scoring about a tenth of the forward pass.)
 */
async function loadBundledCore(): Promise<Core> {
  const outfile = path.join(ROOT, 'out', 'bench', 'core.js');
  buildSync({
    entryPoints: [path.join(ROOT, 'src', 'core', 'index.ts')], outfile, bundle: true, format: 'cjs', platform: 'node',
    target: 'es2022', logLevel: 'warning',
  });
  const loaded = (await import(pathToFileURL(outfile).href)) as Core & { default?: Core };
  return loaded.default ?? loaded;
}

interface Case {
  readonly size: Size;
  readonly x: Matrix;
  readonly w: MultiHeadWeights;
}

function makeCase(core: Core, size: Size, seed: number): Case {
  const [n, e, h] = size;
  const random = core.uniform01(seed);
  const x = core.matrix(n, e, Float32Array.from({ length: n * e }, () => 2 * random() - 1));
  return { size, x, w: core.randomMultiHeadWeights(e, h, seed) };
}

/** The products of one forward pass, without the softmax, checks and copies around them. */
function productsOnly(core: Core, { x, w }: Case): void {
  const n = x.rows, dK = w.embedDim / w.numHeads;
  const q = core.linear(x, w.wq, w.bq), k = core.linear(x, w.wk, w.bk), v = core.linear(x, w.wv, w.bv);
  const head = (m: Matrix): Matrix => core.matrix(n, dK, m.data.slice(0, n * dK));
  const qh = head(q), kh = head(k), vh = head(v);
  for (let i = 0; i < w.numHeads; i++) core.matmul(core.matmulTransposeB(qh, kh), vh);
  core.linear(x, w.wo, w.bo);
}

// ── contenders ──────────────────────────────────────────────────────────────────────────────────

interface Contender {
  readonly label: string;
  measure(size: Size, minSeconds: number): Promise<number[]>;
  close(): void;
}

function inProcess(core: Core, cases: readonly Case[]): Contender {
  return {
    label: `ours, ${core.fastKernelName()} (this Node's default)`,
    measure: async (size) => {
      const c = cases.find((candidate) => candidate.size === size)!;
      return runTimes(() => core.multiHeadAttention(c.x, c.w), ROUND_SECONDS);
    },
    close: () => undefined,
  };
}

/** A child that prints a JSON hello line, then answers one JSON line per request line. */
async function lineServer(command: string, args: readonly string[], env: NodeJS.ProcessEnv,
  label: (hello: Record<string, unknown>) => string): Promise<Contender | string> {
  const child: ChildProcessWithoutNullStreams = spawn(command, args, { env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const line = await lines.next();
    if (line.done) throw new Error(`${path.basename(args[args.length - 1] ?? command)} ended: ${stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
    return JSON.parse(line.value) as Record<string, unknown>;
  };
  try {
    const hello = await next();
    return {
      label: label(hello),
      measure: async ([n, E, h], minSeconds) => {
        child.stdin.write(`${JSON.stringify({ n, E, h, min_seconds: minSeconds })}\n`);
        return (await next()).times_ms as number[];
      },
      close: () => child.stdin.end(),
    };
  } catch (error) {
    child.kill();
    return error instanceof Error ? error.message : String(error);
  }
}

async function torchPeer(): Promise<Contender | string> {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  if (spawnSync(PYTHON, ['-c', 'import torch']).status !== 0) {
    return 'torch is not importable by /usr/bin/python3 (apt-get install -y python3-torch)';
  }
  const oneThread = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  return lineServer(PYTHON, [path.join(__dirname, 'peers', 'torch_mha.py')], oneThread, (hello) => {
    const blas = String(hello.blas);
    const kind = /openblas/i.test(blas) ? 'OpenBLAS' : /mkl/i.test(blas) ? 'MKL' : /blis/i.test(blas) ? 'BLIS' : 'reference BLAS (!)';
    return `PyTorch ${String(hello.torch)}, ${String(hello.threads)} thread, ${kind}`;
  });
}

async function relaxedSimdChild(): Promise<Contender | string> {
  const child = await lineServer(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', __filename, '--serve'], {},
    (hello) => `ours, ${String(hello.kernel)} (Node ≥ 22 / VS Code default)`);
  return child;
}

// ── child mode ──────────────────────────────────────────────────────────────────────────────────

async function serve(): Promise<void> {
  const core = await loadBundledCore();
  const cases = SIZES.map((size, i) => makeCase(core, size, SEED + i));
  console.log(JSON.stringify({ kernel: core.fastKernelName() }));
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    const { n, E, h, min_seconds: minSeconds } = JSON.parse(line) as { n: number; E: number; h: number; min_seconds: number };
    const c = cases.find(({ size }) => size[0] === n && size[1] === E && size[2] === h);
    if (!c) throw new Error(`serve: no case for n=${n} E=${E} h=${h}`);
    console.log(JSON.stringify({ times_ms: runTimes(() => core.multiHeadAttention(c.x, c.w), minSeconds) }));
  }
}

// ── report ──────────────────────────────────────────────────────────────────────────────────────

const ms = (value: number): string => (value < 1 ? value.toFixed(3) : value < 100 ? value.toFixed(2) : value.toFixed(1));
const sizeLabel = ([n, e, h]: Size): string => `n=${n} E=${e} h=${h}`;

async function main(): Promise<void> {
  const core = await loadBundledCore();
  const cases = SIZES.map((size, i) => makeCase(core, size, SEED + i));
  console.log('Multi-head self-attention forward, one thread each. Rounds alternate between contenders; times pooled');
  console.log(`over ${ROUNDS} rounds: median (best). GFLOP/s counts the dense products, F = 8·n·E² + 4·n²·E (bench/README.md).`);
  console.log('The machine\'s cores are shared with other work, so absolute times are noisy; ratios are taken within one run.');
  const load = (): string => loadavg()[0]!.toFixed(1);
  console.log(`CPU: ${cpus()[0]?.model.trim() ?? 'unknown'} × ${availableParallelism()}; load average at start ${load()}.\n`);

  const peers = await Promise.all([relaxedSimdChild(), torchPeer()]);
  const [fma, torch] = peers;
  if (typeof fma === 'string') console.log(`relaxed-SIMD child: skipped — ${fma}`);
  if (typeof torch === 'string') console.log(`PyTorch: skipped — ${torch}`);
  const contenders = [inProcess(core, cases), ...peers.filter((p): p is Contender => typeof p !== 'string')];
  const torchContender = typeof torch === 'string' ? undefined : torch;

  const verdicts: string[] = [];
  for (const c of cases) {
    const times = new Map<Contender, number[]>(contenders.map((contender) => [contender, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const contender of contenders) times.get(contender)!.push(...(await contender.measure(c.size, ROUND_SECONDS)));
    }
    console.log(`${sizeLabel(c.size)}   (F = ${(flops(c.size) / 1e9).toFixed(3)} GFLOP)`);
    const torchTime = torchContender ? summary(times.get(torchContender)!) : undefined;
    for (const contender of contenders) {
      const t = summary(times.get(contender)!);
      let line = `  ${contender.label.padEnd(54)} ${ms(t.median).padStart(7)} ms (${ms(t.best)})  ${gflops(c.size, t.median).toFixed(1).padStart(5)} GFLOP/s`;
      if (torchTime && contender !== torchContender) {
        const ratio = t.median / torchTime.median, bestRatio = t.best / torchTime.best;
        line += `   ${ratio.toFixed(2)}× torch (best ${bestRatio.toFixed(2)}×)`;
        const target = TARGET(c.size[0]);
        verdicts.push(`${sizeLabel(c.size).padEnd(18)} ${contender.label.split(' (')[0]!.padEnd(24)} ${ratio.toFixed(2)}× (best ${bestRatio.toFixed(2)}×)  target ≤ ${target}×: ${ratio <= target ? 'met' : bestRatio <= target ? 'met at best' : 'MISSED'}`);
      }
      console.log(line);
    }
  }
  for (const contender of contenders) contender.close();
  console.log(`(load average after the timed rounds: ${load()})`);

  if (verdicts.length > 0) {
    console.log('\nours / PyTorch (median):');
    for (const verdict of verdicts) console.log(`  ${verdict}`);
  }

  console.log('\nReference path (plain float64 loops, setLinalgPath("reference")), small sizes:');
  for (const c of cases.slice(0, 2)) {
    const fast = summary(runTimes(() => core.multiHeadAttention(c.x, c.w), 0.5));
    const previous = core.setLinalgPath('reference');
    const reference = summary(runTimes(() => core.multiHeadAttention(c.x, c.w), 0.5));
    core.setLinalgPath(previous);
    console.log(`  ${sizeLabel(c.size).padEnd(18)} reference ${ms(reference.median).padStart(7)} ms  ${gflops(c.size, reference.median).toFixed(1).padStart(4)} GFLOP/s;` +
      `  fast ${ms(fast.median)} ms: ${(reference.median / fast.median).toFixed(1)}× faster`);
  }

  console.log(`\nWhere the time goes (${core.fastKernelName()}): the dense products alone, same shapes and kernels, vs the whole pass:`);
  for (const c of cases) {
    const whole = summary(runTimes(() => core.multiHeadAttention(c.x, c.w), 0.5));
    const products = summary(runTimes(() => productsOnly(core, c), 0.5));
    console.log(`  ${sizeLabel(c.size).padEnd(18)} products ${ms(products.median).padStart(7)} ms  ${gflops(c.size, products.median).toFixed(1).padStart(5)} GFLOP/s` +
      `  = ${((100 * products.median) / whole.median).toFixed(0)}% of the pass (${ms(whole.median)} ms); the rest is softmax, checks, copies`);
  }
}

(process.argv.includes('--serve') ? serve() : main()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
