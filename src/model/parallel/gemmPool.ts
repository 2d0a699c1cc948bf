/**
 * The big matrix products of a forward pass on every core: this thread and helper threads run the
 * shared-memory GEMM (src/core/kernels/sharedGemm.ts) over one WeightArena, each taking column
 * chunks of C until none is left.
 *
 * Contract: `GemmPool.create(arena, options)` starts `threads − 1` helper workers (default: 2
 * threads in all, fewer on a 1-core host) and resolves when each has instantiated the kernel.
 * `product(...)` and `linear(...)` are synchronous: they put the activations in the arena's
 * workspace, publish the job, take chunks themselves, and block (Atomics.wait) until the helpers'
 * chunks are done. So the caller's forward pass stays a plain synchronous function; it must run
 * off the extension host's thread (a worker, the CLI), as all heavy work does. Results equal the
 * single-thread kernel's bit for bit: a column of C is always summed by one thread in one order.
 * Small products (below PARALLEL_MIN_MULTIPLY_ADDS) run on this thread alone: waking a helper
 * costs tens of microseconds. An optional activation (the MLP's gelu) is applied by each thread to
 * the chunk it just computed, with the core's own applyActivation: the same numbers as applying it
 * afterwards, on every core. `close()` stops the helpers.
 *
 * A helper that dies: between passes its 'exit' event tells the pool, which then runs every
 * product on the caller's thread (the same bits). During a job the caller is blocked and cannot
 * see the event, so a job with no chunk finished for HELPER_STALL_MS throws, and the pool is set
 * aside (`usable` false): ParallelEngine declines and the core's own kernels run the model, from
 * the same arena weights. A helper that throws sets FAILED: that job throws, later ones run alone.
 *
 * Scheduling: columns are cut into chunks of ≥ 64 (a multiple of 8), about six per thread, and
 * claimed through one atomic word (job generation << 16 | next chunk), so a thread that the OS
 * descheduled (the machine is shared) simply takes fewer chunks. A helper still finishing an old
 * job can never claim a chunk of the next one: the generation in the word would not match.
 *
 * Attention: `attentionHeads(q, k, v, spec)` runs a layer's heads the same way, a head per claim,
 * each with the core's own attendHeadOf (so the numbers are those of the one-thread loop); the
 * helpers read q, k, v from the workspace. The layer's results go to a fresh SharedArrayBuffer
 * that the caller posts to each helper's port before it publishes the job (the helper takes it
 * with receiveMessageOnPort: it never returns to its event loop): every thread writes its heads'
 * scores, weights and context straight into the arrays the caller returns, with no copy, and the
 * page faults of that fresh memory are spread over the threads.
 *
 * Control words (Int32Array over the arena's first bytes):
 *   GEN    job generation; helpers Atomics.wait on it
 *   CLAIM  (generation & 0x7fff) << 16 | index of the next unclaimed chunk
 *   DONE   chunks finished in the current job; the caller waits on it
 *   STOP   1: helpers exit
 *   FAILED 1: a helper threw while running a chunk (the caller then throws instead of waiting forever)
 *   KIND   0: a product (PARAMS below), 1: attention heads (see ATTENTION_PARAMS)
 *   PARAMS a, b, c, bias, n, k, m, transB, dtype code, chunk width, chunks, activation (−1: none)
 *   RAN    chunks run so far by each thread (RAN + index), for benchmarks
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { ACTIVATIONS, applyActivation, type Activation } from '../../core/blocks/activations';
import { attendHeadOf, checkAttention, type AttentionSpec, type HeadResult, type HeadTarget } from '../../core/blocks/groupedQueryAttention';
import { matrix } from '../../core/linalg';
import type { Matrix } from '../../core/types';
import {
  DTYPE_BYTES, instantiateSharedGemm, THREAD_SCRATCH_BYTES, threadScratchAt, type GemmOperands, type SharedGemm,
  type SharedGemmChoice, type ThreadScratch, type WeightDtype,
} from '../../core/kernels/sharedGemm';
import type { WorkerScript } from '../../emb/formats/text/parseWorkerPool';
import { CONTROL_BYTES, MAX_THREADS, type ResidentTensor, type SharedMemory, type WeightArena } from './arena';

export const CTL = { GEN: 0, CLAIM: 1, DONE: 2, STOP: 3, FAILED: 4, KIND: 5, PARAMS: 8, RAN: 24 } as const;
/** Attention jobs' parameters, from CTL.PARAMS: byte offsets of q, k, v, then the shape and mask. */
const ATTENTION_PARAMS = ['q', 'k', 'v', 'n', 'heads', 'kvHeads', 'headDim', 'causal', 'window', 'chunks'] as const;
/** The attention scale, a float64 at this byte offset of the control page. */
const SCALE_BYTE = 256;
/** A layer's results live in one SharedArrayBuffer; past this size its heads run on the calling thread, each in arrays of its own. */
const ATTENTION_MAX_OUTPUT_BYTES = 2 ** 31;
/** Past this much workspace a layer's heads run on the calling thread alone. */
const ATTENTION_MAX_WORKSPACE = 256 * 1024 * 1024;
/** Int32 words of the control block in use. */
export const MAX_THREADS_CONTROL_WORDS = CTL.RAN + MAX_THREADS;
export const DTYPE_CODES: readonly WeightDtype[] = ['f32', 'f16', 'bf16'];

/** Below this many multiply-adds (n·k·m) a product runs on the calling thread only. */
export const PARALLEL_MIN_MULTIPLY_ADDS = 1 << 21;

/** The bundled helper script beside this bundle (dist/gemmWorker.js). */
export const GEMM_WORKER_FILE = 'gemmWorker.js';

/** The packing buffers of thread `index` (0: the caller). */
export function scratchOf(index: number): ThreadScratch {
  return threadScratchAt(CONTROL_BYTES + index * (THREAD_SCRATCH_BYTES + 64));
}

/** What the helper worker is started with. */
export interface GemmWorkerData {
  readonly memory: SharedMemory;
  readonly index: number;
  readonly variant: SharedGemmChoice;
  /** Where the caller posts each attention job's output buffer (AttentionOutput). */
  readonly port: MessagePort;
}

/** What the caller posts to a helper's port before it publishes attention job `generation`. */
export interface AttentionOutput {
  readonly generation: number;
  /** Per head h, at float offset h · headFloats(n, D): scores n², weights n², context n·D. */
  readonly buffer: SharedArrayBuffer;
}

/** Weight layouts: GPT-2's Conv1D stores [in, out]; nn.Linear stores [out, in]. */
export type WeightLayout = 'in-out' | 'out-in';

/** A B operand: a tensor in the arena, or plain floats (activations) copied in for this product. */
export type Operand = ResidentTensor | Float32Array;

export interface GemmPoolOptions {
  /** Threads in all, this one included (default: 2, or 1 on a 1-core host). */
  readonly threads?: number;
  /** The helper's script; default dist/gemmWorker.js beside this bundle. */
  readonly worker?: WorkerScript;
  readonly variant?: SharedGemmChoice;
  /** false: this thread only waits and the helpers take every chunk (tests show they compute). */
  readonly callerTakesChunks?: boolean;
  /** Multiply-adds below which work stays on this thread (default PARALLEL_MIN_MULTIPLY_ADDS; tests split tiny models with 0). */
  readonly minParallelWork?: number;
  /** How long a job may go without a finished chunk before the pool gives up on its helpers (default HELPER_STALL_MS; tests shorten it). */
  readonly stallMs?: number;
}

/**
 * Take chunks of the job of generation `generation` until none is left; shared by the caller and
 * the helpers. Returns how many this thread ran.
 */
export function runChunks(ctl: Int32Array, generation: number, gemm: SharedGemm, op: GemmOperands, width: number, chunks: number,
  thread: number, memory: SharedMemory, activation: Activation | undefined): void {
  const scratch = scratchOf(thread);
  claimEach(ctl, generation, chunks, thread, (chunk) => {
    const j0 = chunk * width, j1 = Math.min(op.m, j0 + width);
    gemm.gemmRange(op, j0, j1, scratch);
    if (activation) activateColumns(gemm, memory, op, j0, j1, activation);
  });
}

/**
 * Columns [j0, j1) of C ← activation(C), in the arena. gelu_new runs the module's own kernel in
 * place, the one activations.ts runs through the private memory (the same bits); the others run
 * activations.ts row by row.
 */
function activateColumns(gemm: SharedGemm, memory: SharedMemory, op: GemmOperands, j0: number, j1: number, activation: Activation): void {
  if (activation === 'gelu_new') {
    gemm.geluNew(op.c + j0 * 4, op.n, j1 - j0, op.m);
    return;
  }
  const c = new Float32Array(memory.buffer, op.c, op.n * op.m);
  for (let i = 0; i < op.n; i++) applyActivation(c.subarray(i * op.m + j0, i * op.m + j1), activation);
}

/** Reads the job parameters the caller published. */
export function readJob(ctl: Int32Array): { op: GemmOperands; width: number; chunks: number; activation: Activation | undefined } {
  const p = (i: number): number => ctl[CTL.PARAMS + i]!;
  return {
    op: { a: p(0), b: p(1), c: p(2), bias: p(3), n: p(4), k: p(5), m: p(6), transB: p(7) === 1, dtype: DTYPE_CODES[p(8)]! },
    width: p(9), chunks: p(10), activation: p(11) >= 0 ? ACTIVATIONS[p(11)] : undefined,
  };
}

/** An attention job as published. */
export interface AttentionJob {
  readonly q: number; readonly k: number; readonly v: number;
  readonly spec: AttentionSpec;
  readonly n: number;
  readonly chunks: number;
}

export function readAttentionJob(ctl: Int32Array): AttentionJob {
  const p = (name: (typeof ATTENTION_PARAMS)[number]): number => ctl[CTL.PARAMS + ATTENTION_PARAMS.indexOf(name)]!;
  const scale = new Float64Array(ctl.buffer, SCALE_BYTE, 1)[0]!;
  const window = p('window');
  return {
    q: p('q'), k: p('k'), v: p('v'), n: p('n'), chunks: p('chunks'),
    spec: { heads: p('heads'), kvHeads: p('kvHeads'), headDim: p('headDim'), scale, causal: p('causal') === 1, window: window >= 0 ? window : undefined },
  };
}

/** Floats each head takes in an attention job's output buffer: scores n², weights n², context n·D. */
const headFloats = (n: number, d: number): number => 2 * n * n + n * d;

/** Head h's scores, weights and context in a job's output buffer (see AttentionOutput). */
function headTarget(output: SharedArrayBuffer, n: number, d: number, h: number): HeadTarget & { readonly context: Float32Array } {
  const at = h * headFloats(n, d) * 4;
  return {
    scores: new Float32Array(output, at, n * n),
    weights: new Float32Array(output, at + n * n * 4, n * n),
    context: new Float32Array(output, at + 2 * n * n * 4, n * d),
  };
}

/**
 * A helper's end of its port: the output buffers the caller posts, newest kept. The caller posts
 * job g's buffer before it publishes job g, and posts g + 1's only after job g is done; so when
 * the newest buffer is not g's, either g's is still on its way (the job word still says g) or job
 * g is over and this helper has nothing to do in it.
 */
export class AttentionInbox {
  private newest: AttentionOutput | undefined;

  constructor(private readonly port: MessagePort) {}

  /** Job `generation`'s buffer, or undefined when that job is already over. */
  take(ctl: Int32Array, generation: number): SharedArrayBuffer | undefined {
    for (let tries = 0; tries < 5000; tries++) {
      for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) this.newest = m.message as AttentionOutput;
      if (this.newest?.generation === generation) return this.newest.buffer;
      if ((Atomics.load(ctl, CTL.GEN) & 0x7fff) !== generation) return undefined;
      Atomics.wait(ctl, CTL.STOP, 0, 1); // a 1 ms sleep (STOP stays 0 while the pool is open)
    }
    throw new Error(`GemmPool helper: attention job ${generation}'s output buffer never arrived`);
  }
}

/** A helper's side of an attention job: claim heads, attend, write the results into the caller's output buffer. */
export function runAttentionHeads(ctl: Int32Array, generation: number, memory: SharedMemory, job: AttentionJob, thread: number, inbox: AttentionInbox): void {
  const { n, spec } = job;
  const { heads: H, kvHeads: KV, headDim: D } = spec;
  const floats = new Float32Array(memory.buffer);
  const q = matrix(n, H * D, floats.subarray(job.q / 4, job.q / 4 + n * H * D));
  const k = matrix(n, KV * D, floats.subarray(job.k / 4, job.k / 4 + n * KV * D));
  const v = matrix(n, KV * D, floats.subarray(job.v / 4, job.v / 4 + n * KV * D));
  const output = inbox.take(ctl, generation & 0x7fff);
  if (!output) return;
  claimEach(ctl, generation, job.chunks, thread, (h) => attendHeadOf(q, k, v, h, spec, headTarget(output, n, D, h)));
}

/** Claims chunk indexes of the job `generation` one at a time and runs `body` on each; counts them done. */
function claimEach(ctl: Int32Array, generation: number, chunks: number, thread: number, body: (chunk: number) => void): void {
  const tag = (generation & 0x7fff) << 16;
  for (;;) {
    const word = Atomics.load(ctl, CTL.CLAIM);
    if ((word & ~0xffff) !== tag) return;
    const chunk = word & 0xffff;
    if (chunk >= chunks) return;
    if (Atomics.compareExchange(ctl, CTL.CLAIM, word, word + 1) !== word) continue;
    body(chunk);
    Atomics.add(ctl, CTL.RAN + thread, 1);
    if (Atomics.add(ctl, CTL.DONE, 1) + 1 === chunks) Atomics.notify(ctl, CTL.DONE);
  }
}

const align64 = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/** Arenas whose control block a live pool's helpers are listening to. */
const poolsWithHelpers = new WeakSet<WeightArena>();

/** No chunk finished for this long while the caller waits: a helper is taken to have stopped. */
export const HELPER_STALL_MS = 60_000;

export class GemmPool {
  private generation = 0;
  private readonly ctl: Int32Array;
  private closed = false;
  /** A helper exited (its 'exit' event, seen between passes) or threw: from then on this thread does all the work. */
  private lostHelper = false;
  /** A job never finished (see HELPER_STALL_MS): the pool takes no more work, callers fall back to the core. */
  private stalled = false;

  private constructor(
    readonly arena: WeightArena,
    private readonly gemm: SharedGemm,
    private readonly helpers: readonly Worker[],
    private readonly ports: readonly MessagePort[],
    private readonly callerTakesChunks: boolean,
    private readonly minParallelWork: number,
    private readonly stallMs: number,
  ) {
    this.ctl = new Int32Array(arena.buffer, 0, MAX_THREADS_CONTROL_WORDS);
    // A helper that dies (out of memory, a crash) is gone for good; the caller's thread carries on alone.
    for (const helper of helpers) helper.on('exit', () => {
      if (!this.closed) this.lostHelper = true;
    });
  }

  /** False once closed, or after a job stalled: then ParallelEngine declines and the core's own path runs. */
  get usable(): boolean {
    return !this.closed && !this.stalled;
  }

  /** Helpers taking chunks now: none once one was lost. */
  private get liveThreads(): number {
    if (Atomics.load(this.ctl, CTL.FAILED) !== 0) this.lostHelper = true; // it rethrows and exits
    return this.lostHelper ? 1 : this.threads;
  }

  /** Column chunks (or whole small products) run by each thread so far, index 0 this one: for benchmarks. */
  chunksRun(): number[] {
    return Array.from({ length: this.threads }, (_, i) => Atomics.load(this.ctl, CTL.RAN + i));
  }

  /** The kernel build in use ('relaxed-fma' or 'simd128'). */
  get variant(): string {
    return this.gemm.variant;
  }

  /** Threads in all, this one included. */
  get threads(): number {
    return this.helpers.length + 1;
  }

  static async create(arena: WeightArena, options: GemmPoolOptions = {}): Promise<GemmPool> {
    const variant = options.variant ?? 'best';
    const gemm = instantiateSharedGemm(arena.memory, variant);
    if (!gemm) throw new Error('GemmPool: this engine has no WebAssembly SIMD with shared memory');
    const threads = Math.max(1, Math.min(MAX_THREADS, Math.floor(options.threads ?? Math.min(2, availableParallelism()))));
    // Helpers answer the arena's one control block: two pools with helpers would both take chunks.
    if (threads > 1 && poolsWithHelpers.has(arena)) throw new Error('GemmPool: this arena already has a pool with helper threads; close it first');
    const script = options.worker ?? { script: path.join(__dirname, GEMM_WORKER_FILE) };
    const helpers: Worker[] = [];
    const ports: MessagePort[] = [];
    try {
      for (let index = 1; index < threads; index++) {
        const channel = new MessageChannel();
        ports.push(channel.port1);
        const data: GemmWorkerData = { memory: arena.memory, index, variant: gemm.variant as SharedGemmChoice, port: channel.port2 };
        const worker = new Worker(script.script, {
          workerData: data, transferList: [channel.port2], execArgv: script.execArgv ? [...script.execArgv] : undefined,
        });
        helpers.push(worker);
        await new Promise<void>((resolve, reject) => {
          worker.once('message', (message: unknown) => (message === 'ready' ? resolve() : reject(new Error(String(message)))));
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`GemmPool: helper ${index} exited (code ${code}) before it was ready`)));
        });
        worker.removeAllListeners('exit');
        worker.removeAllListeners('error');
        worker.on('error', () => undefined);
        worker.unref();
      }
    } catch (error) {
      await Promise.all(helpers.map((w) => w.terminate()));
      ports.forEach((p) => p.close());
      throw error;
    }
    ports.forEach((p) => p.unref());
    if (helpers.length > 0) poolsWithHelpers.add(arena);
    return new GemmPool(arena, gemm, helpers, ports, options.callerTakesChunks ?? true, options.minParallelWork ?? PARALLEL_MIN_MULTIPLY_ADDS,
      options.stallMs ?? HELPER_STALL_MS);
  }

  /**
   * y = x · W + b for a weight in the arena. Shapes: x [n, in]; W [in, out] ('in-out', Conv1D)
   * or [out, in] ('out-in', nn.Linear); bias [out] → y [n, out].
   */
  linear(x: Matrix, w: ResidentTensor, layout: WeightLayout, bias?: Float32Array, activation?: Activation): Matrix {
    const [rows, cols] = w.shape as [number, number];
    const [inWidth, outWidth] = layout === 'in-out' ? [rows, cols] : [cols, rows];
    if (w.shape.length !== 2 || x.cols !== inWidth) {
      throw new RangeError(`linear: x is ${x.rows}×${x.cols}, W is ${w.shape.join('×')} (${layout}); widths differ`);
    }
    if (bias && bias.length !== outWidth) throw new RangeError(`linear: bias has ${bias.length} values, expected ${outWidth}`);
    return this.product(x.data, x.rows, inWidth, w, outWidth, layout === 'out-in', bias, activation);
  }

  /**
   * C[n, m] = A[n, k] · op(B) + bias, op(B) = B [k, m] or, with transB, Bᵀ of B [m, k]; B a tensor
   * in the arena or plain floats; then C ← activation(C) when one is given. Returns a new matrix
   * (the workspace is reused by the next call).
   */
  product(a: Float32Array, n: number, k: number, b: Operand, m: number, transB: boolean, bias?: Float32Array, activation?: Activation): Matrix {
    if (this.closed) throw new Error('GemmPool: closed');
    if (this.stalled) throw new Error('GemmPool: unusable since a helper thread stopped in the middle of a product');
    if (a.length !== n * k) throw new RangeError(`product: A has ${a.length} values, expected ${n}×${k}`);
    const bLength = b instanceof Float32Array ? b.length : b.length;
    if (bLength !== k * m) throw new RangeError(`product: B has ${bLength} values, expected ${k}×${m}`);
    const out = new Float32Array(n * m);
    if (n === 0 || m === 0) return matrix(n, m, out);
    if (k === 0) {
      if (bias) for (let i = 0; i < n; i++) out.set(bias, i * m);
      if (activation) applyActivation(out, activation);
      return matrix(n, m, out);
    }
    // Workspace: [bias ⌈m/8⌉·8][A n·k][C n·m][B k·m when plain floats]
    const biasBytes = align64(Math.ceil(m / 8) * 8 * 4), aBytes = align64(n * k * 4), cBytes = align64(n * m * 4);
    const plainB = b instanceof Float32Array;
    const base = this.arena.workspace(biasBytes + aBytes + cBytes + (plainB ? align64(k * m * 4) : 0));
    const buffer = this.arena.buffer;
    const floats = new Float32Array(buffer);
    const biasAt = base, aAt = base + biasBytes, cAt = aAt + aBytes, bAt = cAt + cBytes;
    floats.fill(0, biasAt / 4, biasAt / 4 + biasBytes / 4);
    if (bias) floats.set(bias, biasAt / 4);
    floats.set(a, aAt / 4);
    if (plainB) floats.set(b, bAt / 4);
    const op: GemmOperands = {
      a: aAt, b: plainB ? bAt : b.byteOffset, c: cAt, bias: biasAt, n, k, m, transB, dtype: plainB ? 'f32' : b.dtype,
    };
    this.run(op, activation);
    out.set(floats.subarray(cAt / 4, cAt / 4 + n * m));
    return matrix(n, m, out);
  }

  private run(op: GemmOperands, activation: Activation | undefined): void {
    const threads = this.liveThreads;
    if (threads === 1 || (this.callerTakesChunks && op.n * op.k * op.m < this.minParallelWork)) {
      this.gemm.gemmRange(op, 0, op.m, scratchOf(0));
      if (activation) activateColumns(this.gemm, this.arena.memory, op, 0, op.m, activation);
      Atomics.add(this.ctl, CTL.RAN, 1);
      return;
    }
    const width = Math.max(64, Math.ceil(op.m / (6 * threads) / 8) * 8);
    const chunks = Math.ceil(op.m / width);
    const generation = this.publish(0, [op.a, op.b, op.c, op.bias, op.n, op.k, op.m, op.transB ? 1 : 0, DTYPE_CODES.indexOf(op.dtype), width, chunks,
      activation ? ACTIVATIONS.indexOf(activation) : -1]);
    if (this.callerTakesChunks) runChunks(this.ctl, generation, this.gemm, op, width, chunks, 0, this.arena.memory, activation);
    this.waitFor(chunks);
  }

  /** Writes a job's parameters, calls `announce` with its generation, then wakes the helpers; returns the generation. */
  private publish(kind: number, params: readonly number[], announce?: (generation: number) => void): number {
    const ctl = this.ctl;
    const generation = (this.generation = (this.generation + 1) & 0x7fff);
    announce?.(generation);
    ctl[CTL.KIND] = kind;
    params.forEach((value, i) => (ctl[CTL.PARAMS + i] = value));
    Atomics.store(ctl, CTL.DONE, 0);
    Atomics.store(ctl, CTL.CLAIM, generation << 16);
    Atomics.store(ctl, CTL.GEN, generation);
    Atomics.notify(ctl, CTL.GEN);
    return generation;
  }

  /** Blocks until `chunks` chunks of the current job are done. */
  private waitFor(chunks: number): void {
    const ctl = this.ctl;
    let progress = -1, since = Date.now();
    for (let done = Atomics.load(ctl, CTL.DONE); done < chunks; done = Atomics.load(ctl, CTL.DONE)) {
      if (Atomics.load(ctl, CTL.FAILED) !== 0) {
        this.lostHelper = true;
        throw new Error('GemmPool: a helper thread failed while computing a product; later products run on this thread alone');
      }
      if (done !== progress) [progress, since] = [done, Date.now()];
      else if (Date.now() - since > this.stallMs) {
        // This thread is blocked, so the helper's 'exit' event cannot arrive; a dead helper looks
        // like this. One still alive may yet write to the workspace, so the pool takes no more work.
        this.stalled = true;
        throw new Error(`GemmPool: no helper thread finished its part for ${(this.stallMs / 1000).toFixed(this.stallMs < 10_000 ? 1 : 0)} s (a helper stopped?); the pool is set aside and the work runs on one thread`);
      }
      Atomics.wait(ctl, CTL.DONE, done, Math.min(1000, this.stallMs));
    }
  }

  /**
   * A layer's attention heads over this thread and the helpers (see the contract): every query
   * head's scores, weights [n, n] and context [n, D], in head order, as fresh arrays; undefined
   * when one thread would do as well (no helper, tiny heads) or the workspace would be too big.
   */
  attentionHeads(q: Matrix, k: Matrix, v: Matrix, spec: AttentionSpec): HeadResult[] | undefined {
    if (!this.usable || this.liveThreads === 1) return undefined;
    checkAttention(q, k, v, spec);
    const { heads: H, kvHeads: KV, headDim: D } = spec;
    const n = q.rows;
    if (n * n * D * H < this.minParallelWork) return undefined;
    const qBytes = align64(n * H * D * 4), kvBytes = align64(n * KV * D * 4);
    if (qBytes + 2 * kvBytes > ATTENTION_MAX_WORKSPACE) return undefined;
    const base = this.arena.workspace(qBytes + 2 * kvBytes);
    const qAt = base, kAt = qAt + qBytes, vAt = kAt + kvBytes;
    const floats = new Float32Array(this.arena.buffer);
    floats.set(q.data, qAt / 4);
    floats.set(k.data, kAt / 4);
    floats.set(v.data, vAt / 4);
    new Float64Array(this.arena.buffer, SCALE_BYTE, 1)[0] = spec.scale;
    const values: Record<(typeof ATTENTION_PARAMS)[number], number> = {
      q: qAt, k: kAt, v: vAt, n, heads: H, kvHeads: KV, headDim: D, causal: spec.causal ? 1 : 0,
      window: spec.window ?? -1, chunks: H,
    };
    // Fresh zeros for the heads' results, which the caller keeps (see the contract).
    if (H * headFloats(n, D) * 4 > ATTENTION_MAX_OUTPUT_BYTES) return undefined;
    const output = new SharedArrayBuffer(H * headFloats(n, D) * 4);
    const targets = Array.from({ length: H }, (_, h) => headTarget(output, n, D, h));
    const generation = this.publish(1, ATTENTION_PARAMS.map((name) => values[name]), (upcoming) => {
      for (const port of this.ports) port.postMessage({ generation: upcoming, buffer: output } satisfies AttentionOutput);
    });
    if (this.callerTakesChunks) claimEach(this.ctl, generation, H, 0, (h) => attendHeadOf(q, k, v, h, spec, targets[h]!));
    this.waitFor(H);
    return targets.map((t) => ({ scores: matrix(n, n, t.scores), weights: matrix(n, n, t.weights), context: matrix(n, D, t.context) }));
  }

  /** Stops the helpers; later products throw. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.ctl, CTL.STOP, 1);
    Atomics.add(this.ctl, CTL.GEN, 1);
    Atomics.notify(this.ctl, CTL.GEN);
    await Promise.all(this.helpers.map((w) => w.terminate()));
    this.ports.forEach((p) => p.close());
    if (this.helpers.length > 0) poolsWithHelpers.delete(this.arena);
  }
}

/** Bytes a tensor of this dtype and shape takes in the arena (without alignment). */
export function tensorBytes(dtype: WeightDtype, shape: readonly number[]): number {
  return shape.reduce((x, y) => x * y, 1) * DTYPE_BYTES[dtype];
}
