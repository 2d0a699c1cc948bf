/**
 * Loading a text embedding file from disk, at any size, without blocking the caller's thread for long.
 *
 * Contract: `loadTextFile(path, { signal, onProgress })` resolves to the same ParsedEmb that
 * parseEmbBytes gives for the file's bytes (tested), rejects with the signal's reason when aborted
 * (workers are terminated, the file is closed), and reports progress as a fraction in [0, 1].
 * Paths (loadStrategy):
 *   - files of 48 MiB or more, and files of 4 MiB or more when warm parse workers are waiting
 *     (parseWorkerPool.ts), with the worker bundle present (dist/embParseWorker.js next to this
 *     bundle): the byte range is split at line boundaries into one part per worker (2), each
 *     worker reads its part (prefetching the next block while parsing) and writes rows into its
 *     region of one SharedArrayBuffer; the main thread then assembles in short slices; the
 *     workers go back to the pool;
 *   - otherwise, in this thread: 256 KiB blocks, the next read in flight while one is parsed,
 *     each parsed in 32 KiB pieces with the clock checked between them; with `keepWorkersWarm`
 *     the workers are started afterwards for the next load.
 * Either way the main thread works in time-budgeted slices (SLICE_MS, slices.ts: pause when the
 * budget is spent, not after a fixed amount of work), then prepares the neighbour index (also
 * sliced) so the first hover does not pay for it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ChunkParser, type ChunkResult } from './chunkParser';
import { BlockFeeder, feedRange } from './feed';
import { prepareNeighborIndex } from '../../neighbors';
import { MAX_PROBLEMS, assemble, type ParsedEmb } from './parse';
import type { ParseJob, WorkerMessage } from './parseWorker';
import { PREAMBLE_BYTES, estimateRows, scanPreamble, type Preamble } from './preamble';
import { idleParseWorkers, parseWorkerPool, type WorkerScript } from './parseWorkerPool';
import { allocateRows } from '../../rowMemory';
import { Slicer, runSliced } from '../../slices';

export interface LoadOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (fraction: number) => void;
  /**
   * Where the worker script is: a path, or false to parse in this thread. Default: the bundled
   * dist/embParseWorker.js beside this file; in-thread when it does not exist (e.g. under tsx).
   */
  readonly worker?: string | false | WorkerScript;
  /** Number of workers (default 2: the machines we target have two cores or more). */
  readonly workers?: number;
  /** Files from this size always parse in workers (default DEFAULT_PARALLEL_MIN, 48 MiB). */
  readonly parallelMinBytes?: number;
  /**
   * Keep parse workers warm for the next load (default false): after a file of WARM_MIN_BYTES or
   * more parsed in this thread, start the workers so that the next load (the same file re-indexed
   * after a save, say) finds them ready. Files of WARM_MIN_BYTES or more use warm workers when
   * there are any. The extension host sets this; a one-shot CLI run has no next load.
   */
  readonly keepWorkersWarm?: boolean;
  /** Block size of reads (default 256 KiB in-thread, 4 MiB in workers). */
  readonly blockSize?: number;
  /** Build the neighbour index ahead of the first query (default true). */
  readonly prepareNeighbors?: boolean;
}

export const WORKER_FILE = 'embParseWorker.js';
/**
 * Below this size a file parses in this thread: starting two workers (a Node isolate each, with a
 * cold JIT) costs more than splitting the work saves on files of tens of megabytes.
 */
export const DEFAULT_PARALLEL_MIN = 48 << 20;
/** From this size a file uses parse workers that are already warm (parseWorkerPool.ts). */
export const WARM_MIN_BYTES = 4 << 20;

export type LoadStrategy = 'workers' | 'in-thread';

/** Where a file of `size` bytes would be parsed with these options right now. */
export function loadStrategy(size: number, options: LoadOptions = {}): LoadStrategy {
  return strategyFor(size, options, resolveWorker(options.worker));
}

function strategyFor(size: number, options: LoadOptions, worker: WorkerScript | undefined): LoadStrategy {
  if (!worker) return 'in-thread';
  if (size >= (options.parallelMinBytes ?? DEFAULT_PARALLEL_MIN)) return 'workers';
  const workers = workerCount(options);
  return size >= WARM_MIN_BYTES && idleParseWorkers(worker) >= workers ? 'workers' : 'in-thread';
}

function workerCount(options: LoadOptions): number {
  return Math.max(1, Math.floor(options.workers ?? 2));
}
/** In-thread parsing checks the clock after each piece of this many bytes (well under a millisecond). */
const PIECE_BYTES = 32 << 10;

/** The bundled worker script, if it exists next to this bundle (dist/). */
export function defaultWorkerScript(): string | undefined {
  const candidate = path.join(__dirname, WORKER_FILE);
  return fs.existsSync(candidate) ? candidate : undefined;
}

/** The bundled lesson set: `<root>/samples/lesson.emb` (root = the extension folder). */
export function lessonSamplePath(root: string): string {
  return path.join(root, 'samples', 'lesson.emb');
}

/** Loads a text embedding file (.emb, GloVe, word2vec text, .vec); see the file comment. */
export async function loadTextFile(file: string, options: LoadOptions = {}): Promise<ParsedEmb> {
  const signal = options.signal;
  signal?.throwIfAborted();
  const name = path.basename(file);
  const handle = await fs.promises.open(file, 'r');
  let preamble: Preamble;
  let size: number;
  try {
    size = (await handle.stat()).size;
    const head = new Uint8Array(Math.min(size, PREAMBLE_BYTES));
    await readFully(handle, head, 0);
    preamble = scanPreamble(head, head.length === size);
  } finally {
    await handle.close();
  }
  signal?.throwIfAborted();
  const progress = makeProgress(options.onProgress);

  const workerChoice = resolveWorker(options.worker);
  const workers = workerCount(options);
  let chunks: ChunkResult[];
  let shared: Float32Array | undefined;
  if (workerChoice && strategyFor(size, options, workerChoice) === 'workers' && preamble.dim > 0) {
    try {
      ({ chunks, shared } = await parseInWorkers(file, size, preamble, workerChoice, workers, options.blockSize ?? 4 << 20, signal, progress));
    } catch (error) {
      if (signal?.aborted) throw error;
      // A worker that cannot start or dies (a broken install, no threads): the same parse, here.
      chunks = [await parseInThread(file, size, preamble, options.blockSize ?? 1 << 18, signal, progress)];
      shared = undefined;
    }
  } else {
    chunks = [await parseInThread(file, size, preamble, options.blockSize ?? 1 << 18, signal, progress)];
    if (workerChoice && options.keepWorkersWarm && size >= WARM_MIN_BYTES) parseWorkerPool(workerChoice).prestart(workers);
  }
  const parsed = await runSliced(assemble(preamble, chunks, { name }, shared), signal);
  progress(0.97);
  if (options.prepareNeighbors ?? true) await runSliced(prepareNeighborIndex(parsed.store), signal);
  progress(1);
  return parsed;
}

function resolveWorker(choice: LoadOptions['worker']): WorkerScript | undefined {
  if (choice === false) return undefined;
  if (typeof choice === 'string') return { script: choice };
  if (choice) return choice;
  const script = defaultWorkerScript();
  return script ? { script } : undefined;
}

function makeProgress(onProgress: ((fraction: number) => void) | undefined): (fraction: number) => void {
  let last = -1;
  return (fraction) => {
    const clamped = Math.max(0, Math.min(1, fraction));
    // Report whole percents only: a 1 GB file has thousands of blocks.
    if (onProgress && (Math.floor(clamped * 100) !== Math.floor(last * 100) || clamped === 1)) {
      last = clamped;
      onProgress(clamped);
    }
  };
}

async function readFully(handle: fs.promises.FileHandle, buffer: Uint8Array, position: number): Promise<number> {
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

async function parseInThread(
  file: string,
  size: number,
  preamble: Preamble,
  blockSize: number,
  signal: AbortSignal | undefined,
  progress: (fraction: number) => void,
): Promise<ChunkResult> {
  const dim = Math.max(1, preamble.dim);
  const parser = new ChunkParser({
    dim: preamble.dim,
    skipLine: preamble.skipLine,
    maxProblems: MAX_PROBLEMS,
    target: size > PREAMBLE_BYTES ? allocateRows(estimateRows(size - preamble.start, preamble), dim) : undefined,
  });
  const handle = await fs.promises.open(file, 'r');
  const slicer = new Slicer(signal);
  try {
    await feedRange(handle, new BlockFeeder(parser), {
      start: preamble.start,
      end: size,
      blockSize,
      signal,
      pieceSize: PIECE_BYTES,
      afterPiece: () => slicer.pause(),
      afterBlock: (_bytes, position) => {
        progress((0.9 * position) / Math.max(1, size));
        return slicer.pause();
      },
    });
  } finally {
    await handle.close();
  }
  return parser.finish();
}

/** Byte offsets where the body splits into `parts` ranges, each just after a \n. */
async function splitPoints(file: string, start: number, size: number, parts: number): Promise<number[]> {
  const points = [start];
  const handle = await fs.promises.open(file, 'r');
  try {
    const window = new Uint8Array(1 << 16);
    for (let p = 1; p < parts; p++) {
      let at = Math.max(points[points.length - 1]!, Math.floor(start + ((size - start) * p) / parts));
      let found = -1;
      while (found < 0 && at < size) {
        const got = await readFully(handle, window, at);
        if (got === 0) break;
        const nl = window.subarray(0, got).indexOf(0x0a);
        if (nl >= 0) found = at + nl + 1;
        else at += got;
      }
      if (found < 0 || found >= size) break;
      points.push(found);
    }
  } finally {
    await handle.close();
  }
  points.push(size);
  return points;
}

async function parseInWorkers(
  file: string,
  size: number,
  preamble: Preamble,
  worker: WorkerScript,
  workers: number,
  blockSize: number,
  signal: AbortSignal | undefined,
  progress: (fraction: number) => void,
): Promise<{ chunks: ChunkResult[]; shared: Float32Array }> {
  const points = await splitPoints(file, preamble.start, size, workers);
  const dim = preamble.dim;
  const regions = points.slice(0, -1).map((start, i) => ({ start, end: points[i + 1]!, rows: estimateRows(points[i + 1]! - start, preamble) }));
  const totalRows = regions.reduce((n, r) => n + r.rows, 0);
  // The rows' buffer is a shared wasm memory when it fits one (≤ 2 GiB): the workers write into
  // it, and the neighbour scan reads it in place afterwards (no copy into the store's blocks).
  const sharedRows = allocateRows(totalRows, dim, { shared: true });
  const sharedBuffer = sharedRows.buffer instanceof SharedArrayBuffer ? sharedRows.buffer : new SharedArrayBuffer(totalRows * dim * 4);
  let regionStart = 0;
  let parsedBytes = 0;
  const pool = parseWorkerPool(worker);
  const running = new Set<Worker>();
  const stopAll = () => {
    for (const w of running) pool.discard(w);
    running.clear();
  };
  const onAbort = () => stopAll();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const results = await Promise.all(
      regions.map((region, i) => {
        const job: ParseJob = {
          file,
          start: region.start,
          end: region.end,
          dim,
          skipLine: i === 0 ? preamble.skipLine : -1,
          maxProblems: MAX_PROBLEMS,
          shared: sharedBuffer,
          regionStart,
          regionLength: region.rows * dim,
          blockSize,
        };
        regionStart += region.rows * dim;
        return new Promise<ChunkResult>((resolve, reject) => {
          const w = pool.acquire();
          running.add(w);
          const finish = (outcome: 'release' | 'discard') => {
            w.off('message', onMessage);
            w.off('error', onError);
            w.off('exit', onExit);
            if (!running.delete(w)) return;
            if (outcome === 'release') pool.release(w);
            else pool.discard(w);
          };
          const onMessage = (message: WorkerMessage) => {
            if (message.type === 'progress') {
              parsedBytes += message.bytes;
              progress((0.9 * parsedBytes) / Math.max(1, size));
            } else if (message.type === 'done') {
              finish('release');
              resolve(message.result);
            } else {
              finish('discard');
              reject(new Error(`parsing ${path.basename(file)} in a worker failed: ${message.message}`));
            }
          };
          const onError = (error: Error) => {
            finish('discard');
            reject(error);
          };
          const onExit = () => {
            finish('discard');
            if (signal?.aborted) reject(signal.reason);
            else reject(new Error(`the parse worker for ${path.basename(file)} stopped unexpectedly`));
          };
          w.on('message', onMessage);
          w.on('error', onError);
          w.on('exit', onExit);
          w.postMessage(job);
        });
      }),
    );
    signal?.throwIfAborted();
    return { chunks: results, shared: sharedRows.buffer === sharedBuffer ? sharedRows : new Float32Array(sharedBuffer) };
  } catch (error) {
    stopAll();
    if (signal?.aborted) throw signal.reason;
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
