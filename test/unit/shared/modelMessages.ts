/**
 * One well-formed model message of every type (src/shared/protocol/model.ts), built from what the
 * model source really sends: src/host/model/engine.ts run on the committed GPT-2 and BERT fixture
 * checkpoints (test/fixtures/models/).
 */
import * as path from 'node:path';
import { DEFAULT_VIEW_STATE, ModelEngine } from '../../../src/host/model/engine';
import type { ModelFromPanelMessage, ModelToPanelMessage } from '../../../src/shared/protocol';
import type { ModelPassProgress, ModelSnapshot } from '../../../src/shared/modelView';

const MODELS = path.join(__dirname, '..', '..', 'fixtures', 'models');

const engines = new Map<string, ModelEngine>();

export function fixtureEngine(name: 'gpt2' | 'bert'): ModelEngine {
  let engine = engines.get(name);
  if (!engine) {
    engine = ModelEngine.load(path.join(MODELS, name));
    engines.set(name, engine);
  }
  return engine;
}

export function gpt2Snapshot(text = 'The cat sat on the mat.'): ModelSnapshot {
  return fixtureEngine('gpt2').runText(text, { ...DEFAULT_VIEW_STATE, layer: 1, head: 1 });
}

export function goodModelToPanel(): { readonly [K in ModelToPanelMessage['type']]: Extract<ModelToPanelMessage, { type: K }> } {
  const engine = fixtureEngine('gpt2');
  const state = { ...DEFAULT_VIEW_STATE, layer: 1, head: 1 };
  const parts: ModelPassProgress[] = [];
  const snapshot = engine.runText('The cat sat on the mat.', state, { pass: 4, progress: (p) => parts.push(p) });
  const start = parts.find((p): p is Extract<ModelPassProgress, { kind: 'start' }> => p.kind === 'start')!.start;
  const layers = parts.find((p): p is Extract<ModelPassProgress, { kind: 'layers' }> => p.kind === 'layers')!.layers;
  return {
    modelSnapshot: { type: 'modelSnapshot', snapshot, timings: { command: 1.7e12, computed: 1.7e12 + 12 } },
    modelStart: { type: 'modelStart', start },
    modelLayers: { type: 'modelLayers', layers },
    modelComplete: { type: 'modelComplete', pass: 4, rollout: snapshot.rollout, predictions: snapshot.predictions, timings: snapshot.timings },
    modelFocus: { type: 'modelFocus', focus: engine.focus({ ...state, head: 0 }), neuron: engine.neuron({ ...state, head: 0 }) },
    modelNeuron: { type: 'modelNeuron', neuron: engine.neuron({ ...state, query: 2 }) },
    modelRollout: { type: 'modelRollout', rollout: engine.rollout({ ...state, rolloutUpTo: 0 }) },
    modelLayerHeads: { type: 'modelLayerHeads', heads: engine.layerHeads(0, state) },
    highlightToken: { type: 'highlightToken', unit: 3 },
  };
}

export const GOOD_MODEL_FROM_PANEL: { readonly [K in ModelFromPanelMessage['type']]: Extract<ModelFromPanelMessage, { type: K }> } = {
  focusModelHead: { type: 'focusModelHead', layer: 1, head: 0 },
  selectModelQuery: { type: 'selectModelQuery', token: 2 },
  setRolloutLayer: { type: 'setRolloutLayer', upTo: 1 },
  requestLayerHeads: { type: 'requestLayerHeads', layer: 0 },
  setModelViewOptions: { type: 'setModelViewOptions', options: { hideSpecial: true, renormalize: false, aggregate: 'words' } },
  hoverToken: { type: 'hoverToken', unit: null },
  appendToken: { type: 'appendToken', id: 42 },
};
