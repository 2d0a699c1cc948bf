/**
 * The attention panel's script. It draws what the host computed and sends back what the user
 * does; it computes nothing itself. State that must survive the panel being hidden or the window
 * reloading is the host's (ready → init) plus `setState` for the serializer.
 *
 * DOM contract for the end-to-end tests (test/e2e): #app[data-state], [data-testid="token"],
 * [data-testid="oov"], [data-testid="softmax-line"], [data-testid="weights-table"] td[data-row]
 * [data-col][data-value], canvas[data-testid="heatmap"][data-painted], [data-testid="head-thumb"]
 * [data-head][aria-selected], and #app[data-timings] (the milestones of the last picture, JSON).
 */
// First: opens the channel and says `ready` before the modules below are evaluated.
import { channel, readyPosted, scriptStarted } from './panelChannel';
import { readPalette, watchTheme } from './theme';
import { lastReceipt } from './vscodeApi';
import { fixed, h } from './dom';
import { Controls } from './controls';
import { HeatmapView } from './heatmap';
import { ThumbGrid } from './thumbs';
import { SoftmaxView } from './softmax';
import { TokenLinesView } from './tokenLines';
import { EmbeddingPlotView } from './plot';
import { WeightsView } from './weightsView';
import { WhenVisible } from './whenVisible';
import { loadChartJs } from './charts';
import { importBeside } from './lazy';
import { composePng, type ExportPiece } from './exportImage';
import { toCss, type Palette } from './colour';
import {
  assertNever,
  epochMs,
  readBoot,
  type ChartId,
  type ExportFormat,
  type FromPanelMessage,
  type HeadView,
  type MatrixId,
  type PanelOptions,
  type PanelSnapshot,
  type PlotView,
  type Projection,
  type RowView,
  type ToPanelMessage,
} from '../../src/shared/protocol';
import { fromWire, type DenseMatrix } from '../../src/shared/wire';
import { displayToken, visibleControls } from '../../src/shared/displayToken';

const TABLE_LIMIT = 32;
/** When the later bundles load even if no picture came (see loadLaterBundles). */
const LATER_BUNDLES_AT_THE_LATEST_MS = 1000;
let laterBundlesRequested = false;

const post = (message: FromPanelMessage): void => channel.post(message);

const app = document.getElementById('app') ?? document.body.appendChild(h('div', { attrs: { id: 'app' } }));
let palette: Palette = readPalette();

// ---------------------------------------------------------------------------------------------
// State (a copy of what the host sent; the host owns it)
// ---------------------------------------------------------------------------------------------

let snapshot: PanelSnapshot | undefined;
/** The snapshot's tokens as people see them (displayToken): what every view and chart shows. */
let shownTokens: readonly string[] = [];
let snapshotSerial = 0;
let head: { index: number; scores: DenseMatrix; weights: DenseMatrix } | undefined;
let row: RowView | undefined;
let projection: Projection = { kind: 'pca' };
let printValuesUpTo = 16;
let currentWeightsLabel = '';

// ---------------------------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------------------------

const controls = new Controls(
  (options: PanelOptions) => post({ type: 'setOptions', options }),
  () => post({ type: 'pickWeightsFile' }),
);
controls.progress.hidden = true;

const banner = h('div', { className: 'banner', testid: 'message', attrs: { role: 'status' } });
const tokenStrip = h('div', { className: 'token-strip', attrs: { 'aria-label': 'Input tokens' } });
const oovNotice = h('div', { className: 'oov', testid: 'oov', attrs: { role: 'note' } });
const meta = h('p', { className: 'meta' });

interface Section {
  readonly element: HTMLElement;
  readonly body: HTMLElement;
  readonly title: HTMLElement;
}

function section(id: string, title: string, chart: ChartId, matrices: readonly { id: MatrixId; label: string }[]): Section {
  const titleEl = h('h2', { text: title, attrs: { id: `${id}-title` } });
  const tools = h('div', { className: 'section-tools' });
  const button = (text: string, label: string, onClick: () => void): HTMLButtonElement => {
    const b = h('button', { className: 'tool', text, attrs: { type: 'button', 'aria-label': label } });
    b.addEventListener('click', onClick);
    return b;
  };
  tools.append(button('PNG', `Export ${title} as PNG`, () => void exportChart(chart)));
  if (matrices.length > 0) {
    const pick = h('select', { className: 'matrix-pick', attrs: { 'aria-label': 'Matrix to export' } }, matrices.map((m) => h('option', { text: m.label, attrs: { value: m.id } })));
    if (matrices.length > 1) tools.append(pick);
    const exportMatrix = (format: ExportFormat): void => post({ type: 'exportMatrix', matrix: pick.value as MatrixId, format });
    tools.append(button('CSV', `Export ${title} as CSV`, () => exportMatrix('csv')), button('JSON', `Export ${title} as JSON`, () => exportMatrix('json')));
  }
  const body = h('div', { className: 'section-body' });
  const element = h('section', { className: `view view-${id}`, attrs: { id, 'aria-labelledby': `${id}-title`, 'data-chart': chart } }, [h('header', {}, [titleEl, tools]), body]);
  return { element, body, title: titleEl };
}

const heatmapSection = section('heatmap-section', 'Attention weights', 'heatmap', [
  { id: 'weights', label: 'weights' },
  { id: 'scores', label: 'scores' },
]);
const headsSection = section('heads-section', 'All heads', 'heads', [{ id: 'all-weights', label: 'all heads' }]);
const softmaxSection = section('softmax-section', 'Softmax, step by step', 'softmax', [{ id: 'breakdown', label: 'breakdown' }]);
const linesSection = section('lines-section', 'Who attends to whom', 'lines', [{ id: 'weights', label: 'weights' }]);
const plotSection = section('plot-section', 'Context pulls: embeddings → attention outputs', 'plot', [
  { id: 'output', label: 'outputs' },
  { id: 'embeddings', label: 'embeddings' },
]);
const weightsSection = section('weights-section', 'Projection matrices of the focused head', 'weights', [
  { id: 'wq', label: 'W_Q' },
  { id: 'wk', label: 'W_K' },
  { id: 'wv', label: 'W_V' },
  { id: 'wo', label: 'W_O' },
]);

const selectRow = (next: number): void => {
  if (row && next === row.row) return;
  post({ type: 'selectRow', row: next });
};
const focusHead = (next: number): void => {
  if (head && next === head.index) return;
  thumbs.setFocused(next);
  post({ type: 'focusHead', head: next });
};

const heatmap = new HeatmapView(heatmapSection.body, palette, selectRow);
heatmap.attachKeyboard();
const weightsTableHost = h('div', { className: 'table-scroll' });
heatmapSection.body.append(weightsTableHost);
const thumbs = new ThumbGrid(palette, { testid: 'head-thumb', size: 84, onFocus: focusHead });
headsSection.body.append(thumbs.element, h('p', { className: 'note', text: 'Each square is one head’s weights (darker = more weight, scaled to that head’s largest). Click one to focus it.' }));
const softmax = new SoftmaxView(palette, selectRow);
softmaxSection.body.append(softmax.element);
const lines = new TokenLinesView(palette);
const linesNote = h('p', { className: 'note' });
linesSection.body.append(lines.element, linesNote);
const plot = new EmbeddingPlotView(palette, (next) => {
  projection = next;
  post({ type: 'setProjection', projection: next });
});
plotSection.body.append(plot.element);
const weightsView = new WeightsView(palette, () => requestWeightsIfNeeded());
weightsSection.body.append(weightsView.element);
const belowTheFold = new WhenVisible();
belowTheFold.watch(linesSection.element);
belowTheFold.watch(plotSection.element);
belowTheFold.watch(softmax.barsElement());

function renderLines(tokens: readonly string[], weights: DenseMatrix): void {
  belowTheFold.run(linesSection.element, () => {
    const clock = stopwatch();
    lines.render(tokens, weights);
    debugLog(`timing: token lines of ${tokens.length} tokens drawn in ${clock.total()} ms`);
  });
}

function renderPlot(tokens: readonly string[], view: PlotView): void {
  belowTheFold.run(plotSection.element, () => {
    const clock = stopwatch();
    plot.render(tokens, view);
    debugLog(`timing: embedding plot of ${tokens.length} tokens drawn in ${clock.total()} ms`);
  });
}

const views = h('main', { className: 'views' }, [
  heatmapSection.element,
  headsSection.element,
  softmaxSection.element,
  linesSection.element,
  plotSection.element,
  weightsSection.element,
]);

app.replaceChildren(
  h('header', { className: 'top' }, [controls.element, controls.progress]),
  banner,
  h('div', { className: 'input' }, [tokenStrip, oovNotice, meta]),
  views,
);

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

function setStatus(state: 'empty' | 'ready' | 'error', message: string): void {
  banner.textContent = message;
  banner.hidden = message === '';
  banner.classList.toggle('error', state === 'error');
  const showViews = state === 'ready';
  // Dormant, not display:none: the views keep their widths, so the first picture is drawn to
  // size without forcing a layout of the page first.
  views.classList.toggle('dormant', !showViews);
  tokenStrip.parentElement!.hidden = !showViews;
  if (state !== 'ready') app.dataset.state = state;
}

function renderTokens(s: PanelSnapshot): void {
  let index = 0;
  tokenStrip.replaceChildren(
    ...s.words.map((word) => {
      // Shown in its display form (controls visible, long ones cut); the raw token in data-token.
      if (!word.known) {
        return h('span', { className: 'token unknown', text: displayToken(word.text), testid: 'oov-word', title: `Not in ${s.setLabel}: left out`, attrs: { 'data-token': word.text } });
      }
      const i = index++;
      const el = h('button', { className: 'token', text: displayToken(word.text), testid: 'token', title: `Query ${i + 1}: show its softmax`, attrs: { type: 'button', 'data-index': i, 'data-token': word.text } });
      el.addEventListener('click', () => selectRow(i));
      return el;
    }),
  );
  oovNotice.hidden = s.oov.length === 0;
  oovNotice.replaceChildren(
    ...(s.oov.length === 0
      ? []
      : [h('span', { text: `Not in ${s.setLabel}, left out: ` }), ...s.oov.flatMap((word, i) => [h('code', { text: displayToken(word) }), i < s.oov.length - 1 ? ', ' : ''])]),
  );
  const m = s.model;
  meta.textContent = [
    visibleControls(s.setLabel),
    visibleControls(s.sourceLabel),
    `${s.tokens.length} tokens`,
    `d = ${m.d}`,
    `${m.heads} head${m.heads === 1 ? '' : 's'}, d_k = ${m.dk}`,
    `computed in ${Math.round(s.computeMs)} ms`,
  ].join(' · ');
}

function renderWeightsTable(tokens: readonly string[], weights: DenseMatrix): void {
  const n = tokens.length;
  if (n > TABLE_LIMIT) {
    weightsTableHost.replaceChildren(h('p', { className: 'note', text: `The table of printed weights is shown up to ${TABLE_LIMIT} tokens; export CSV for all ${n}.` }));
    return;
  }
  const table = h('table', { testid: 'weights-table', className: 'numbers weights-table' }, [
    h('caption', { text: `Weights of head ${(head?.index ?? 0) + 1}: each row sums to 1` }),
    h('thead', {}, [h('tr', {}, [h('th', { text: 'query \\ key', attrs: { scope: 'col' } }), ...tokens.map((t) => h('th', { text: t, attrs: { scope: 'col' } }))])]),
    h(
      'tbody',
      {},
      tokens.map((t, i) =>
        h('tr', { className: i === row?.row ? 'selected' : undefined }, [
          h('th', { text: t, attrs: { scope: 'row' } }),
          ...tokens.map((_, j) => {
            const value = weights.data[i * n + j]!;
            return h('td', { text: fixed(value), attrs: { 'data-row': i, 'data-col': j, 'data-value': value } });
          }),
        ]),
      ),
    ),
  ]);
  weightsTableHost.replaceChildren(table);
}

function renderHead(view: HeadView): void {
  if (!snapshot) return;
  head = { index: view.index, scores: fromWire(view.scores), weights: fromWire(view.weights) };
  heatmapSection.title.textContent = `Attention weights — head ${view.index + 1} of ${snapshot.model.heads} (query × key)`;
  linesSection.title.textContent = `Who attends to whom — head ${view.index + 1}`;
  weightsSection.title.textContent = `Projection matrices of head ${view.index + 1}`;
  thumbs.setFocused(view.index);
  renderLines(shownTokens, head.weights);
  linesNote.textContent = `Queries on the left, keys on the right; a line’s opacity is the weight. Hover a token to isolate its lines. ${TokenLinesView.thinningNote(snapshot.tokens.length)}`;
  weightsView.invalidate();
  requestWeightsIfNeeded();
}

function paintHeatmap(): void {
  if (!snapshot || !head) return;
  heatmap.render({ tokens: shownTokens, scores: head.scores, weights: head.weights, selectedRow: row?.row ?? 0, printValuesUpTo });
  renderWeightsTable(shownTokens, head.weights);
}

function renderRow(next: RowView): void {
  row = next;
  softmax.render(next, (draw) => belowTheFold.run(softmax.barsElement(), draw));
  softmaxSection.title.textContent = `Softmax of “${displayToken(next.query)}”, step by step`;
  for (const el of tokenStrip.querySelectorAll<HTMLElement>('[data-testid="token"]')) {
    el.classList.toggle('selected', Number(el.dataset.index) === next.row);
  }
}

function renderSnapshot(next: PanelSnapshot): void {
  const clock = stopwatch();
  snapshot = next;
  shownTokens = next.tokens.map((t) => displayToken(t));
  snapshotSerial++;
  projection = next.plot.projection;
  setStatus('ready', '');
  app.dataset.state = 'rendering';
  controls.set(next.options, currentWeightsLabel);
  renderTokens(next);
  clock.lap('tokens');
  thumbs.render(next.thumbs, next.head.index);
  clock.lap('thumbs');
  softmax.setTokens(shownTokens);
  plot.setDimensions(next.model.dimNames);
  renderHead(next.head);
  clock.lap('head');
  renderRow(next.row);
  clock.lap('row');
  paintHeatmap();
  clock.lap('heatmap');
  renderPlot(shownTokens, next.plot);
  clock.lap('plot');
  persist();
  milestones.drawn = epochMs();
  markReadyWhenPainted();
  const received = lastReceipt();
  const drawn = clock.total();
  debugLog(`timing: drew ${next.tokens.length} tokens × ${next.model.heads} heads in ${drawn} ms [${clock.laps()}]; message received at ${received} (epoch ms)`);
  // The frame itself (style, layout, raster) comes after the script: say when it was on screen.
  requestAnimationFrame(() =>
    setTimeout(() => debugLog(`timing: first frame of ${next.tokens.length} tokens on screen ${Date.now() - received} ms after the message arrived`), 0),
  );
}

function debugLog(message: string): void {
  post({ type: 'log', level: 'debug', message });
}

/** Laps of one rendering, for the debug timings in the Headlight log. */
function stopwatch(): { lap(name: string): void; total(): number; laps(): string } {
  const started = performance.now();
  let last = started;
  const laps: string[] = [];
  return {
    lap(name) {
      const now = performance.now();
      laps.push(`${name} ${Math.round(now - last)}`);
      last = now;
    },
    total: () => Math.round(performance.now() - started),
    laps: () => laps.join(', '),
  };
}

/**
 * Milestones of the picture being drawn (epoch ms): the host's (command, panel, computed, ready,
 * init…) and ours (script, received, drawn, painted), published on `#app[data-timings]` once the
 * heatmap is painted, for the e2e timing test.
 */
let milestones: Record<string, number> = {};

function startMilestones(host: Readonly<Record<string, number>> | undefined, firstPicture: boolean, received = epochMs(lastReceipt() - performance.timeOrigin)): void {
  milestones = { ...host, ...(firstPicture ? pageMilestones() : {}), received };
}

/** The page's own load: when our script and style arrived and when the script ran. */
function pageMilestones(): Record<string, number> {
  const out: Record<string, number> = { script: scriptStarted, readyPosted, layoutBuilt };
  for (const entry of performance.getEntriesByType('resource') as PerformanceResourceTiming[]) {
    const name = /\/(webview|attention)\.(js|css)(\?|$)/.exec(entry.name);
    if (!name) continue;
    const key = name[2] === 'js' ? 'scriptFetch' : 'styleFetch';
    out[`${key}Start`] = epochMs(entry.startTime);
    out[`${key}End`] = epochMs(entry.responseEnd);
  }
  return out;
}

function publishMilestones(name: string): void {
  milestones[name] = epochMs();
  app.dataset.timings = JSON.stringify(milestones);
}

function markReadyWhenPainted(): void {
  const canvas = heatmap.element;
  const done = (): void => {
    if (!snapshot) return;
    publishMilestones('painted');
    app.dataset.state = 'ready';
    // The start of the frame that puts it on screen.
    requestAnimationFrame(() => publishMilestones('frame'));
    loadLaterBundles();
  };
  if (canvas.dataset.painted === 'true') {
    done();
    return;
  }
  const observer = new MutationObserver(() => {
    if (heatmap.element.dataset.painted === 'true') {
      observer.disconnect();
      done();
    }
  });
  observer.observe(heatmapSection.body, { attributes: true, subtree: true, attributeFilter: ['data-painted'] });
}

function requestWeightsIfNeeded(): void {
  if (!head || !weightsView.isVisible()) return;
  const key = `${snapshotSerial}:${head.index}`;
  if (!weightsView.needs(key)) return;
  weightsView.markRequested(key);
  post({ type: 'requestWeights', head: head.index });
}

function persist(): void {
  if (!snapshot) return;
  channel.setState({
    version: 1,
    words: snapshot.words.map((w) => w.text),
    setUri: snapshot.setUri,
    options: snapshot.options,
    focusedHead: head?.index ?? 0,
    selectedRow: row?.row ?? 0,
    projection,
  });
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

async function capture(chart: ChartId): Promise<string> {
  if (!snapshot || !head) throw new Error('nothing is shown yet');
  // The bars and the plot are Chart.js charts: with the library loaded, flushing draws them now.
  if (chart === 'softmax' || chart === 'plot') await loadChartJs();
  belowTheFold.flushAll();
  const headName = `head ${head.index + 1}`;
  let pieces: ExportPiece[];
  let title: string;
  switch (chart) {
    case 'heatmap': {
      const c = heatmap.canvases();
      title = `Attention weights, ${headName} (query × key)`;
      pieces = [{ canvas: c.chart }, { canvas: c.legend, caption: c.legendText }];
      break;
    }
    case 'heads':
      title = `All ${snapshot.model.heads} heads`;
      pieces = thumbs.canvases().map((canvas, i) => ({ canvas, caption: `Head ${i + 1}` }));
      break;
    case 'softmax':
      title = row?.line ?? 'Softmax';
      pieces = [{ canvas: softmax.barCanvasElement() }];
      break;
    case 'lines': {
      const size = lines.exportSize();
      const tokens = lines.tokenList();
      const column = 140;
      title = `Who attends to whom, ${headName}`;
      pieces = [
        {
          draw: {
            width: column * 2 + size.gap,
            height: size.height,
            paint: (ctx, x, y) => {
              ctx.save();
              ctx.font = `12px ${palette.fontFamily}`;
              ctx.fillStyle = toCss(palette.foreground);
              ctx.textBaseline = 'middle';
              tokens.forEach((t, i) => {
                const ty = y + (i + 1) * size.rowHeight + size.rowHeight / 2;
                ctx.textAlign = 'right';
                ctx.fillText(t.length > 18 ? `${t.slice(0, 17)}…` : t, x + column - 6, ty);
                ctx.textAlign = 'left';
                ctx.fillText(t.length > 18 ? `${t.slice(0, 17)}…` : t, x + column + size.gap + 6, ty);
              });
              ctx.restore();
              lines.draw({ ctx, x: x + column, y });
            },
          },
        },
      ];
      break;
    }
    case 'plot':
      title = `Context pulls: ${snapshot.plot.xLabel} × ${snapshot.plot.yLabel}`;
      pieces = [{ canvas: plot.canvasElement() }];
      break;
    case 'weights': {
      const list = weightsView.canvases();
      if (list.length === 0) throw new Error(weightsView.noteText() || 'the projection matrices are not loaded yet: scroll to them first');
      title = `Projection matrices, ${headName}`;
      pieces = list.map(({ name, canvas }) => ({ canvas, caption: name }));
      break;
    }
    default:
      return assertNever(chart, 'chart');
  }
  return composePng(palette, title, pieces);
}

async function exportChart(chart: ChartId): Promise<void> {
  try {
    post({ type: 'exportImage', chart, dataUrl: await capture(chart) });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    post({ type: 'log', level: 'warn', message: `PNG export of ${chart} failed: ${reason}` });
    // Say it where the user clicked, for a few seconds.
    banner.textContent = `PNG export failed: ${reason}`;
    banner.hidden = false;
    setTimeout(() => {
      if (app.dataset.state === 'ready') banner.hidden = true;
    }, 6000);
  }
}

// ---------------------------------------------------------------------------------------------
// Messages from the host
// ---------------------------------------------------------------------------------------------

function handle(message: ToPanelMessage): void {
  switch (message.type) {
    case 'init':
      post({ type: 'log', level: 'debug', message: `timing: init received ${Math.round(performance.now())} ms after the webview started loading` });
      printValuesUpTo = message.printValuesUpTo;
      currentWeightsLabel = message.weightsLabel;
      if (message.sameAsBoot && drewBoot) {
        // The picture drawn from the page's HTML is this one: nothing to draw again.
        milestones.initAfterBoot = epochMs();
      } else if (message.snapshot) {
        startMilestones(message.timings, true);
        renderSnapshot(message.snapshot);
      } else {
        snapshot = undefined;
        setStatus(message.status === 'error' ? 'error' : 'empty', message.message);
        if (message.status !== 'empty') loadLaterBundles();
      }
      // The session's options, which may be newer than the snapshot's (a recomputation in flight).
      controls.set(message.options, message.weightsLabel);
      break;
    case 'options':
      currentWeightsLabel = message.weightsLabel;
      controls.set(message.options, message.weightsLabel);
      break;
    case 'computing':
      controls.progress.hidden = !message.active;
      app.setAttribute('aria-busy', String(message.active));
      break;
    case 'snapshot':
      startMilestones(message.timings, false);
      renderSnapshot(message.snapshot);
      break;
    case 'head':
      renderHead(message.head);
      renderRow(message.row);
      paintHeatmap();
      persist();
      break;
    case 'row':
      renderRow(message.row);
      paintHeatmap();
      persist();
      break;
    case 'plot':
      if (snapshot) {
        projection = message.plot.projection;
        renderPlot(shownTokens, message.plot);
        persist();
      }
      break;
    case 'weights':
      if (head && message.head === head.index) weightsView.render(message.head, message.matrices, message.unavailable);
      break;
    case 'error':
      snapshot = undefined;
      setStatus('error', message.message);
      loadLaterBundles();
      break;
    case 'capture':
      capture(message.chart).then(
        (dataUrl) => post({ type: 'captured', requestId: message.requestId, chart: message.chart, dataUrl }),
        (error: unknown) => post({ type: 'captureFailed', requestId: message.requestId, reason: error instanceof Error ? error.message : String(error) }),
      );
      break;
    default:
      assertNever(message);
  }
}

channel.onMessage((message) => {
  try {
    handle(message);
  } catch (error) {
    post({ type: 'log', level: 'error', message: `webview failed on "${message.type}": ${error instanceof Error ? error.stack ?? error.message : String(error)}` });
  }
});

watchTheme((next) => {
  palette = next;
  heatmap.setPalette(next);
  thumbs.setPalette(next);
  softmax.setPalette(next);
  lines.setPalette(next);
  plot.setPalette(next);
  weightsView.setPalette(next);
});

window.addEventListener('error', (event) => post({ type: 'log', level: 'error', message: `webview error: ${event.message}` }));

setStatus('empty', 'Loading…');
// `ready` went out from panelChannel.ts, before this script's modules were evaluated.
const layoutBuilt = epochMs();
const drewBoot = drawBoot();

// Without a picture to paint soon (a long computation), the controls must not wait for one.
setTimeout(loadLaterBundles, LATER_BUNDLES_AT_THE_LATEST_MS);

/**
 * The controls' elements, then Chart.js (the softmax bars and the embedding plot, below the
 * fold), once the first picture — or the page without one — is on screen (see lazy.ts): their
 * evaluation would otherwise compete with receiving and drawing the picture.
 */
function loadLaterBundles(): void {
  if (laterBundlesRequested) return;
  laterBundlesRequested = true;
  requestAnimationFrame(() =>
    setTimeout(() => {
      importBeside('webview-elements.js')
        .catch((error: unknown) => reportError(error))
        .finally(() => loadChartJs().catch((error: unknown) => reportError(error)));
    }, 0),
  );
}

/**
 * Draws the picture the page's HTML carries, if any (see bootPayload in the protocol): a new
 * panel then paints without waiting for the host's answer to `ready`. Not in a page recreated
 * after being hidden (it has drawn before, so it has state): the host's `init` says what is current.
 */
function drawBoot(): boolean {
  const text = app.dataset.boot;
  if (text === undefined) return false;
  delete app.dataset.boot;
  if (channel.getState() !== undefined) return false;
  const checked = readBoot(text);
  if (!checked.ok) {
    post({ type: 'log', level: 'warn', message: `webview ignored its boot data: ${checked.reason}` });
    return false;
  }
  const init = checked.message;
  if (!init.snapshot) return false;
  startMilestones(init.timings, true, epochMs());
  printValuesUpTo = init.printValuesUpTo;
  currentWeightsLabel = init.weightsLabel;
  renderSnapshot(init.snapshot);
  controls.set(init.options, init.weightsLabel);
  return true;
}
