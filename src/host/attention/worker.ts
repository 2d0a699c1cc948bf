/**
 * The attention computation in a worker thread: the extension host stays responsive while a
 * 512-token × 12-head pass runs, and a computation that is no longer wanted (new selection,
 * panel closed) is stopped by terminating the worker instead of being waited for.
 * Bundled on its own as dist/attentionWorker.js; talks only to compute.ts.
 */
import { parentPort } from 'node:worker_threads';
import { runAttention, type Matrix, type MultiHeadWeights } from '../../core';
import type { ScaledAttentionOptions } from '../../core/attention';

export interface WorkerRequest {
  readonly id: number;
  readonly x: Matrix;
  /** undefined: lesson mode (Q = K = V = x). */
  readonly weights: MultiHeadWeights | undefined;
  readonly opts: ScaledAttentionOptions;
}

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly report: ReturnType<typeof runAttention>; readonly ms: number }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly name: string };

parentPort?.on('message', (request: WorkerRequest) => {
  const started = performance.now();
  try {
    const report = runAttention(request.x, request.weights ? { kind: 'weights', weights: request.weights } : { kind: 'lesson' }, request.opts);
    const reply: WorkerReply = { id: request.id, ok: true, report, ms: performance.now() - started };
    // Hand the buffers over instead of copying them: 512 tokens × 12 heads is ~40 MB of
    // scores, weights and projections, and a structured-clone copy of it cost ~70 ms.
    parentPort?.postMessage(reply, [...buffersOf(report)]);
  } catch (error) {
    const reply: WorkerReply = {
      id: request.id,
      ok: false,
      message: error instanceof Error ? error.message : String(error),
      name: error instanceof Error ? error.name : 'Error',
    };
    parentPort?.postMessage(reply);
  }
});

/** Every distinct ArrayBuffer under `value` (a buffer listed twice would make postMessage throw). */
function buffersOf(value: unknown, found = new Set<ArrayBuffer>()): Set<ArrayBuffer> {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) found.add(value.buffer);
  } else if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) buffersOf(child, found);
  }
  return found;
}
