/**
 * One model engine behind a request handler: the worker (worker.ts) runs it on its thread, and
 * the client (client.ts) runs the very same code in-process when the worker bundle is missing
 * (unit tests from sources). No vscode import.
 *
 * A pass request reports its progress to `progress`, and stops when `passes[PASS_SLOT]` (written
 * by the client, see workerProtocol.ts) names a newer pass than its own.
 */
import type { TensorAllocator } from '../../model/checkpoint';
import type { ModelPassProgress } from '../../shared/modelView';
import { ModelEngine, type PassControl } from './engine';
import { PASS_SLOT, type EngineReplies, type EngineRequest } from './workerProtocol';

export interface ParallelSetup {
  /** loadModel's allocator placing weights where the second thread's GEMM reads them. */
  readonly allocator?: TensorAllocator;
  readonly threads: number;
}

export class EngineHandler {
  private engine: ModelEngine | undefined;

  /** `parallel` (optional) is asked once per load for an allocator (the GEMM pool's arena). */
  constructor(
    private readonly parallel?: () => Promise<ParallelSetup | undefined>,
    private readonly passes?: Int32Array,
  ) {}

  async handle(request: EngineRequest, progress?: (progress: ModelPassProgress) => void): Promise<EngineReplies[EngineRequest['op']]> {
    const passes = this.passes;
    const control = (pass: number): PassControl => ({
      pass,
      progress,
      // A newer pass number in the slot: this pass's result would be dropped, so it stops.
      superseded: passes ? () => Atomics.load(passes, PASS_SLOT) > pass : undefined,
    });
    switch (request.op) {
      case 'load': {
        const started = performance.now();
        const setup = await this.parallel?.().catch(() => undefined);
        this.engine = ModelEngine.load(request.dir, request.name, setup?.allocator ? { allocator: setup.allocator } : {});
        return { info: this.engine.info, loadMs: performance.now() - started, threads: setup?.threads ?? 1 };
      }
      case 'run':
        return this.require().runText(request.text, request.state, control(request.pass));
      case 'snapshot':
        return this.require().snapshot(request.state);
      case 'focus':
        return { focus: this.require().focus(request.state), neuron: this.require().neuron(request.state) };
      case 'neuron':
        return this.require().neuron(request.state);
      case 'rollout':
        return this.require().rollout(request.state);
      case 'layerHeads':
        return this.require().layerHeads(request.layer, request.state);
      case 'rerun':
        return this.require().rerun(request.state, control(request.pass));
      case 'append':
        return this.require().appendToken(request.id, request.state, control(request.pass));
      case 'stackJson':
        return this.require().stackJson();
      default: {
        const never: never = request;
        throw new Error(`unknown model request ${JSON.stringify(never)}`);
      }
    }
  }

  private require(): ModelEngine {
    if (!this.engine) throw new Error('No model is loaded: run “Headlight: Open Model…”.');
    return this.engine;
  }
}
