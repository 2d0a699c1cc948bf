/**
 * Worker-thread entry (bundled to dist/embParseWorker.js): each message is a ParseJob — one byte
 * range of a `.emb` file parsed into its region of the shared vector buffer; the ChunkResult is
 * posted back. The worker then waits for the next job (parseWorkerPool.ts keeps it warm).
 * Reading overlaps parsing (feedRange): the next block is requested from the OS (libuv thread
 * pool) before the current one is parsed.
 * On start the worker parses a generated sample first (`workerData.warmUpPasses` times, default
 * once), so V8 has compiled the parser by the time a real file arrives (a cold parser runs its
 * first megabytes in the interpreter).
 */
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { ChunkParser } from './chunkParser';
import { BlockFeeder, feedRange, type BlockSource } from './feed';

export interface ParseJob {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly dim: number;
  readonly skipLine: number;
  readonly maxProblems: number;
  /** The shared rows buffer and this worker's region in it (in floats). */
  readonly shared: SharedArrayBuffer;
  readonly regionStart: number;
  readonly regionLength: number;
  readonly blockSize: number;
}

export type WorkerMessage =
  | { readonly type: 'progress'; readonly bytes: number }
  | { readonly type: 'done'; readonly result: import('./chunkParser').ChunkResult }
  | { readonly type: 'error'; readonly message: string };

export async function runParseJob(job: ParseJob, post: (message: WorkerMessage) => void): Promise<void> {
  const handle = await fs.promises.open(job.file, 'r');
  try {
    const parser = new ChunkParser({
      dim: job.dim,
      skipLine: job.skipLine,
      maxProblems: job.maxProblems,
      target: new Float32Array(job.shared, job.regionStart * 4, job.regionLength),
    });
    await feedRange(handle, new BlockFeeder(parser), {
      start: job.start,
      end: job.end,
      blockSize: job.blockSize,
      afterBlock: (bytes) => post({ type: 'progress', bytes }),
    });
    post({ type: 'done', result: parser.finish() });
  } finally {
    await handle.close();
  }
}

/**
 * Parses a generated GloVe-like sample (about 1 MB) `passes` times the way a job does — feedRange
 * over a byte source in blocks, rows into a shared buffer, finish — and drops the result.
 */
export async function warmUp(passes: number): Promise<void> {
  const dim = 50;
  const rows = 2000;
  const lines: string[] = [];
  let seed = 12345;
  for (let row = 0; row < rows; row++) {
    const values: string[] = [];
    for (let d = 0; d < dim; d++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      values.push(((seed / 2 ** 32) * 2 - 1).toFixed(5));
    }
    lines.push(`w${row} ${values.join(' ')}`);
  }
  const sample = new TextEncoder().encode(`${lines.join('\n')}\n`);
  const source: BlockSource = {
    read: (buffer, offset, length, position) => {
      const bytes = sample.subarray(position, position + length);
      buffer.set(bytes, offset);
      return Promise.resolve({ bytesRead: bytes.length });
    },
  };
  for (let pass = 0; pass < passes; pass++) {
    const parser = new ChunkParser({ dim, skipLine: -1, maxProblems: 10, target: new Float32Array(new SharedArrayBuffer(rows * dim * 4)) });
    await feedRange(source, new BlockFeeder(parser), { start: 0, end: sample.length, blockSize: 1 << 16 });
    parser.finish();
  }
}

if (parentPort) {
  const port = parentPort;
  const post = (message: WorkerMessage) => {
    if (message.type !== 'done') return port.postMessage(message);
    // Moved, not copied: the main thread then spends no time copying megabytes of row data.
    const result = message.result;
    const moved = [result.norms, result.lineOfRow, result.tokenColumn, result.tailLength, result.spacedRows].map((array) => array.buffer as ArrayBuffer);
    if (!result.inTarget) moved.push(result.vectors.buffer as ArrayBuffer);
    port.postMessage(message, moved);
  };
  // A worker started ahead of need (prestarted, idle) warms up thoroughly; one started for a job
  // warms up briefly (its job is the best warm-up). A job that arrives meanwhile waits for it.
  const warm = warmUp((workerData as { warmUpPasses?: number } | undefined)?.warmUpPasses ?? 1).catch(() => undefined);
  port.on('message', (job: ParseJob) => {
    void warm
      .then(() => runParseJob(job, post))
      .catch((error: unknown) => port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) }));
  });
}
