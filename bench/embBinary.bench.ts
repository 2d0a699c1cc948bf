/**
 * word2vec binary files at GoogleNews scale, ours against gensim, in one run (issue 13, Benchmark).
 *
 * Data: a seeded word2vec binary (gensim's layout: "V D\n", then token, space, D float32 per row)
 * under bench/data/ (gitignored), generated once. Default 300,000 × 300 (360 MB) for quick runs;
 *   EMB_BINARY_ROWS=3000000 npm run bench -- embBinary     the GoogleNews size (3.6 GB; gensim
 *                                                          then takes minutes and ~4 GB of RAM)
 *   EMB_BINARY_DIM=600 EMB_BINARY_ROWS=2000000 EMB_BINARY_PEER=0 …   float data over 4 GiB (ours only)
 * Ours: loadEmbFile (src/emb/loadFile.ts) in this process as the extension host and the
 * Explorer's worker call it, with the binary reader's worker bundled by esbuild as it ships
 * (out/bench/embBinaryWorker.js): detection, the worker's block reads by offset into shared
 * wasm-memory row blocks with the norms, then on this thread the vocabulary in slices and the
 * neighbour scan (floatScan.ts). While it
 * loads, an event-loop delay histogram (perf_hooks.monitorEventLoopDelay, 1 ms resolution) and an
 * RSS sampler run; their max is the longest the thread was held and the peak memory.
 * Queries: nearest(top-10, cosine, excluding the word) for the same 20 words as gensim's
 * most_similar(word, topn=10), after one warm-up each side; median latency; agreement of the words.
 * Peer: bench/peers/gensim_kv.py --binary — KeyedVectors.load_word2vec_format(binary=True), run by
 * /usr/bin/python3 (Debian python3-gensim) after our measurements, in the same run.
 * Targets (issue 13): load ≥ 20× faster than gensim; top-10 query no slower than gensim's; memory
 * with the neighbour index ≤ 1.15× the raw float32 data; the thread never held for more than 50 ms.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildSync } from 'esbuild';
import { uniform01 } from '../src/core/random';
import { BINARY_WORKER_FILE, loadEmbFile } from '../src/emb/loadFile';
import { nearest, neighborIndexOf } from '../src/emb/neighbors';
import { EXPLORER_WORKER_FILE, ExplorerClient } from '../src/host/explorer/client';

const ROOT = path.join(__dirname, '..');
const DATA = path.join(ROOT, 'bench', 'data');
const ROWS = Number(process.env.EMB_BINARY_ROWS ?? 300_000);
const DIM = Number(process.env.EMB_BINARY_DIM ?? 300);
const PEER = process.env.EMB_BINARY_PEER !== '0';
const QUERIES = 20;
const TOP = 10;
const SEED = 13;

const mb = (bytes: number) => bytes / (1 << 20);
const fmt = (value: number, digits = 1) => value.toFixed(digits);
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Clustered rows (64 centres plus noise), so neighbours have structure, as real embeddings do. */
function ensureData(rows: number, dim: number): string {
  fs.mkdirSync(DATA, { recursive: true });
  const file = path.join(DATA, `word2vec-${rows}x${dim}.bin`);
  const expectedRowBytes = (i: number) => `w${i}`.length + 1 + dim * 4;
  if (fs.existsSync(file)) return file;
  const started = performance.now();
  const random = uniform01(SEED);
  const centres = Array.from({ length: 64 }, () => Float32Array.from({ length: dim }, () => random() * 2 - 1));
  const fd = fs.openSync(`${file}.partial`, 'w');
  try {
    fs.writeSync(fd, `${rows} ${dim}\n`);
    const chunk = Buffer.alloc(64 << 20);
    let used = 0;
    const row = new Float32Array(dim);
    const rowBytes = Buffer.from(row.buffer);
    for (let i = 0; i < rows; i++) {
      if (used + expectedRowBytes(i) > chunk.length) {
        fs.writeSync(fd, chunk, 0, used);
        used = 0;
      }
      const centre = centres[i % 64]!;
      for (let d = 0; d < dim; d++) row[d] = centre[d]! + (random() - 0.5) * 1.5;
      used += chunk.write(`w${i} `, used, 'latin1');
      rowBytes.copy(chunk, used);
      used += dim * 4;
    }
    fs.writeSync(fd, chunk, 0, used);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(`${file}.partial`, file);
  console.log(`  generated ${path.basename(file)} (${fmt(mb(fs.statSync(file).size))} MB) in ${fmt((performance.now() - started) / 1000)} s`);
  return file;
}

interface GensimResult {
  readonly load_s: number;
  readonly load_cpu_s: number;
  readonly query_ms: number[];
  readonly neighbors: Record<string, [string, number][]>;
  readonly peak_rss_mb: number;
}

function runGensim(file: string, words: readonly string[]): GensimResult | string {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import gensim'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'gensim not available (/usr/bin/python3 -c "import gensim" failed; apt-get install python3-gensim)';
  const queriesFile = path.join(DATA, 'binary-queries.json');
  fs.writeFileSync(queriesFile, JSON.stringify(words));
  const run = spawnSync('/usr/bin/python3', [path.join(ROOT, 'bench', 'peers', 'gensim_kv.py'), file, queriesFile, String(TOP), '--binary'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (run.status !== 0) return `gensim failed: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  return JSON.parse(run.stdout) as GensimResult;
}

async function main(): Promise<void> {
  const file = ensureData(ROWS, DIM);
  const binaryWorker = path.join(ROOT, 'out', 'bench', BINARY_WORKER_FILE);
  buildSync({ entryPoints: [path.join(ROOT, 'src', 'emb', 'formats', 'binaryWorker.ts')], outfile: binaryWorker, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
  // The Explorer's worker as it ships (dist/explorerWorker.js), beside the binary worker it starts.
  const explorerWorker = path.join(ROOT, 'out', 'bench', EXPLORER_WORKER_FILE);
  buildSync({ entryPoints: [path.join(ROOT, 'src', 'host', 'explorer', 'worker.ts')], outfile: explorerWorker, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
  const bytes = fs.statSync(file).size;
  const raw = ROWS * DIM * 4;
  console.log(`\n${path.basename(file)}: ${ROWS.toLocaleString('en-US')} × ${DIM}, ${fmt(mb(bytes))} MB, ${fmt(mb(raw))} MB as float32${raw > 2 ** 32 ? ' (over 4 GiB)' : ''}`);

  // 1. Load, with the event-loop delay histogram and an RSS sampler running.
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss())), 25);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const parsed = await loadEmbFile(file, { binaryWorker });
  const loadMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const loadCpuMs = (cpu.user + cpu.system) / 1000;
  delay.disable();
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  const { store } = parsed;
  const maxHeldMs = delay.max / 1e6;
  console.log(
    `  ours: load ${fmt(loadMs, 0)} ms (${fmt(mb(bytes) / (loadMs / 1000), 0)} MB/s; process CPU ${fmt(loadCpuMs, 0)} ms), ${store.count.toLocaleString('en-US')} rows, ${parsed.problems.length} problems, ${store.blocks.length} row block(s)`,
  );
  console.log(
    `  ours: event loop held at most ${fmt(maxHeldMs)} ms (p99 ${fmt(delay.percentile(99) / 1e6)} ms, mean ${fmt(delay.mean / 1e6)} ms, ${delay.count} samples; target ≤ 50 ms) ${maxHeldMs <= 50 ? 'OK' : 'MISSED'}`,
  );
  const index = neighborIndexOf(store);
  const held = store.byteLength + (index?.byteLength ?? 0);
  console.log(
    `  ours: store + neighbour index ${fmt(mb(held))} MB = ${fmt(held / raw, 3)}× raw (target ≤ 1.15×) ${held <= 1.15 * raw ? 'OK' : 'MISSED'}; ` +
      `peak RSS ${fmt(mb(rssPeak))} MB (+${fmt(mb(rssPeak - rssBefore))} MB over the start, ${fmt((rssPeak - rssBefore) / raw, 3)}× raw)`,
  );

  // 2. Queries.
  const random = uniform01(SEED + 1);
  const words = Array.from({ length: QUERIES }, () => store.token(Math.floor(random() * store.count)));
  const query = (word: string) => {
    const i = store.indexOf(word);
    return nearest(store, store.vector(i), TOP, 'cosine', new Set([i]));
  };
  query(words[0]!);
  const ours: number[] = [];
  const answers = new Map<string, string[]>();
  for (const word of words) {
    const t = performance.now();
    const found = query(word);
    ours.push(performance.now() - t);
    answers.set(word, found.map((n) => n.token));
  }
  const ourQuery = median(ours);
  console.log(`  ours: top-${TOP} cosine query median ${fmt(ourQuery, 1)} ms (min ${fmt(Math.min(...ours), 1)}, max ${fmt(Math.max(...ours), 1)})`);

  if (!PEER) {
    console.log('  gensim: skipped (EMB_BINARY_PEER=0)');
    await explorerFirstPaint(file, explorerWorker);
    return;
  }
  // 3. gensim on the same file and words, after ours (so the two never hold the data at once).
  const gensim = runGensim(file, words);
  if (typeof gensim === 'string') {
    console.log(`  gensim: ${gensim}`);
    return;
  }
  const theirQuery = median(gensim.query_ms);
  const agree = words.every((w) => JSON.stringify(answers.get(w)) === JSON.stringify(gensim.neighbors[w]?.map(([t]) => t)));
  const sameSets = words.every((w) => {
    const theirs = new Set(gensim.neighbors[w]?.map(([t]) => t));
    return (answers.get(w) ?? []).every((t) => theirs.has(t));
  });
  console.log(`  gensim: load ${fmt(gensim.load_s, 1)} s (CPU ${fmt(gensim.load_cpu_s, 1)} s), query median ${fmt(theirQuery, 1)} ms, peak RSS ${fmt(gensim.peak_rss_mb, 0)} MB`);
  const loadRatio = (gensim.load_s * 1000) / loadMs;
  console.log(
    `  load: ours ${fmt(loadRatio, 1)}× faster than gensim by wall clock (target ≥ 20×) ${loadRatio >= 20 ? 'OK' : 'MISSED'}; ` +
      `${fmt((gensim.load_cpu_s * 1000) / loadCpuMs, 1)}× by process CPU time (moves less when other work shares the cores)`,
  );
  console.log(`  query: ours ${fmt(theirQuery / ourQuery, 2)}× gensim's speed (target ≥ 1×) ${ourQuery <= theirQuery ? 'OK' : 'MISSED'}`);
  await explorerFirstPaint(file, explorerWorker);
  console.log(`  neighbours: ${agree ? 'identical to gensim\'s (same words, same order)' : sameSets ? 'the same words as gensim\'s (order differs within float32 ties)' : 'DIFFER from gensim\'s'}`);
}

/**
 * The Explorer's first paint: from the custom editor's load (ExplorerClient, the host side of
 * document.ts, with its worker bundled as it ships) until the header and the list's first page
 * (the preview) reach the host, against the time until the index is complete.
 */
async function explorerFirstPaint(file: string, workerScript: string): Promise<void> {
  const client = new ExplorerClient(workerScript, (message) => console.log(`  explorer: ${message}`));
  try {
    const t0 = performance.now();
    let previewMs: number | undefined;
    let previewTokens = 0;
    await client.load(file, path.basename(file), () => {}, (preview) => {
      previewMs ??= performance.now() - t0;
      previewTokens = preview.tokens.length;
    });
    const indexedMs = performance.now() - t0;
    console.log(
      `  explorer: first paint (header + first ${previewTokens} tokens at the host) ${previewMs === undefined ? 'never (no preview)' : `${fmt(previewMs, 0)} ms`}, ` +
        `indexed ${fmt(indexedMs, 0)} ms (target: first paint < 1000 ms, before the index) ${previewMs !== undefined && previewMs < 1000 && previewMs < indexedMs ? 'OK' : 'MISSED'}`,
    );
  } finally {
    client.dispose();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
