/**
 * Runs attention off the extension host's thread and makes it cancellable.
 *
 * Small problems (a sentence: well under a few milliseconds of arithmetic) are computed right
 * away on the host's thread: starting a worker thread costs tens of milliseconds of CPU — on a
 * 2-core machine, taken from the workbench that is creating the panel at the same moment — and
 * there is nothing worth cancelling in a computation that is over before the next message.
 *
 * Bigger ones go to a worker, kept warm between requests. Cancelling a request that is still
 * running terminates the worker (the only way to stop a synchronous loop) and the next request
 * starts a fresh one. When the worker bundle is missing (unit tests run from sources) or a worker
 * cannot start, the computation runs in-process: slower to cancel, same result.
 */
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { runAttention, type Matrix, type MultiHeadReport, type MultiHeadWeights } from '../../core';
import type { ScaledAttentionOptions } from '../../core/attention';
import type { WorkerReply, WorkerRequest } from './worker';

export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor() {
    super('cancelled');
  }
}

/**
 * Multiply-adds below which a computation runs in-process: about 2 ms of the core's loops even
 * before the JIT has warmed them up (12 tokens × 12 heads at d = 96 is 0.47 M; 512 tokens is 70 M).
 */
export const IN_PROCESS_WORK_LIMIT = 2_000_000;

/** Multiply-adds of one pass: Q, K, V and output projections (4·n·d²) when there are weights, scores and weighted sums (2·n²·d). */
export function attentionWork(n: number, d: number, withWeights: boolean): number {
  return 2 * n * n * d + (withWeights ? 4 * n * d * d : 0);
}

export interface ComputeResult {
  readonly report: MultiHeadReport;
  readonly ms: number;
  readonly where: 'worker' | 'in-process';
}

interface Pending {
  readonly id: number;
  readonly resolve: (result: ComputeResult) => void;
  readonly reject: (error: Error) => void;
}

export class AttentionComputer {
  private worker: Worker | undefined;
  private pending: Pending | undefined;
  private nextId = 1;
  private disposed = false;
  private workerBroken = false;

  constructor(
    private readonly workerPath: string,
    private readonly log: (message: string) => void,
    /** Work (see attentionWork) below which the computation runs at once on this thread; 0: always the worker. */
    private readonly inProcessWorkLimit = IN_PROCESS_WORK_LIMIT,
  ) {}

  /** True while a worker thread exists (tests check that disposal leaves none behind). */
  get hasWorker(): boolean {
    return this.worker !== undefined;
  }

  /**
   * x [n, d] → the multi-head report. A second call cancels the first (it rejects with
   * CancelledError). `signal` cancels this call.
   */
  compute(x: Matrix, weights: MultiHeadWeights | undefined, opts: ScaledAttentionOptions, signal?: AbortSignal): Promise<ComputeResult> {
    if (this.disposed) return Promise.reject(new CancelledError());
    this.cancel();
    if (signal?.aborted) return Promise.reject(new CancelledError());
    if (attentionWork(x.rows, x.cols, weights !== undefined) < this.inProcessWorkLimit) return this.computeNow(x, weights, opts);
    const worker = this.ensureWorker();
    if (!worker) return this.computeInProcess(x, weights, opts, signal);
    const id = this.nextId++;
    return new Promise<ComputeResult>((resolve, reject) => {
      this.pending = { id, resolve, reject };
      signal?.addEventListener('abort', () => {
        if (this.pending?.id === id) this.cancel();
      }, { once: true });
      const request: WorkerRequest = { id, x, weights, opts };
      worker.postMessage(request);
    });
  }

  /** Stops the computation in flight, if any (its promise rejects with CancelledError). */
  cancel(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    // A synchronous loop cannot be interrupted: end the thread; the next request starts another.
    void this.worker?.terminate();
    this.worker = undefined;
    pending.reject(new CancelledError());
  }

  /**
   * Stops any computation in flight and ends the warm worker (nothing is left waiting for a
   * panel that is gone). The computer stays usable: the next request starts a fresh worker.
   */
  release(): void {
    this.cancel();
    void this.worker?.terminate();
    this.worker = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.cancel();
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private ensureWorker(): Worker | undefined {
    if (this.worker) return this.worker;
    if (this.workerBroken || !fs.existsSync(this.workerPath)) return undefined;
    try {
      const worker = new Worker(this.workerPath);
      worker.unref();
      worker.on('message', (reply: WorkerReply) => {
        const pending = this.pending;
        if (!pending || pending.id !== reply.id) return;
        this.pending = undefined;
        if (reply.ok) {
          pending.resolve({ report: reply.report, ms: reply.ms, where: 'worker' });
        } else {
          const error = new Error(reply.message);
          error.name = reply.name;
          pending.reject(error);
        }
      });
      worker.on('error', (error) => {
        this.log(`attention worker failed: ${error.message}`);
        if (this.worker === worker) this.worker = undefined;
        const pending = this.pending;
        this.pending = undefined;
        pending?.reject(error);
      });
      worker.on('exit', () => {
        if (this.worker === worker) this.worker = undefined;
      });
      this.worker = worker;
      return worker;
    } catch (error) {
      this.workerBroken = true;
      this.log(`attention worker unavailable, computing in-process: ${String(error)}`);
      return undefined;
    }
  }

  /** A small problem, computed before returning (a core error becomes the rejection). */
  private computeNow(x: Matrix, weights: MultiHeadWeights | undefined, opts: ScaledAttentionOptions): Promise<ComputeResult> {
    try {
      const started = performance.now();
      const report = runAttention(x, weights ? { kind: 'weights', weights } : { kind: 'lesson' }, opts);
      return Promise.resolve({ report, ms: performance.now() - started, where: 'in-process' });
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private async computeInProcess(x: Matrix, weights: MultiHeadWeights | undefined, opts: ScaledAttentionOptions, signal?: AbortSignal): Promise<ComputeResult> {
    // Yield once so a cancellation that arrives with the next message is seen before the work.
    await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted || this.disposed) throw new CancelledError();
    return this.computeNow(x, weights, opts);
  }
}
