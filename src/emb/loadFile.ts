/**
 * Loading an embedding file of any format from disk: the entry point the CLI, the host (Use
 * Embeddings File, Compare Words, Nearest, Show Attention, hovers) and the Embedding Explorer use.
 *
 * Contract: `loadEmbFile(path, options)` detects the format from the file's first bytes
 * (formats/detect.ts) unless `options.format` names one, and resolves to a ParsedEmb from the
 * format's reader:
 *   - text (.emb, GloVe, word2vec text, .vec): formats/text/loadText.ts (worker threads for big
 *     files, problems by line and column);
 *   - word2vec binary: formats/word2vec/read.ts; fastText .bin: formats/fasttext/read.ts — from
 *     16 MiB in the binary worker (formats/binaryWorker.ts: word2vec's fast path with a helper
 *     thread, the vocabulary's table and the compaction there too, so this thread only decodes
 *     the token text, and `onPreview` gets the header and first tokens early); smaller files by
 *     offset in blocks on this thread, in time-budgeted slices (slices.ts); problems by byte offset.
 * Every path rejects with the signal's reason when aborted, reports progress in [0, 1], and
 * prepares the neighbour scan before resolving. `parseEmbFileBytes` is the same dispatch over
 * bytes in memory (synchronous: tests, fuzzing).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { prepareNeighborIndex } from './neighbors';
import { runSliced } from './slices';
import type { EmbFormat, ParsedEmb } from './types';
import { DETECT_BYTES, detectFormat } from './formats/detect';
import { Worker } from 'node:worker_threads';
import { readBytes, readBytesSliced, readFileSliced, type BinaryReader, type ByteWindow } from './formats/byteWindow';
import { BinaryProblems, failed, finishAssembled } from './formats/binaryRows';
import { rowsFromMessage } from './formats/binaryTransfer';
import type { BinaryJob, BinaryPreview, BinaryWorkerMessage } from './formats/binaryWorker';
import { sharedRowsSupported } from './rowMemory';
import { bundledWorkerExecArgv } from './workerArgs';
import { readFastTextBin } from './formats/fasttext/read';
import { loadTextFile, type LoadOptions as TextLoadOptions } from './formats/text/loadText';
import { parseEmbBytes } from './formats/text/parse';
import { readWord2vecBinary } from './formats/word2vec/read';

export {
  DEFAULT_PARALLEL_MIN,
  WARM_MIN_BYTES,
  WORKER_FILE,
  defaultWorkerScript,
  lessonSamplePath,
  loadStrategy,
  type LoadStrategy,
} from './formats/text/loadText';
export { detectFormat, parseFormatSetting, type Detection } from './formats/detect';

export interface LoadOptions extends TextLoadOptions {
  /** The format, or 'auto' (default) to detect it from the content. */
  readonly format?: EmbFormat | 'auto';
  /**
   * The binary readers' worker script (a path), or false to read binary files on this thread.
   * Default: dist/embBinaryWorker.js beside this bundle, for files of BINARY_WORKER_MIN_BYTES or
   * more; this thread when it does not exist (under tsx) or shared memory is unavailable.
   */
  readonly binaryWorker?: string | false;
  /** Binary files read in the worker: the header and the first tokens, as soon as they are read. */
  readonly onPreview?: (preview: BinaryPreview) => void;
}

export const BINARY_WORKER_FILE = 'embBinaryWorker.js';
/** From this size a binary file is read in a worker thread (below it, starting one costs more than it saves). */
export const BINARY_WORKER_MIN_BYTES = 16 << 20;

/** The format of a file on disk, from its first DETECT_BYTES. */
export async function detectFileFormat(file: string): Promise<EmbFormat> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const head = new Uint8Array(DETECT_BYTES);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return detectFormat(head.subarray(0, bytesRead)).format;
  } finally {
    await handle.close();
  }
}

export async function loadEmbFile(file: string, options: LoadOptions = {}): Promise<ParsedEmb> {
  options.signal?.throwIfAborted();
  const format = options.format === undefined || options.format === 'auto' ? await detectFileFormat(file) : options.format;
  if (format === 'text') return loadTextFile(file, options);
  const name = path.basename(file);
  const size = (await fs.promises.stat(file)).size;
  const script = options.binaryWorker === false ? undefined : (options.binaryWorker ?? defaultBinaryWorker());
  if (script && size >= (options.binaryWorker ? 0 : BINARY_WORKER_MIN_BYTES) && sharedRowsSupported()) {
    const parsed = await loadBinaryInWorker(file, format, name, script, options);
    if (options.prepareNeighbors ?? true) await runSliced(prepareNeighborIndex(parsed.store), options.signal);
    options.onProgress?.(1);
    return parsed;
  }
  const handle = await fs.promises.open(file, 'r');
  let parsed: ParsedEmb;
  try {
    const size = (await handle.stat()).size;
    const progress = options.onProgress;
    parsed = await readFileSliced(handle, size, binaryReader(format, name), {
      signal: options.signal,
      blockSize: options.blockSize,
      onProgress: progress ? (fraction) => progress(0.95 * fraction) : undefined,
    });
  } finally {
    await handle.close();
  }
  if (options.prepareNeighbors ?? true) await runSliced(prepareNeighborIndex(parsed.store), options.signal);
  options.onProgress?.(1);
  return parsed;
}

function defaultBinaryWorker(): string | undefined {
  const candidate = path.join(__dirname, BINARY_WORKER_FILE);
  return fs.existsSync(candidate) ? candidate : undefined;
}

/**
 * Reads a binary file in a worker thread (formats/binaryWorker.ts): the rows come back in shared
 * memory, and this thread builds the vocabulary and the store in slices. The worker is
 * terminated when the signal aborts.
 */
async function loadBinaryInWorker(file: string, format: 'word2vec' | 'fasttext', name: string, script: string, options: LoadOptions): Promise<ParsedEmb> {
  const signal = options.signal;
  const worker = new Worker(script, { execArgv: bundledWorkerExecArgv() });
  const onAbort = () => void worker.terminate();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const message = await new Promise<BinaryWorkerMessage>((resolve, reject) => {
      worker.on('message', (m: BinaryWorkerMessage) => {
        if (m.type === 'progress') options.onProgress?.(0.9 * m.fraction);
        else if (m.type === 'preview') options.onPreview?.(m.preview);
        else resolve(m);
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(signal?.aborted ? signal.reason : new Error(`the binary reader's worker for ${name} stopped (exit ${code})`)));
      worker.postMessage({ file, format, blockSize: options.blockSize } satisfies BinaryJob);
    });
    signal?.throwIfAborted();
    if (message.type === 'error') throw new Error(`reading ${name} in a worker failed: ${message.message}`);
    if (message.type === 'failed') {
      const problems = new BinaryProblems();
      problems.list.push(...message.problems);
      problems.omitted = message.problemsOmitted;
      return failed(name, format === 'word2vec' ? 'word2vec-binary' : 'fasttext-bin', format, problems);
    }
    if (message.type !== 'rows') throw new Error(`unexpected message from the binary reader's worker: ${message.type}`);
    const rows = rowsFromMessage(message.rows);
    return await readBytesSliced(new Uint8Array(0), () => finishAssembled(rows), signal);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    void worker.terminate();
  }
}

/** The same dispatch over a whole file's bytes, synchronously. */
export function parseEmbFileBytes(bytes: Uint8Array, options: { readonly name?: string; readonly format?: EmbFormat | 'auto' } = {}): ParsedEmb {
  const format = options.format === undefined || options.format === 'auto' ? detectFormat(bytes.subarray(0, DETECT_BYTES)).format : options.format;
  if (format === 'text') return parseEmbBytes(bytes, { name: options.name });
  return readBytes(bytes, binaryReader(format, options.name ?? 'embeddings'));
}

/** A binary file's bytes already in memory (a virtual workspace), parsed in time-budgeted slices. */
export async function parseEmbFileBytesSliced(
  bytes: Uint8Array,
  options: { readonly name?: string; readonly format: 'word2vec' | 'fasttext'; readonly signal?: AbortSignal; readonly onProgress?: (fraction: number) => void },
): Promise<ParsedEmb> {
  const parsed = await readBytesSliced(bytes, binaryReader(options.format, options.name ?? 'embeddings'), options.signal);
  await runSliced(prepareNeighborIndex(parsed.store), options.signal);
  options.onProgress?.(1);
  return parsed;
}

function binaryReader(format: 'word2vec' | 'fasttext', name: string): (window: ByteWindow) => BinaryReader<ParsedEmb> {
  return format === 'word2vec' ? (w) => readWord2vecBinary(w, { name }) : (w) => readFastTextBin(w, { name });
}
