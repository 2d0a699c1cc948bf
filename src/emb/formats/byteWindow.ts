/**
 * A moving window over a binary file, for the readers of formats/word2vec and formats/fasttext.
 *
 * Contract: a reader is a generator over a ByteWindow. It consumes bytes [window.at, window.end)
 * of `window.bytes` (file offset of bytes[0] = window.base) and yields
 *   - NEED_BYTES when it needs more than is there (the driver keeps the unread bytes, reads the
 *     next block after them, and sets `eof` when the file has no more), and
 *   - PAUSE after a small unit of work (a few thousand rows at most), so a time-budgeted driver
 *     can go back to the event loop (slices.ts).
 * After a yield the reader must re-read `window.bytes`: the driver may have moved or replaced it.
 * Two drivers: `readFileSliced` (fs.read by offset into one reused buffer, never the whole file,
 * with the calling thread held for at most one slice at a time) and `readBytes` (all the bytes at
 * once, synchronously: tests, fuzzing, small inputs).
 */
import type * as fs from 'node:fs';
import { Slicer } from '../slices';

export const NEED_BYTES = 0;
export const PAUSE = 1;
export type ReadStep = typeof NEED_BYTES | typeof PAUSE;

export interface ByteWindow {
  bytes: Uint8Array;
  /** First unread byte. */
  at: number;
  /** One past the last valid byte. */
  end: number;
  /** File offset of bytes[0]. */
  base: number;
  /** True once the bytes up to `end` are all the file has. */
  eof: boolean;
  /** The file's size in bytes. */
  readonly size: number;
}

export type BinaryReader<T> = Generator<ReadStep, T>;

/** Runs a reader over bytes already in memory. */
export function readBytes<T>(bytes: Uint8Array, reader: (window: ByteWindow) => BinaryReader<T>): T {
  const window: ByteWindow = { bytes, at: 0, end: bytes.length, base: 0, eof: true, size: bytes.length };
  const steps = reader(window);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Runs a reader over bytes already in memory, going back to the event loop whenever a slice's time is spent. */
export async function readBytesSliced<T>(bytes: Uint8Array, reader: (window: ByteWindow) => BinaryReader<T>, signal?: AbortSignal): Promise<T> {
  const window: ByteWindow = { bytes, at: 0, end: bytes.length, base: 0, eof: true, size: bytes.length };
  const slicer = new Slicer(signal);
  const steps = reader(window);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    const paused = slicer.pause();
    if (paused) await paused;
  }
}

export interface SlicedReadOptions {
  readonly signal?: AbortSignal;
  /** Bytes per read (default 4 MiB). */
  readonly blockSize?: number;
  readonly onProgress?: (fraction: number) => void;
}

/**
 * Runs a reader over a file, reading blocks by offset, pausing whenever a slice's time is spent.
 * The next block is read (into a second buffer) while the reader works on the current one, so
 * the disk and the parsing overlap; the window holds the unread tail plus one block.
 */
export async function readFileSliced<T>(
  handle: fs.promises.FileHandle,
  size: number,
  reader: (window: ByteWindow) => BinaryReader<T>,
  options: SlicedReadOptions = {},
): Promise<T> {
  const blockSize = Math.max(1 << 12, options.blockSize ?? 4 << 20);
  const window: ByteWindow = { bytes: new Uint8Array(Math.min(2 * blockSize, Math.max(1, size))), at: 0, end: 0, base: 0, eof: size === 0, size };
  const slicer = new Slicer(options.signal);
  const ahead = new Uint8Array(Math.min(blockSize, Math.max(1, size)));
  let pending: Promise<number> | undefined;
  let pendingAt = 0;
  const prefetch = (position: number) => {
    pendingAt = position;
    pending = position < size ? handle.read(ahead, 0, ahead.length, position).then((r) => r.bytesRead) : Promise.resolve(0);
  };
  prefetch(0);
  const steps = reader(window);
  try {
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      if (step.value === PAUSE) {
        const paused = slicer.pause();
        if (paused) await paused;
        continue;
      }
      if (window.eof) continue; // the reader sees eof and reports the truncation itself
      // Keep the unread tail at the front; grow only when one unit needs more than the buffer.
      const unread = window.end - window.at;
      if (window.at > 0) {
        window.bytes.copyWithin(0, window.at, window.end);
        window.base += window.at;
        window.at = 0;
        window.end = unread;
      }
      const position = window.base + window.end;
      if (pending === undefined || pendingAt !== position) prefetch(position);
      const bytesRead = await pending!;
      pending = undefined;
      options.signal?.throwIfAborted();
      if (window.end + bytesRead > window.bytes.length) {
        const grown = new Uint8Array(Math.max(window.bytes.length * 2, window.end + bytesRead));
        grown.set(window.bytes.subarray(0, window.end));
        window.bytes = grown;
      }
      window.bytes.set(ahead.subarray(0, bytesRead), window.end);
      window.end += bytesRead;
      if (bytesRead === 0 || window.base + window.end >= size) window.eof = true;
      else prefetch(window.base + window.end);
      slicer.restart();
      options.onProgress?.((window.base + window.end) / Math.max(1, size));
    }
  } finally {
    // A read still in flight must finish before the caller closes the handle.
    if (pending) await pending.catch(() => 0);
  }
}
