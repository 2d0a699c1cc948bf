/**
 * The host's end of the model worker: requests in order, answers matched by id, a load that can
 * be cancelled (by terminating the worker: loadModel is one synchronous call). No vscode import.
 *
 * When the worker bundle is missing (unit tests run from sources), the same EngineHandler runs
 * in-process: same answers, but on the caller's thread.
 *
 * A pass request (run, rerun, append) may pass `onProgress`: its parts arrive there before its
 * answer. Sending a pass writes its number into the shared slot the worker reads between layers,
 * so a pass still running when a newer one is sent stops there (it answers with a
 * SupersededError, which rejects as CancelledError).
 */
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { EngineHandler } from './handler';
import type { ModelPassProgress } from '../../shared/modelView';
import { isPassRequest, PASS_SLOT, type EngineOp, type EngineReplies, type EngineRequest, type WorkerEnvelope, type WorkerMessage } from './workerProtocol';

export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor() {
    super('cancelled');
  }
}

/** An error the worker threw, with its name kept (ModelError, ShapeError…). */
export class EngineError extends Error {
  constructor(message: string, override readonly name: string) {
    super(message);
  }
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly onProgress: ((progress: ModelPassProgress) => void) | undefined;
}

export class ModelClient {
  private worker: Worker | undefined;
  private inProcess: EngineHandler | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;
  /** PASS_SLOT: the newest pass sent (shared with the worker, or the in-process handler). */
  private readonly passes = new Int32Array(new SharedArrayBuffer(4));

  constructor(
    private readonly workerPath: string,
    private readonly log: (message: string) => void,
  ) {}

  get hasWorker(): boolean {
    return this.worker !== undefined;
  }

  /** Where requests run: a worker thread, or in-process without the bundle. */
  get where(): 'worker' | 'in-process' {
    return fs.existsSync(this.workerPath) ? 'worker' : 'in-process';
  }

  request<K extends EngineOp>(
    request: Extract<EngineRequest, { op: K }>,
    signal?: AbortSignal,
    onProgress?: (progress: ModelPassProgress) => void,
  ): Promise<EngineReplies[K]> {
    if (this.disposed || signal?.aborted) return Promise.reject(new CancelledError());
    if (isPassRequest(request)) Atomics.store(this.passes, PASS_SLOT, Math.max(Atomics.load(this.passes, PASS_SLOT), request.pass));
    if (this.where === 'in-process') {
      this.inProcess ??= new EngineHandler(undefined, this.passes);
      return (this.inProcess.handle(request, onProgress) as Promise<EngineReplies[K]>).catch((error: unknown) => {
        throw error instanceof Error && error.name === 'SupersededError' ? new CancelledError() : error;
      });
    }
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<EngineReplies[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, onProgress });
      signal?.addEventListener('abort', () => {
        // The worker may be inside one long synchronous call: only ending it stops it.
        if (this.pending.has(id)) this.terminate();
      });
      const envelope: WorkerEnvelope = { id, request };
      worker.postMessage(envelope);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerPath, { workerData: { passes: this.passes.buffer } });
    worker.on('message', (answer: WorkerMessage) => {
      const pending = this.pending.get(answer.id);
      if (!pending) return;
      if ('progress' in answer) {
        pending.onProgress?.(answer.progress);
        return;
      }
      this.pending.delete(answer.id);
      if (answer.ok) pending.resolve(answer.value);
      else if (answer.name === 'SupersededError') pending.reject(new CancelledError());
      else pending.reject(new EngineError(answer.message, answer.name));
    });
    worker.on('error', (error) => {
      this.log(`model worker failed: ${error.stack ?? error.message}`);
      this.failAll(new EngineError(`The model worker stopped: ${error.message}`, 'WorkerError'));
      if (this.worker === worker) this.worker = undefined;
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      if (code !== 0 && code !== 1) this.log(`model worker exited with code ${code}`);
      this.failAll(new CancelledError());
    });
    this.worker = worker;
    return worker;
  }

  private failAll(error: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
  }

  /** Ends the worker (and the model it holds); pending requests reject with CancelledError. */
  terminate(): void {
    const worker = this.worker;
    this.worker = undefined;
    this.inProcess = undefined;
    this.failAll(new CancelledError());
    if (worker) void worker.terminate();
  }

  dispose(): void {
    this.disposed = true;
    this.terminate();
  }
}
