/**
 * Parse workers kept warm between loads.
 *
 * Why: a new worker costs ~20 ms to start and parses its first megabytes in V8's interpreter
 * before the parser is compiled, so a fresh pair of workers is no faster than one thread on a file
 * of tens of megabytes. Editing a big `.emb` file re-indexes it on every save; with the workers
 * kept (idle, compiled) the second and later loads run at full speed on both cores.
 * Contract: `acquire()` gives a worker that is running no job (an idle one, or a new one);
 * `release()` returns it after its job ends normally, `discard()` after anything else (abort,
 * error: it is terminated). Idle workers do not keep the process alive (unref) and are terminated
 * after IDLE_MS without work; `closeParseWorkers()` terminates them now (extension deactivation,
 * tests). A worker that exits while idle is forgotten.
 */
import { Worker } from 'node:worker_threads';

/** Idle workers are terminated after this long without a job. */
export const IDLE_MS = 60_000;

/** Warm-up passes (about 1 MB each) of a worker started ahead of need, on an otherwise idle core. */
const PRESTART_WARM_UP_PASSES = 8;

export interface WorkerScript {
  readonly script: string;
  readonly execArgv?: readonly string[];
}

class ParseWorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly script: WorkerScript) {}

  /** Idle workers right now. */
  get idleCount(): number {
    return this.idle.length;
  }

  /** Workers alive right now (idle or busy). */
  get liveCount(): number {
    return this.all.size;
  }

  /** Starts workers until `count` are idle (they warm up on their own and wait, unref'd). */
  prestart(count: number): void {
    while (this.idle.length < count) this.release(this.spawn(PRESTART_WARM_UP_PASSES));
  }

  acquire(): Worker {
    const worker = this.idle.pop() ?? this.spawn();
    worker.ref();
    if (this.idle.length === 0) this.clearTimer();
    return worker;
  }

  release(worker: Worker): void {
    if (!this.all.has(worker)) return;
    worker.unref();
    this.idle.push(worker);
    this.clearTimer();
    this.timer = setTimeout(() => void this.close(), IDLE_MS);
    this.timer.unref?.();
  }

  discard(worker: Worker): void {
    this.forget(worker);
    void worker.terminate();
  }

  async close(): Promise<void> {
    this.clearTimer();
    const idle = this.idle.splice(0);
    for (const worker of idle) this.all.delete(worker);
    await Promise.all(idle.map((worker) => worker.terminate()));
  }

  private spawn(warmUpPasses = 1): Worker {
    const worker = new Worker(this.script.script, { workerData: { warmUpPasses }, execArgv: this.script.execArgv ? [...this.script.execArgv] : undefined });
    this.all.add(worker);
    worker.on('exit', () => this.forget(worker));
    // A failure outside a job (while idle) only ends this worker; a job's own listener reports its errors.
    worker.on('error', () => this.forget(worker));
    return worker;
  }

  private forget(worker: Worker): void {
    this.all.delete(worker);
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

const pools = new Map<string, ParseWorkerPool>();

function key(script: WorkerScript): string {
  return JSON.stringify([script.script, script.execArgv ?? []]);
}

/** The pool of workers running this script (created on first use). */
export function parseWorkerPool(script: WorkerScript): ParseWorkerPool {
  let pool = pools.get(key(script));
  if (pool === undefined) {
    pool = new ParseWorkerPool(script);
    pools.set(key(script), pool);
  }
  return pool;
}

/** Idle workers of this script, ready for a job without a start-up. */
export function idleParseWorkers(script: WorkerScript): number {
  return pools.get(key(script))?.idleCount ?? 0;
}

/** Parse workers alive in this process (tests check that none linger). */
export function liveParseWorkers(): number {
  let live = 0;
  for (const pool of pools.values()) live += pool.liveCount;
  return live;
}

/** Terminates every idle parse worker now. */
export async function closeParseWorkers(): Promise<void> {
  await Promise.all([...pools.values()].map((pool) => pool.close()));
}
