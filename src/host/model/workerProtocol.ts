/**
 * What the extension host and the model worker (worker.ts) say to each other. Internal to
 * src/host/model (both ends are ours and start together), so no validation table: the shapes are
 * checked by the compiler on both sides.
 */
import type { LayerHeadsView, ModelFocusView, ModelInfo, ModelSnapshot, NeuronView, RolloutView } from '../../shared/modelView';
import type { ViewState } from './engine';

export type EngineRequest =
  | { readonly op: 'load'; readonly dir: string; readonly name: string }
  | { readonly op: 'run'; readonly text: string; readonly state: ViewState }
  | { readonly op: 'snapshot'; readonly state: ViewState }
  | { readonly op: 'rerun'; readonly state: ViewState }
  | { readonly op: 'focus'; readonly state: ViewState }
  | { readonly op: 'neuron'; readonly state: ViewState }
  | { readonly op: 'rollout'; readonly state: ViewState }
  | { readonly op: 'layerHeads'; readonly layer: number; readonly state: ViewState }
  | { readonly op: 'stackJson' }
  | { readonly op: 'append'; readonly id: number; readonly state: ViewState };

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
