/**
 * Parsing `.emb` bytes that are already in memory (a big document with unsaved edits, a file of a
 * virtual workspace) without holding the extension host thread for more than a slice at a time.
 * The same pieces as src/emb's parseEmbBytes — preamble scan, ChunkParser fed block by block,
 * assemble, then the neighbour index — going back to the event loop whenever a slice's time budget (SLICE_MS, src/emb/slices.ts)
 * is spent: the clock is checked after every small block and every small step of assemble, so no
 * slice runs much past the budget however slow the machine. The result is the ParsedEmb that
 * parseEmbBytes gives for the same bytes. No `vscode` here.
 */
import { ChunkParser } from '../../emb/formats/text/chunkParser';
import { BlockFeeder } from '../../emb/formats/text/feed';
import { prepareNeighborIndex } from '../../emb/neighbors';
import { MAX_PROBLEMS, assemble, type ParsedEmb } from '../../emb/formats/text/parse';
import { scanPreamble } from '../../emb/formats/text/preamble';
import { allocateRows } from '../../emb/rowMemory';
import { Slicer, runSliced } from '../../emb/slices';

/** Bytes parsed between clock checks (well under a millisecond of work). */
const BLOCK_BYTES = 32 * 1024;
/** Progress is reported (and the signal checked) about this often, in bytes. */
const PROGRESS_BYTES = 256 * 1024;

export interface SlicedParseOptions {
  readonly name?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (fraction: number) => void;
}

export async function parseEmbBytesSliced(bytes: Uint8Array, options: SlicedParseOptions = {}): Promise<ParsedEmb> {
  const { signal, onProgress } = options;
  signal?.throwIfAborted();
  const preamble = scanPreamble(bytes, true);
  // Rows go into a buffer sized from the preamble's average line, so the parser does not grow
  // (and copy) its buffer in the middle of a slice.
  const dim = Math.max(1, preamble.dim);
  const rows = preamble.bytesPerEntry > 0 ? Math.ceil(((bytes.length - preamble.start) / preamble.bytesPerEntry) * 1.02) + 64 : 1024;
  const parser = new ChunkParser({ dim: preamble.dim, skipLine: preamble.skipLine, maxProblems: MAX_PROBLEMS, target: allocateRows(rows, dim) });
  const feeder = new BlockFeeder(parser);
  const slicer = new Slicer(signal);
  let sinceProgress = 0;
  for (let at = preamble.start; at < bytes.length; at += BLOCK_BYTES) {
    feeder.feed(bytes.subarray(at, Math.min(bytes.length, at + BLOCK_BYTES)));
    sinceProgress += BLOCK_BYTES;
    if (sinceProgress >= PROGRESS_BYTES) {
      sinceProgress = 0;
      onProgress?.((0.9 * at) / Math.max(1, bytes.length));
      signal?.throwIfAborted();
    }
    const paused = slicer.pause();
    if (paused) await paused;
  }
  feeder.end();
  const parsed = await runSliced(assemble(preamble, [parser.finish()], { name: options.name }), signal, slicer);
  // The neighbour index too, so the first hover does not build it in one step.
  await runSliced(prepareNeighborIndex(parsed.store), signal, slicer);
  onProgress?.(1);
  return parsed;
}
