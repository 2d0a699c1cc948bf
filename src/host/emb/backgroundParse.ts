/**
 * Parsing `.emb` bytes that are already in memory (a big document with unsaved edits, a file of a
 * virtual workspace) without holding the extension host thread for more than a slice at a time.
 * The same pieces as src/emb's parseEmbBytes — preamble scan, ChunkParser fed block by block,
 * assemble — with a yield to the event loop between blocks and between assemble's slices, so the
 * result is the ParsedEmb that parseEmbBytes gives for the same bytes. No `vscode` here.
 */
import { ChunkParser } from '../../emb/chunkParser';
import { BlockFeeder } from '../../emb/feed';
import { MAX_PROBLEMS, assemble, type ParsedEmb } from '../../emb/parse';
import { scanPreamble } from '../../emb/preamble';

/** Bytes parsed between yields (about 5–15 ms of work on the machines we target). */
const BLOCK_BYTES = 256 * 1024;
/** assemble() is stepped for at most this long before yielding. */
const SLICE_MS = 12;

export interface SlicedParseOptions {
  readonly name?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (fraction: number) => void;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function parseEmbBytesSliced(bytes: Uint8Array, options: SlicedParseOptions = {}): Promise<ParsedEmb> {
  const { signal, onProgress } = options;
  signal?.throwIfAborted();
  const preamble = scanPreamble(bytes, true);
  // Rows go into a buffer sized from the preamble's average line, so the parser does not grow
  // (and copy) its buffer in the middle of a slice.
  const dim = Math.max(1, preamble.dim);
  const rows = preamble.bytesPerEntry > 0 ? Math.ceil(((bytes.length - preamble.start) / preamble.bytesPerEntry) * 1.02) + 64 : 1024;
  const parser = new ChunkParser({ dim: preamble.dim, skipLine: preamble.skipLine, maxProblems: MAX_PROBLEMS, target: new Float32Array(rows * dim) });
  const feeder = new BlockFeeder(parser);
  for (let at = preamble.start; at < bytes.length; at += BLOCK_BYTES) {
    feeder.feed(bytes.subarray(at, Math.min(bytes.length, at + BLOCK_BYTES)));
    onProgress?.((0.9 * at) / Math.max(1, bytes.length));
    await yieldToEventLoop();
    signal?.throwIfAborted();
  }
  feeder.end();
  const work = assemble(preamble, [parser.finish()], { name: options.name });
  let sliceStart = performance.now();
  for (;;) {
    const step = work.next();
    if (step.done) {
      onProgress?.(1);
      return step.value;
    }
    if (performance.now() - sliceStart > SLICE_MS) {
      await yieldToEventLoop();
      signal?.throwIfAborted();
      sliceStart = performance.now();
    }
  }
}
