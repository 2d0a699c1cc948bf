/**
 * The attention panel's views, in page order. A new view is one module under views/ and one
 * line here.
 */
import type { PanelViewFactory } from './view';
import { tokensView } from './views/tokens';
import { heatmapView } from './views/heatmap';
import { allHeadsView } from './views/allHeads';
import { softmaxView } from './views/softmax';
import { tokenLinesView } from './views/tokenLines';
import { plotView } from './views/plot';
import { projectionsView } from './views/projections';

export interface RegisteredView {
  /** Names the view in timing laps. */
  readonly name: string;
  readonly create: PanelViewFactory;
}

export const PANEL_VIEWS: readonly RegisteredView[] = [
  { name: 'tokens', create: tokensView },
  { name: 'heatmap', create: heatmapView },
  { name: 'heads', create: allHeadsView },
  { name: 'softmax', create: softmaxView },
  { name: 'lines', create: tokenLinesView },
  { name: 'plot', create: plotView },
  { name: 'projections', create: projectionsView },
];
