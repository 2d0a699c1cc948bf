/**
 * The Embedding Explorer's worker thread (bundled on its own as dist/explorerWorker.js): it loads
 * the file (loadEmbFile, which itself parses big text files in its parse workers) and holds the
 * store, and answers every question of the Explorer, so that neither indexing a 3M × 300 file nor
 * a neighbour scan over it nor a UMAP ever runs on the extension host's thread. One worker per
 * open file; the host ends it when the file's last Explorer closes (client.ts).
 *
 * Messages (typed in client.ts): `load` once, then `query`s and `export` (the parse, for "Use as
 * Active Set": shared row blocks cross without a copy); every reply names its request's id.
 * Answers hand their ArrayBuffers over instead of copying them.
 */
import { parentPort } from 'node:worker_threads';
import { ExplorerEngine, ExplorerQueryError } from './engine';
import type { WorkerReply, WorkerRequest } from './client';
import { loadForExplorer } from './load';
import { parsedToMessage } from '../../emb/storeTransfer';

let engine: ExplorerEngine | undefined;

function post(reply: WorkerReply, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(reply, transfer);
}

function failure(id: number, error: unknown): WorkerReply {
  return {
    id,
    ok: false,
    message: error instanceof Error ? error.message : String(error),
    userError: error instanceof ExplorerQueryError,
  };
}

parentPort?.on('message', (request: WorkerRequest) => {
  void handle(request);
});

async function handle(request: WorkerRequest): Promise<void> {
  if (request.kind === 'load') {
    try {
      const started = performance.now();
      const loaded = await loadForExplorer(request.file, {
        onProgress: (fraction) => post({ id: request.id, progress: fraction }),
        onPreview: (preview) => post({ id: request.id, preview }),
      });
      engine = new ExplorerEngine(loaded, request.label);
      post({ id: request.id, ok: true, value: { kind: 'loaded', summary: engine.summary(request.bytes, performance.now() - started) } });
    } catch (error) {
      post(failure(request.id, error));
    }
    return;
  }
  if (!engine) {
    post(failure(request.id, new Error('the file is not indexed yet')));
    return;
  }
  if (request.kind === 'export') {
    const parsed = engine.parsed;
    if (!parsed) post(failure(request.id, new Error('this set has no parse to hand over')));
    else post({ id: request.id, ok: true, value: { kind: 'parsed', parsed: parsedToMessage(parsed) } });
    return;
  }
  try {
    const value = await engine.answer(request.query);
    const transfer: ArrayBuffer[] = [];
    if ('vector' in value) transfer.push(value.vector);
    if ('points' in value) transfer.push(value.points);
    post({ id: request.id, ok: true, value: { kind: 'answer', answer: value } }, transfer);
  } catch (error) {
    post(failure(request.id, error));
  }
}
