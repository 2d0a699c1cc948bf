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
import type { ChartId, FromPanelMessage, PanelSnapshot, PlotView, Projection, RowView, WeightsMessage } from '../../../src/shared/protocol';
import type { DenseMatrix } from '../../../src/shared/wire';

/** The focused head, decoded from the wire. */
export interface DecodedHead {
  readonly index: number;
  readonly scores: DenseMatrix;
  readonly weights: DenseMatrix;
}

/** A copy of what the host sent; only the controller writes it. */
export interface PanelState {
  readonly snapshot: PanelSnapshot | undefined;
  /** The snapshot's tokens as people see them (displayToken): what every view and chart shows. */
  readonly shownTokens: readonly string[];
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
}

/**
 * What changed, in the order a message can change it: `snapshot` is a whole new picture (every
 * view redraws), `head` a new focused head (and its row), `row` a new query row, `plot` a new
 * projection, `weights` the focused head's W slices, `highlight` the highlighted token, `palette`
 * the theme.
 */
export type PanelChange = 'snapshot' | 'head' | 'row' | 'plot' | 'weights' | 'highlight' | 'palette';

/** A PNG export of one chart: its title and the pieces composed under it. */
export interface ExportPicture {
  readonly title: string;
  readonly pieces: readonly ExportPiece[];
}

export interface PanelContext {
  readonly state: PanelState;
  readonly palette: Palette;
  post(message: FromPanelMessage): void;
  /** Ask the host for another query row (nothing if it is the selected one). */
  selectRow(row: number): void;
  /** Ask the host to focus another head (nothing if it is the focused one). */
  focusHead(head: number): void;
  /** Highlight a token in every view, or none (-1); says so to the host (hoverToken) too. */
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
