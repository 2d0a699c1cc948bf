/**
 * What a view of the attention panel is, and what it gets to work with.
 *
 * The controller (controller.ts) owns the state — a copy of what the host sent — and tells every
 * registered view what changed; a view draws from the state and posts what the user does through
 * the context. A view is one module exporting a `PanelViewFactory`, listed once in registry.ts.
 */
import type { Palette } from '../colour';
import type { ExportPiece } from '../exportImage';
import type { WhenVisible } from '../whenVisible';
import type { ChartId, FromPanelMessage, PanelSnapshot, PlotView, Projection, RowView, UnknownWordsOffer, WeightsMessage } from '../../../src/shared/protocol';
import type { DenseMatrix } from '../../../src/shared/wire';
import type { LayerHeadsView, LayerThumbs, ModelFocusView, ModelSnapshot, NeuronView, PredictionsView, RolloutView } from '../../../src/shared/modelView';

/** The focused head, decoded from the wire. */
export interface DecodedHead {
  readonly index: number;
  /** Absent for a model's units when they are words or hide specials (no score per unit). */
  readonly scores: DenseMatrix | undefined;
  readonly weights: DenseMatrix;
}

/**
 * A real model's result and what changed since (src/shared/modelView.ts); while its pass runs
 * (progressive paint: modelStart, modelLayers, modelComplete), the layers computed so far.
 */
export interface ModelPicture {
  /** What a pass's start already says: the model, the text, the tokens, the options, the units. */
  readonly snapshot: Pick<ModelSnapshot, 'model' | 'text' | 'tokens' | 'options' | 'units'>;
  /** The pass being painted (undefined: the picture came whole, as a modelSnapshot). */
  readonly pass: number | undefined;
  /** Layers 0…thumbs.length − 1 (all of them once complete). */
  readonly thumbs: readonly LayerThumbs[];
  /** Undefined until the pass is complete (they need every layer). */
  readonly predictions: PredictionsView | undefined;
  readonly rollout: RolloutView | undefined;
  readonly timings: ModelSnapshot['timings'] | undefined;
  readonly complete: boolean;
  readonly focus: ModelFocusView;
  readonly neuron: NeuronView;
  /** Every head of one layer over units, once the head view asked for it. */
  readonly layerHeads: LayerHeadsView | undefined;
  /** The tokens' readable forms (displayToken of ModelToken.text), index = token. */
  readonly tokenLabels: readonly string[];
}

/** A copy of what the host sent; only the controller writes it. */
export interface PanelState {
  /** The picture over embeddings (lesson, random projections, a weights file)… */
  readonly snapshot: PanelSnapshot | undefined;
  /** …or over a real model: at most one of the two is set. */
  readonly model: ModelPicture | undefined;
  /**
   * The rows and columns every matrix view draws, as people see them (displayToken): the
   * snapshot's tokens, or a model's units (tokens, or words; specials possibly hidden).
   */
  readonly shownTokens: readonly string[];
  /** What the softmax's query picker lists: the tokens (a model's softmax is per token, not unit). */
  readonly queryTokens: readonly string[];
  /** The row of shownTokens whose softmax is shown (-1: none, e.g. its unit is hidden). */
  readonly selectedUnit: number;
  /** "head 2", or "L3 H5" for a model. */
  readonly focusName: string;
  /** Heads of the picture (of one layer for a model). */
  readonly headCount: number;
  /** Counts snapshots, so a view can tell a new picture from a new head of the same one. */
  readonly serial: number;
  readonly head: DecodedHead | undefined;
  readonly row: RowView | undefined;
  readonly projection: Projection;
  /** The latest `plot` message (another projection), if any since the snapshot. */
  readonly plotView: PlotView | undefined;
  readonly printValuesUpTo: number;
  readonly weightsLabel: string;
  /** The focused head's projection slices, once the host answered `requestWeights`. */
  readonly weights: WeightsMessage | undefined;
  /** The token highlighted from elsewhere (the editor's cursor, a hover in another view), or -1. */
  readonly highlighted: number;
  /** What the host offers for the snapshot's unknown words (sent after it), if anything. */
  readonly unknownWords: UnknownWordsOffer | undefined;
}

/**
 * What changed, in the order a message can change it: `snapshot` is a whole new picture (every
 * view redraws), `head` a new focused head (and its row), `row` a new query row, `plot` a new
 * projection, `weights` the focused head's W slices, `rollout` a model's rollout depth,
 * `layerHeads` a model layer's heads for the head view, `layers` more layers of a model's pass
 * (its thumbnails), `complete` the pass's end (predictions, rollout), `highlight` the highlighted token,
 * `palette` the theme, `unknownWords` the offer for the snapshot's unknown words.
 */
export type PanelChange = 'snapshot' | 'head' | 'row' | 'plot' | 'weights' | 'rollout' | 'layerHeads' | 'layers' | 'complete' | 'highlight' | 'palette' | 'unknownWords';

/** A PNG export of one chart: its title and the pieces composed under it. */
export interface ExportPicture {
  readonly title: string;
  readonly pieces: readonly ExportPiece[];
}

export interface PanelContext {
  readonly state: PanelState;
  readonly palette: Palette;
  post(message: FromPanelMessage): void;
  /** Ask the host for another query row of shownTokens (nothing if it is the selected one). */
  selectRow(row: number): void;
  /** Ask the host for another query token of queryTokens (the softmax's picker, the neuron view). */
  selectQuery(token: number): void;
  /** Ask the host to focus another head of the picture (of the focused layer for a model). */
  focusHead(head: number): void;
  /** A model's (layer, head). */
  focusModelHead(layer: number, head: number): void;
  /** Highlight a row of shownTokens in every view, or none (-1); a model's host highlights its editor range. */
  highlightToken(index: number): void;
  /** Export a chart as PNG (a section's PNG button). */
  exportChart(chart: ChartId): void;
  /** Drawing that waits until its section scrolls near the viewport. */
  readonly belowTheFold: WhenVisible;
  /** A timing line for the Headlight log (shown at Debug level). */
  debugLog(message: string): void;
}

export interface PanelView {
  /** The view's element: a section under the views, or a strip above them (`place: 'input'`). */
  readonly element: HTMLElement;
  readonly place?: 'input' | 'views';
  /** Redraw for what changed (see PanelChange); the state is already the new one. */
  update(change: PanelChange): void;
  /** The charts this view exports as PNG. */
  readonly charts?: readonly ChartId[];
  exportPicture?(chart: ChartId): Promise<ExportPicture> | ExportPicture;
}

export type PanelViewFactory = (context: PanelContext) => PanelView;
