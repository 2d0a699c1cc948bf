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
import { BlockFeeder, feedRange } from './feed';

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

/** Parses a generated GloVe-like sample (about 1 MB, in 64 KiB blocks) `passes` times; the result is dropped. */
export function warmUp(passes: number): void {
  const dim = 50;
  const lines: string[] = [];
  let seed = 12345;
  for (let row = 0; row < 2000; row++) {
    const values: string[] = [];
    for (let d = 0; d < dim; d++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      values.push(((seed / 2 ** 32) * 2 - 1).toFixed(5));
    }
    lines.push(`w${row} ${values.join(' ')}`);
  }
  const sample = new TextEncoder().encode(`${lines.join('\n')}\n`);
  for (let pass = 0; pass < passes; pass++) {
    const feeder = new BlockFeeder(new ChunkParser({ dim, skipLine: -1, maxProblems: 10 }));
    for (let at = 0; at < sample.length; at += 1 << 16) feeder.feed(sample.subarray(at, at + (1 << 16)));
    feeder.end();
  }
}

if (parentPort) {
  const port = parentPort;
  // A worker started ahead of need (prestarted, idle) warms up thoroughly; one started for a job
  // waiting now only briefly (its job is the best warm-up).
  warmUp((workerData as { warmUpPasses?: number } | undefined)?.warmUpPasses ?? 1);
  port.on('message', (job: ParseJob) => {
    runParseJob(job, (message) => {
      if (message.type !== 'done') return port.postMessage(message);
      // Moved, not copied: the main thread then spends no time copying megabytes of row data.
      const result = message.result;
      const moved = [result.norms, result.lineOfRow, result.tokenColumn, result.tailLength, result.spacedRows].map((array) => array.buffer as ArrayBuffer);
      if (!result.inTarget) moved.push(result.vectors.buffer as ArrayBuffer);
      port.postMessage(message, moved);
    }).catch((error: unknown) => port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) }));
  });
}
