/**
 * Multi-head self-attention forward pass, ours against PyTorch, in one run (issue 2, Benchmark).
 *
 * Ours: multiHeadAttention(x, randomMultiHeadWeights(E, h, seed)) from src/core, the same code the
 * extension and CLI run (linalg's 'auto' path: WebAssembly SIMD for all but tiny products).
 * Peer: bench/peers/torch_mha.py, torch.nn.MultiheadAttention(E, h) with torch.set_num_threads(1),
 * need_weights=True, average_attn_weights=False, under no_grad, run by /usr/bin/python3 (Debian's
 * python3-torch; skipped with a note when it is missing).
 * Both sides: warm-up (≥ 3 runs and ≥ 0.2 s), then ≥ 5 timed runs over ≥ 1 s; median and best.
 * GFLOP/s counts the dense products only — see bench/README.md: F = 8·n·E² + 4·n²·E.
 * Also printed: the reference path (plain float64 loops) at the two small sizes, and the
 * products alone (the linalg calls of one forward pass), to show where the rest of the time goes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import type { Matrix, MultiHeadWeights } from '../src/core';

type Core = typeof import('../src/core');
const ROOT = path.join(__dirname, '..');

/**
 * The core as it ships: one esbuild bundle, like dist/extension.js and dist/cli.js. (Run straight
 * through tsx, every cross-file call goes through a CommonJS export getter, which costs the
 * per-element helpers of softmax and scoring about 10% of the forward pass.)
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

type Size = readonly [n: number, embedDim: number, heads: number];
const SIZES: readonly Size[] = [[16, 100, 4], [128, 300, 6], [512, 768, 12]];
/** Issue 2's targets: ours / PyTorch at most this, by n. */
const TARGET = (n: number): number => (n >= 512 ? 3 : 10);
const MIN_SECONDS = 1;
const SEED = 2;

interface Timing {
  readonly medianMs: number;
  readonly bestMs: number;
  readonly runs: number;
}

/** Warm-up, then timed runs; the same schedule as the Python peer. */
function time(run: () => void, minSeconds = MIN_SECONDS): Timing {
  let start = performance.now();
  for (let warm = 0; warm < 3 || performance.now() - start < 200; warm++) run();
  const times: number[] = [];
  start = performance.now();
  while (times.length < 5 || (performance.now() - start < minSeconds * 1e3 && times.length < 200)) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const medianMs = times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
  return { medianMs, bestMs: times[0]!, runs: times.length };
}

/** Dense-product FLOPs of one forward pass (multiply and add counted separately). */
function flops([n, e]: Size): number {
  return 8 * n * e * e + 4 * n * n * e;
}

const gflops = (size: Size, ms: number): number => flops(size) / (ms * 1e6);

function randomInput({ matrix, uniform01 }: Core, n: number, e: number, seed: number): Matrix {
  const random = uniform01(seed);
  return matrix(n, e, Float32Array.from({ length: n * e }, () => 2 * random() - 1));
}

/** The products of one forward pass, without the softmax, checks and copies around them. */
function productsOnly({ linear, matmul, matmulTransposeB, matrix }: Core, x: Matrix, w: MultiHeadWeights): void {
  const n = x.rows, dK = w.embedDim / w.numHeads;
  const q = linear(x, w.wq, w.bq), k = linear(x, w.wk, w.bk), v = linear(x, w.wv, w.bv);
  const qh = matrix(n, dK, q.data.subarray(0, n * dK)), kh = matrix(n, dK, k.data.subarray(0, n * dK));
  const vh = matrix(n, dK, v.data.subarray(0, n * dK));
  for (let i = 0; i < w.numHeads; i++) matmul(matmulTransposeB(qh, kh), vh);
  linear(x, w.wo, w.bo);
}

interface PeerResult {
  readonly n: number;
  readonly E: number;
  readonly h: number;
  readonly median_ms: number;
  readonly best_ms: number;
  readonly runs: number;
}
interface Peer {
  readonly torch: string;
  readonly threads: number;
  readonly blas: string;
  readonly results: readonly PeerResult[];
}

const PYTHON = '/usr/bin/python3';

function runPeer(): Peer | string {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'torch is not importable by /usr/bin/python3 (apt-get install -y python3-torch)';
  const script = path.join(__dirname, 'peers', 'torch_mha.py');
  const threads = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const run = spawnSync(PYTHON, [script, JSON.stringify({ sizes: SIZES, min_seconds: MIN_SECONDS })], {
    encoding: 'utf8', env: { ...process.env, ...threads }, maxBuffer: 1 << 20,
  });
  if (run.status !== 0) return `torch_mha.py failed: ${run.stderr.trim().split('\n').slice(-1)[0] ?? `exit ${run.status}`}`;
  return JSON.parse(run.stdout) as Peer;
}

const fmtMs = (ms: number): string => (ms < 1 ? ms.toFixed(3) : ms < 100 ? ms.toFixed(2) : ms.toFixed(1)).padStart(7);
const fmtRate = (g: number): string => g.toFixed(1).padStart(5);
const label = ([n, e, h]: Size): string => `n=${n} E=${e} h=${h}`.padEnd(20);

async function main(): Promise<void> {
  const core = await loadBundledCore();
  const { multiHeadAttention, randomMultiHeadWeights, setLinalgPath } = core;
  console.log('Multi-head self-attention forward, single thread. Times: median (best) of ≥ 5 runs after warm-up.');
  console.log('GFLOP/s counts the dense products, 8·n·E² + 4·n²·E (bench/README.md). Shared cores make timings noisy.\n');

  const peer = runPeer();
  if (typeof peer === 'string') console.log(`PyTorch: skipped — ${peer}\n`);
  else {
    console.log(`PyTorch ${peer.torch}, ${peer.threads} thread; BLAS loaded: ${peer.blas}`);
    if (!/openblas|mkl|blis/i.test(peer.blas)) {
      console.log('  note: torch runs on the reference BLAS here; install libopenblas0-pthread for a meaningful peer.');
    }
    console.log('');
  }

  const header = `${'size'.padEnd(20)}  ${'ours ms'.padStart(7)} (  best)  GFLOP/s   ${'torch ms'.padStart(8)} (  best)  GFLOP/s   ours/torch  target`;
  console.log(header);
  const rows: string[] = [];
  const inputs = SIZES.map((size, i) => ({ size, x: randomInput(core, size[0], size[1], SEED + i), w: randomMultiHeadWeights(size[1], size[2], SEED + i) }));
  const ours = new Map<Size, Timing>();
  for (const { size, x, w } of inputs) {
    const t = time(() => multiHeadAttention(x, w));
    ours.set(size, t);
    const torch = typeof peer === 'string' ? undefined : peer.results.find((r) => r.n === size[0] && r.E === size[1] && r.h === size[2]);
    let line = `${label(size)}  ${fmtMs(t.medianMs)} (${fmtMs(t.bestMs).trim().padStart(6)})  ${fmtRate(gflops(size, t.medianMs))}    `;
    if (torch) {
      const ratio = t.medianMs / torch.median_ms, bestRatio = t.bestMs / torch.best_ms;
      const ok = ratio <= TARGET(size[0]) ? 'met' : bestRatio <= TARGET(size[0]) ? 'met at best' : 'MISSED';
      line += `${fmtMs(torch.median_ms)} (${fmtMs(torch.best_ms).trim().padStart(6)})  ${fmtRate(gflops(size, torch.median_ms))}   `;
      line += `${ratio.toFixed(2).padStart(6)}× (${bestRatio.toFixed(2)}×)  ≤ ${TARGET(size[0])}× ${ok}`;
    } else line += '      —';
    console.log(line);
    rows.push(line);
  }

  console.log('\nReference path (plain float64 loops, setLinalgPath("reference")), small sizes:');
  for (const { size, x, w } of inputs.slice(0, 2)) {
    const previous = setLinalgPath('reference');
    const t = time(() => multiHeadAttention(x, w), 0.5);
    setLinalgPath(previous);
    const fast = ours.get(size)!;
    console.log(`${label(size)}  ${fmtMs(t.medianMs)} ms  ${fmtRate(gflops(size, t.medianMs))} GFLOP/s   fast path is ${(t.medianMs / fast.medianMs).toFixed(1)}× faster`);
  }

  console.log('\nWhere the time goes: the dense products alone (same shapes, same kernels) vs the whole forward pass:');
  for (const { size, x, w } of inputs) {
    const t = time(() => productsOnly(core, x, w), 0.5);
    const whole = ours.get(size)!;
    const share = (100 * t.medianMs) / whole.medianMs;
    console.log(`${label(size)}  products ${fmtMs(t.medianMs)} ms  ${fmtRate(gflops(size, t.medianMs))} GFLOP/s   = ${share.toFixed(0).padStart(3)}% of the forward pass`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
