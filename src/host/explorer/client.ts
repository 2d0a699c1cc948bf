/**
 * The extension host's handle on one file's Explorer engine: in its worker thread
 * (dist/explorerWorker.js) when the bundle is there, else in this thread (unit tests from
 * sources; a worker that cannot start). Requests are answered in order; `dispose` ends the worker
 * and with it the store, so a closed Explorer leaves nothing behind.
 */
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { ExplorerPreview, ExplorerSummary } from '../../shared/explorerProtocol';
import { ExplorerEngine, ExplorerQueryError, type EngineAnswer, type EngineAnswers, type EngineQuery, type LoadedEmbeddings } from './engine';
import { loadForExplorer } from './load';
import { parsedFromMessage, type ParsedMessage } from '../../emb/storeTransfer';
import { bundledWorkerExecArgv } from '../../emb/workerArgs';
import type { ParsedEmb } from '../../emb/types';

export const EXPLORER_WORKER_FILE = 'explorerWorker.js';

export type WorkerRequest =
  | { readonly id: number; readonly kind: 'load'; readonly file: string; readonly label: string; readonly bytes: number }
  | { readonly id: number; readonly kind: 'query'; readonly query: EngineQuery }
  | { readonly id: number; readonly kind: 'export' };

export type WorkerValue =
  | { readonly kind: 'loaded'; readonly summary: ExplorerSummary }
  | { readonly kind: 'answer'; readonly answer: EngineAnswer }
  | { readonly kind: 'parsed'; readonly parsed: ParsedMessage };

export type WorkerReply =
  | { readonly id: number; readonly progress: number }
  | { readonly id: number; readonly preview: ExplorerPreview }
  | { readonly id: number; readonly ok: true; readonly value: WorkerValue }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly userError: boolean };

interface Pending {
  readonly resolve: (value: WorkerValue) => void;
  readonly reject: (error: Error) => void;
  readonly onProgress?: (fraction: number) => void;
  readonly onPreview?: (preview: ExplorerPreview) => void;
}

export class ExplorerClient {
  private worker: Worker | undefined;
  private engine: ExplorerEngine | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;

  /**
   * @param workerScript dist/explorerWorker.js; when it does not exist the engine runs here.
   */
  constructor(
    private readonly workerScript: string | undefined,
    private readonly log: (message: string) => void,
  ) {}

  /** Where the engine runs (the integration test checks it is the worker). */
  get where(): 'worker' | 'in-process' | 'none' {
    return this.worker ? 'worker' : this.engine ? 'in-process' : 'none';
  }

  /**
   * Indexes `file` (once); `onProgress` gets fractions in [0, 1], `onPreview` the header and first
   * tokens before the index is complete (word2vec binaries).
   */
  async load(file: string, label: string, onProgress: (fraction: number) => void, onPreview?: (preview: ExplorerPreview) => void): Promise<ExplorerSummary> {
    const bytes = (await fs.promises.stat(file)).size;
    const worker = this.startWorker();
    if (worker) {
      const value = await this.send({ id: this.nextId++, kind: 'load', file, label, bytes }, onProgress, onPreview);
      if (value.kind !== 'loaded') throw new Error('the Explorer worker answered a load with a query result');
      return value.summary;
    }
    const started = performance.now();
    const loaded = await loadForExplorer(file, { onProgress, onPreview });
    if (this.disposed) throw new Error('the Explorer was closed');
    this.engine = new ExplorerEngine(loaded, label);
    return this.engine.summary(bytes, performance.now() - started);
  }

  /** Indexes with `read` on this thread (files not on this machine's disk: readVirtual.ts). */
  async loadWith(read: () => Promise<LoadedEmbeddings>, label: string, bytes: number): Promise<ExplorerSummary> {
    const started = performance.now();
    const loaded = await read();
    if (this.disposed) throw new Error('the Explorer was closed');
    this.engine = new ExplorerEngine(loaded, label);
    return this.engine.summary(bytes, performance.now() - started);
  }

  async ask<K extends EngineQuery['kind']>(query: Extract<EngineQuery, { kind: K }>): Promise<EngineAnswers[K]> {
    if (this.disposed) throw new Error('the Explorer was closed');
    if (this.worker) {
      const value = await this.send({ id: this.nextId++, kind: 'query', query });
      if (value.kind !== 'answer') throw new Error('the Explorer worker answered a query with a load result');
      return value.answer as EngineAnswers[K];
    }
    if (!this.engine) throw new Error('the file is not indexed yet');
    return (await this.engine.answer(query)) as EngineAnswers[K];
  }

  /**
   * The indexed set itself, for the host to use as the active set without reading the file again:
   * from the worker its rows arrive in the same shared memory (storeTransfer.ts), in-process it is
   * the engine's own.
   */
  async parsed(): Promise<ParsedEmb> {
    if (this.disposed) throw new Error('the Explorer was closed');
    if (this.worker) {
      const value = await this.send({ id: this.nextId++, kind: 'export' });
      if (value.kind !== 'parsed') throw new Error('the Explorer worker answered an export with something else');
      return parsedFromMessage(value.parsed);
    }
    const parsed = this.engine?.parsed;
    if (!parsed) throw new Error('the file is not indexed yet');
    return parsed;
  }

  dispose(): void {
    this.disposed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.engine = undefined;
    void worker?.terminate();
    for (const pending of this.pending.values()) pending.reject(new Error('the Explorer was closed'));
    this.pending.clear();
  }

  private send(request: WorkerRequest, onProgress?: (fraction: number) => void, onPreview?: (preview: ExplorerPreview) => void): Promise<WorkerValue> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new Error('the Explorer worker is not running'));
    return new Promise<WorkerValue>((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject, onProgress, onPreview });
      worker.postMessage(request);
    });
  }

  private startWorker(): Worker | undefined {
    if (this.worker) return this.worker;
    if (this.workerScript === undefined || !fs.existsSync(this.workerScript)) return undefined;
    try {
      const worker = new Worker(this.workerScript, { execArgv: bundledWorkerExecArgv() });
      worker.on('message', (reply: WorkerReply) => {
        const pending = this.pending.get(reply.id);
        if (!pending) return;
        if ('progress' in reply) {
          pending.onProgress?.(reply.progress);
          return;
        }
        if ('preview' in reply) {
          pending.onPreview?.(reply.preview);
          return;
        }
        this.pending.delete(reply.id);
        if (reply.ok) pending.resolve(reply.value);
        else pending.reject(reply.userError ? new ExplorerQueryError(reply.message) : new Error(reply.message));
      });
      worker.on('error', (error) => {
        this.log(`explorer worker failed: ${error.message}`);
        this.failAll(error);
      });
      worker.on('exit', (code) => {
        if (this.worker !== worker) return;
        this.worker = undefined;
        this.failAll(new Error(`the Explorer worker stopped (exit code ${code})`));
      });
      this.worker = worker;
      return worker;
    } catch (error) {
      this.log(`explorer worker unavailable, answering in-process: ${String(error)}`);
      return undefined;
    }
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
