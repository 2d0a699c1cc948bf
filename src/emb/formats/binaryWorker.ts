/**
 * Worker thread for big binary embedding files (bundled as dist/embBinaryWorker.js; started by
 * src/emb/loadFile.ts): reads the file into shared row blocks (word2vec: the fast path of
 * word2vec/fastRead.ts, else the careful block reader), builds the vocabulary's table and
 * compacts the rows, and posts them back (binaryTransfer.ts), so the calling thread only decodes
 * the token text, in slices. Messages: progress (bytes read so far), preview (the header and
 * the first tokens), rows (or a failed result's problems), error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parentPort } from 'node:worker_threads';
import type { EmbProblem } from '../types';
import { readFileSliced, readBytes } from './byteWindow';
import { assembleRows } from './binaryRows';
import { rowsToMessage, type RowsMessage } from './binaryTransfer';
import { readFastTextRows } from './fasttext/read';
import { readWord2vecFileFast } from './word2vec/fastRead';
import { readWord2vecRows } from './word2vec/read';

export interface BinaryJob {
  readonly file: string;
  readonly format: 'word2vec' | 'fasttext';
  readonly blockSize?: number;
}

/** The header and the first tokens, posted as soon as they are read (the Explorer paints them while the rest loads). */
export interface BinaryPreview {
  readonly count: number;
  readonly dim: number;
  readonly tokens: readonly string[];
}

export type BinaryWorkerMessage =
  | { readonly type: 'progress'; readonly fraction: number }
  | { readonly type: 'preview'; readonly preview: BinaryPreview }
  | { readonly type: 'rows'; readonly rows: RowsMessage }
  | { readonly type: 'failed'; readonly problems: readonly EmbProblem[]; readonly problemsOmitted: number }
  | { readonly type: 'error'; readonly message: string };

async function run(job: BinaryJob): Promise<void> {
  const port = parentPort!;
  const name = path.basename(job.file);
  const handle = await fs.promises.open(job.file, 'r');
  try {
    const size = (await handle.stat()).size;
    let lastPercent = -1;
    const progress = (fraction: number) => {
      const percent = Math.floor(fraction * 100);
      if (percent !== lastPercent) {
        lastPercent = percent;
        port.postMessage({ type: 'progress', fraction } satisfies BinaryWorkerMessage);
      }
    };
    const fast =
      job.format === 'word2vec'
        ? readWord2vecFileFast(handle.fd, size, {
            name,
            onProgress: progress,
            onPreview: (preview) => port.postMessage({ type: 'preview', preview } satisfies BinaryWorkerMessage),
          })
        : undefined;
    const result = fast ?? await readFileSliced(
      handle,
      size,
      (w) => (job.format === 'word2vec' ? readWord2vecRows(w, { name, sharedRows: true }) : readFastTextRows(w, { name, sharedRows: true })),
      {
        blockSize: job.blockSize,
        onProgress: progress,
      },
    );
    if ('store' in result) {
      port.postMessage({ type: 'failed', problems: result.problems, problemsOmitted: result.problemsOmitted } satisfies BinaryWorkerMessage);
      return;
    }
    // The vocabulary's table and the compaction run here too: the calling thread only decodes the text.
    const assembled = readBytes(new Uint8Array(0), () => assembleRows(result));
    const { message, transfer } = rowsToMessage(assembled);
    port.postMessage({ type: 'rows', rows: message } satisfies BinaryWorkerMessage, transfer);
  } finally {
    await handle.close();
  }
}

parentPort?.once('message', (job: BinaryJob) => {
  run(job).catch((error: unknown) => parentPort!.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies BinaryWorkerMessage));
});
