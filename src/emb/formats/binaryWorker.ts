/**
 * Worker thread for big binary embedding files (bundled as dist/embBinaryWorker.js; started by
 * src/emb/loadFile.ts): reads the file by offset in blocks, copies the rows into shared row
 * blocks and posts them back (binaryTransfer.ts), so the calling thread only builds the
 * vocabulary, in slices. Messages: progress (bytes read so far), done (the rows, or a failed
 * result's problems), error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parentPort } from 'node:worker_threads';
import type { EmbProblem } from '../types';
import { readFileSliced, readBytes } from './byteWindow';
import { assembleRows } from './binaryRows';
import { rowsToMessage, type RowsMessage } from './binaryTransfer';
import { readFastTextRows } from './fasttext/read';
import { readWord2vecRows } from './word2vec/read';

export interface BinaryJob {
  readonly file: string;
  readonly format: 'word2vec' | 'fasttext';
  readonly blockSize?: number;
}

export type BinaryWorkerMessage =
  | { readonly type: 'progress'; readonly fraction: number }
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
    const result = await readFileSliced(
      handle,
      size,
      (w) => (job.format === 'word2vec' ? readWord2vecRows(w, { name, sharedRows: true }) : readFastTextRows(w, { name, sharedRows: true })),
      {
        blockSize: job.blockSize,
        onProgress: (fraction) => {
          const percent = Math.floor(fraction * 100);
          if (percent !== lastPercent) {
            lastPercent = percent;
            port.postMessage({ type: 'progress', fraction } satisfies BinaryWorkerMessage);
          }
        },
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
