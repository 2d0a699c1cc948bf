/**
 * The model engine on every core, assembled: weights read straight into a WeightArena (shared
 * memory), applyLinear's products (src/core/models/linear.ts) run by a GemmPool over them, and
 * each layer's attention heads (src/core/blocks/groupedQueryAttention.ts) shared between threads.
 *
 * Contract:
 *   const engine = await ParallelEngine.start(options)     starts the helper thread(s)
 *   loadModel(dir, { allocator: engine.allocator })         weights land in the arena
 *   const restore = engine.install()                        applyLinear and attention now run on the pool
 *   forward(model, ids) …                                   synchronous, as before
 *   restore(); await engine.close()
 * The kernel takes only weights that live in this engine's arena (and declines others, which then
 * run on linalg as before), so installing it never changes which numbers a model computes beyond
 * the summation order of the GEMM (float32, see sharedGemm.ts). The caller runs the forward pass
 * off the extension host's thread: the pool blocks its thread while a product runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Activation } from '../../core/blocks/activations';
import { setAttentionKernel, type AttentionKernel, type AttentionSpec, type HeadResult } from '../../core/blocks/groupedQueryAttention';
import type { Matrix } from '../../core/types';
import { setLinearKernel, isStoredWeight, type LinearKernel } from '../../core/models/linear';
import type { LinearWeight, WeightDtype } from '../../core/models/types';
import type { TensorAllocator } from '../checkpoint';
import { WeightArena, type ResidentTensor } from './arena';
import { GemmPool, type GemmPoolOptions } from './gemmPool';

export { WeightArena } from './arena';
export { GemmPool, type GemmPoolOptions } from './gemmPool';

/** The GEMM helper's bundle (dist/gemmWorker.js) in `dir`, when the build put one there; else undefined (one thread). */
export function gemmWorkerBeside(dir: string): string | undefined {
  const file = path.join(dir, 'gemmWorker.js');
  return fs.existsSync(file) ? file : undefined;
}

export class ParallelEngine implements LinearKernel, AttentionKernel {
  /** Arrays handed out by `allocator`, and where each lives in the arena. */
  private readonly placed = new WeakMap<Float32Array | Uint16Array, ResidentTensor>();

  private constructor(
    readonly arena: WeightArena,
    readonly pool: GemmPool,
  ) {}

  static async start(options: GemmPoolOptions = {}): Promise<ParallelEngine> {
    const arena = new WeightArena();
    return new ParallelEngine(arena, await GemmPool.create(arena, options));
  }

  /** loadModel's allocator: each tensor gets a place in the arena and a view of it. */
  readonly allocator: TensorAllocator = (dtype: WeightDtype, length: number) => {
    const tensor = this.arena.allocate(dtype, [length]);
    const view = dtype === 'f32' ? this.arena.floatsOf(tensor) : this.arena.bitsOf(tensor);
    this.placed.set(view, tensor);
    return view;
  };

  /** Makes applyLinear use this engine; returns the function that puts the previous kernel back. */
  install(): () => void {
    const previous = setLinearKernel(this), previousAttention = setAttentionKernel(this);
    return () => {
      setLinearKernel(previous);
      setAttentionKernel(previousAttention);
    };
  }

  heads(q: Matrix, k: Matrix, v: Matrix, spec: AttentionSpec): readonly HeadResult[] | undefined {
    return this.pool.attentionHeads(q, k, v, spec); // undefined from a pool set aside, too
  }

  linear(x: Matrix, w: LinearWeight, activation?: Activation): Matrix | undefined {
    const weight = w.weight;
    const placed = this.placed.get(weight.data);
    // A pool set aside after a stalled helper: the core multiplies the arena's weights itself.
    if (!placed || !this.pool.usable) return undefined;
    const layout = isStoredWeight(weight) ? weight.layout : 'out-in';
    const shape = layout === 'out-in' ? [weight.rows, weight.cols] : [weight.cols, weight.rows];
    return this.pool.linear(x, { ...placed, shape }, layout, w.bias, activation);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
