/**
 * One model engine behind a request handler: the worker (worker.ts) runs it on its thread, and
 * the client (client.ts) runs the very same code in-process when the worker bundle is missing
 * (unit tests from sources). No vscode import.
 */
import type { TensorAllocator } from '../../model/checkpoint';
import { ModelEngine } from './engine';
import type { EngineReplies, EngineRequest } from './workerProtocol';

export interface ParallelSetup {
  /** loadModel's allocator placing weights where the second thread's GEMM reads them. */
  readonly allocator?: TensorAllocator;
  readonly threads: number;
}

export class EngineHandler {
  private engine: ModelEngine | undefined;

  /** `parallel` (optional) is asked once per load for an allocator (the GEMM pool's arena). */
  constructor(private readonly parallel?: () => Promise<ParallelSetup | undefined>) {}

  async handle(request: EngineRequest): Promise<EngineReplies[EngineRequest['op']]> {
    switch (request.op) {
      case 'load': {
        const started = performance.now();
        const setup = await this.parallel?.().catch(() => undefined);
        this.engine = ModelEngine.load(request.dir, request.name, setup?.allocator ? { allocator: setup.allocator } : {});
        return { info: this.engine.info, loadMs: performance.now() - started, threads: setup?.threads ?? 1 };
      }
      case 'run':
        return this.require().runText(request.text, request.state);
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
        return this.require().rerun(request.state);
      case 'append':
        return this.require().appendToken(request.id, request.state);
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
