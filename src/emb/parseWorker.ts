/**
 * Worker-thread entry (bundled to dist/embParseWorker.js): parses one byte range of a `.emb` file
 * into its region of the shared vector buffer and posts the ChunkResult back.
 * Reading overlaps parsing (feedRange): the next block is requested from the OS (libuv thread
 * pool) before the current one is parsed.
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

if (parentPort) {
  const port = parentPort;
  runParseJob(workerData as ParseJob, (message) => {
    if (message.type === 'done' && !message.result.inTarget) port.postMessage(message, [message.result.vectors.buffer as ArrayBuffer]);
    else port.postMessage(message);
  }).catch((error: unknown) => port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) }));
}
