/**
 * What the extension host and the model worker (worker.ts) say to each other. Internal to
 * src/host/model (both ends are ours and start together), so no validation table: the shapes are
 * checked by the compiler on both sides.
 *
 * A forward pass (run, rerun, append) carries its `pass` number and answers in parts: progress
 * messages (WorkerProgress: the pass's start, then its layers) before its answer. The newest pass
 * asked for is also written into a shared Int32Array (PASS_SLOT of the worker's workerData
 * `passes`), which a running pass reads between layers to stop when superseded.
 */
import type { LayerHeadsView, ModelFocusView, ModelInfo, ModelPassProgress, ModelSnapshot, NeuronView, RolloutView } from '../../shared/modelView';
import type { ViewState } from './engine';

export type EngineRequest =
  | { readonly op: 'load'; readonly dir: string; readonly name: string }
  | { readonly op: 'run'; readonly text: string; readonly state: ViewState; readonly pass: number }
  | { readonly op: 'snapshot'; readonly state: ViewState }
  | { readonly op: 'rerun'; readonly state: ViewState; readonly pass: number }
  | { readonly op: 'focus'; readonly state: ViewState }
  | { readonly op: 'neuron'; readonly state: ViewState }
  | { readonly op: 'rollout'; readonly state: ViewState }
  | { readonly op: 'layerHeads'; readonly layer: number; readonly state: ViewState }
  | { readonly op: 'stackJson' }
  | { readonly op: 'append'; readonly id: number; readonly state: ViewState; readonly pass: number };

/** The requests that are forward passes (and so report progress and can be superseded). */
export type PassRequest = Extract<EngineRequest, { readonly pass: number }>;

export function isPassRequest(request: EngineRequest): request is PassRequest {
  return request.op === 'run' || request.op === 'rerun' || request.op === 'append';
}

/** Index, in the shared Int32Array `passes`, of the newest pass asked for. */
export const PASS_SLOT = 0;

export interface EngineReplies {
  load: { readonly info: ModelInfo; readonly loadMs: number; readonly threads: number };
  run: ModelSnapshot;
  snapshot: ModelSnapshot;
  rerun: ModelSnapshot;
  focus: { readonly focus: ModelFocusView; readonly neuron: NeuronView };
  neuron: NeuronView;
  rollout: RolloutView;
  layerHeads: LayerHeadsView;
  stackJson: readonly string[];
  append: ModelSnapshot;
}

export type EngineOp = EngineRequest['op'];

export interface WorkerEnvelope {
  readonly id: number;
  readonly request: EngineRequest;
}

export type WorkerAnswer =
  | { readonly id: number; readonly ok: true; readonly value: unknown; readonly ms: number }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly name: string };

/** A part of request `id`'s answer, before the answer itself. */
export interface WorkerProgress {
  readonly id: number;
  readonly progress: ModelPassProgress;
}

export type WorkerMessage = WorkerAnswer | WorkerProgress;
