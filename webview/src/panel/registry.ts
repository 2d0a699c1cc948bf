/**
 * The attention panel's views, in page order. A new view is one module under views/ and one
 * line here. Views of one source hide themselves under the other: the embeddings' (tokens, plot,
 * projections) under a model, the model's (modelTokens, model, predictions, neuron, headLines,
 * rollout) under embeddings; the rest draw the focused head of either.
 */
import type { PanelViewFactory } from './view';
import { tokensView } from './views/tokens';
import { unknownWordsOfferView } from './views/unknownWordsOffer';
import { heatmapView } from './views/heatmap';
import { allHeadsView } from './views/allHeads';
import { softmaxView } from './views/softmax';
import { tokenLinesView } from './views/tokenLines';
import { plotView } from './views/plot';
import { projectionsView } from './views/projections';
import { modelTokensView } from './views/modelTokens';
import { modelGridView } from './views/modelGrid';
import { predictionsView } from './views/predictions';
import { neuronView } from './views/neuron';
import { headLinesView } from './views/headLines';
import { rolloutView } from './views/rollout';

export interface RegisteredView {
  /** Names the view in timing laps. */
  readonly name: string;
  readonly create: PanelViewFactory;
}

export const PANEL_VIEWS: readonly RegisteredView[] = [
  { name: 'unknownWords', create: unknownWordsOfferView },
  { name: 'tokens', create: tokensView },
  { name: 'modelTokens', create: modelTokensView },
  { name: 'model', create: modelGridView },
  { name: 'heatmap', create: heatmapView },
  { name: 'predictions', create: predictionsView },
  { name: 'heads', create: allHeadsView },
  { name: 'softmax', create: softmaxView },
  { name: 'neuron', create: neuronView },
  { name: 'headLines', create: headLinesView },
  { name: 'lines', create: tokenLinesView },
  { name: 'rollout', create: rolloutView },
  { name: 'plot', create: plotView },
  { name: 'projections', create: projectionsView },
];
