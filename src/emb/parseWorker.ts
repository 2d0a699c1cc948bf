/**
 * Worker-thread entry (bundled to dist/embParseWorker.js): parses one byte range of a `.emb` file
 * into its region of the shared vector buffer and posts the ChunkResult back.
 * Reading overlaps parsing: the next block is requested from the OS (libuv thread pool) before the
 * current one is parsed.
 */
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { ChunkParser } from './chunkParser';
import { BlockFeeder } from './feed';

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
    const feeder = new BlockFeeder(parser);
    const buffers = [new Uint8Array(job.blockSize), new Uint8Array(job.blockSize)];
    const read = (position: number, buffer: Uint8Array) =>
      position >= job.end ? Promise.resolve(0) : handle.read(buffer, 0, Math.min(buffer.length, job.end - position), position).then((r) => r.bytesRead);
    let position = job.start;
    let which = 0;
    let pending = read(position, buffers[which]!);
    for (;;) {
      const got = await pending;
      if (got === 0) break;
      const current = buffers[which]!;
      position += got;
      which = 1 - which;
      pending = read(position, buffers[which]!);
      feeder.feed(current.subarray(0, got));
      post({ type: 'progress', bytes: got });
    }
    feeder.end();
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
