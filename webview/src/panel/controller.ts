/**
 * The attention panel's controller: it owns the state (a copy of what the host sent; the host
 * owns the truth), turns each message from the host into a state change, and tells every
 * registered view what changed. It computes nothing itself. State that must survive the panel
 * being hidden or the window reloading is the host's (ready → init) plus `setState` for the
 * serializer.
 *
 * Views are listed in registry.ts; a view is one module (see view.ts).
 */
import type { Channel } from '../vscodeApi';
import { lastReceipt } from '../vscodeApi';
import { readPalette, watchTheme } from '../theme';
import { h } from '../dom';
import { Controls } from '../controls';
import { WhenVisible } from '../whenVisible';
import { loadChartJs } from '../charts';
import { importBeside } from '../lazy';
import { composePng } from '../exportImage';
import type { Palette } from '../colour';
import {
  assertNever,
  epochMs,
  readBoot,
  type ChartId,
  type FromPanelMessage,
  type HeadView,
  type PanelOptions,
  type PanelSnapshot,
  type PersistedPanelState,
  type ToPanelMessage,
} from '../../../src/shared/protocol';
import { fromWire } from '../../../src/shared/wire';
import { displayToken } from '../../../src/shared/displayToken';
import type { LayerThumbs, ModelFocusView, ModelPassLayers, ModelPassStart, ModelSnapshot, NeuronView } from '../../../src/shared/modelView';
import { headLabel } from '../../../src/shared/modelView';
import { Milestones, stopwatch } from './milestones';
import { neuronRow, queryTokenOfUnit, unitOfToken } from './model/decode';
import type { DecodedHead, ModelPicture, PanelChange, PanelContext, PanelState, PanelView } from './view';
import type { RegisteredView } from './registry';

/** When the later bundles load even if no picture came (see loadLaterBundles). */
const LATER_BUNDLES_AT_THE_LATEST_MS = 1000;

type Writable<T> = { -readonly [K in keyof T]: T[K] };

export class PanelController {
  private readonly app: HTMLElement;
  private palette: Palette = readPalette();
  private readonly state: Writable<PanelState> = {
    snapshot: undefined,
    model: undefined,
    shownTokens: [],
    queryTokens: [],
    selectedUnit: 0,
    focusName: '',
    headCount: 0,
    serial: 0,
    head: undefined,
    row: undefined,
    projection: { kind: 'pca' },
    plotView: undefined,
    printValuesUpTo: 16,
    weightsLabel: '',
    weights: undefined,
    highlighted: -1,
    unknownWords: undefined,
  };
  private readonly controls: Controls;
  private readonly banner: HTMLElement;
  private readonly input: HTMLElement;
  private readonly main: HTMLElement;
  private readonly views: { readonly name: string; readonly view: PanelView }[];
  private readonly belowTheFold = new WhenVisible();
  private readonly milestones: Milestones;
  private layoutBuilt = 0;
  private drewBoot = false;
  private laterBundlesRequested = false;

  constructor(
    private readonly channel: Channel<FromPanelMessage, ToPanelMessage, PersistedPanelState>,
    registry: readonly RegisteredView[],
  ) {
    this.app = document.getElementById('app') ?? document.body.appendChild(h('div', { attrs: { id: 'app' } }));
    this.milestones = new Milestones(this.app, () => this.layoutBuilt);
    this.controls = new Controls(
      (options: PanelOptions) => this.post({ type: 'setOptions', options }),
      () => this.post({ type: 'pickWeightsFile' }),
    );
    this.controls.progress.hidden = true;
    this.banner = h('div', { className: 'banner', testid: 'message', attrs: { role: 'status' } });

    const context = this.context();
    this.views = registry.map(({ name, create }) => ({ name, view: create(context) }));
    this.input = h('div', { className: 'input-views' }, this.views.filter((v) => v.view.place === 'input').map((v) => v.view.element));
    this.main = h('main', { className: 'views' }, this.views.filter((v) => v.view.place !== 'input').map((v) => v.view.element));
    this.app.replaceChildren(h('header', { className: 'top' }, [this.controls.element, this.controls.progress]), this.banner, this.input, this.main);
  }

  /** Listens to the host and the theme, and draws the picture the page's HTML carries, if any. */
  start(): void {
    this.channel.onMessage((message) => {
      try {
        this.handle(message);
      } catch (error) {
        this.post({ type: 'log', level: 'error', message: `webview failed on "${message.type}": ${error instanceof Error ? error.stack ?? error.message : String(error)}` });
      }
    });
    watchTheme((next) => {
      this.palette = next;
      this.notify('palette');
    });
    window.addEventListener('error', (event) => this.post({ type: 'log', level: 'error', message: `webview error: ${event.message}` }));
    this.setStatus('empty', 'Loading…');
    // `ready` went out from panelChannel.ts, before this script's modules were evaluated.
    this.layoutBuilt = epochMs();
    this.drewBoot = this.drawBoot();
    // Without a picture to paint soon (a long computation), the controls must not wait for one.
    setTimeout(() => this.loadLaterBundles(), LATER_BUNDLES_AT_THE_LATEST_MS);
  }

  private post(message: FromPanelMessage): void {
    this.channel.post(message);
  }

  private debugLog(message: string): void {
    this.post({ type: 'log', level: 'debug', message });
  }

  /** What the views see: the state (read-only), the palette, and the ways to act. */
  private context(): PanelContext {
    const state = (): PanelState => this.state;
    const palette = (): Palette => this.palette;
    return {
      get state() {
        return state();
      },
      get palette() {
        return palette();
      },
      post: (message) => this.post(message),
      selectRow: (next) => {
        const model = this.state.model;
        if (model) {
          const token = queryTokenOfUnit(model.snapshot.units, next);
          if (token !== undefined) this.selectQuery(token);
          return;
        }
        this.selectQuery(next);
      },
      selectQuery: (token) => this.selectQuery(token),
      focusHead: (next) => {
        const model = this.state.model;
        if (model) {
          this.focusModelHead(model.focus.layer, next);
          return;
        }
        if (this.state.head && next === this.state.head.index) return;
        this.post({ type: 'focusHead', head: next });
      },
      focusModelHead: (layer, head) => this.focusModelHead(layer, head),
      highlightToken: (index) => this.highlight(index),
      exportChart: (chart) => void this.exportChart(chart),
      belowTheFold: this.belowTheFold,
      debugLog: (message) => this.debugLog(message),
    };
  }

  private notify(change: PanelChange, clock?: { lap(name: string): void }): void {
    for (const { name, view } of this.views) {
      view.update(change);
      clock?.lap(name);
    }
  }

  /** A query row (embeddings) or token (a model); nothing if it is the selected one. */
  private selectQuery(token: number): void {
    const model = this.state.model;
    if (model) {
      if (token !== model.neuron.query) this.post({ type: 'selectModelQuery', token });
      return;
    }
    if (this.state.row && token === this.state.row.row) return;
    this.post({ type: 'selectRow', row: token });
  }

  private focusModelHead(layer: number, head: number): void {
    const focus = this.state.model?.focus;
    if (!focus || (focus.layer === layer && focus.head === head)) return;
    this.post({ type: 'focusModelHead', layer, head });
  }

  /** From the panel (posts hoverToken for a model, so the editor shows the range) or the host. */
  private highlight(index: number, fromHost = false): void {
    if (index === this.state.highlighted) return;
    this.state.highlighted = index;
    if (this.state.model && !fromHost) this.post({ type: 'hoverToken', unit: index >= 0 ? index : null });
    this.notify('highlight');
  }

  // -------------------------------------------------------------------------------------------
  // Rendering
  // -------------------------------------------------------------------------------------------

  private setStatus(state: 'empty' | 'ready' | 'error', message: string): void {
    this.banner.textContent = message;
    this.banner.hidden = message === '';
    this.banner.classList.toggle('error', state === 'error');
    const showViews = state === 'ready';
    // Dormant, not display:none: the views keep their widths, so the first picture is drawn to
    // size without forcing a layout of the page first.
    this.main.classList.toggle('dormant', !showViews);
    this.input.hidden = !showViews;
    if (state !== 'ready') this.app.dataset.state = state;
  }

  private decodeHead(view: HeadView): DecodedHead {
    return { index: view.index, scores: fromWire(view.scores), weights: fromWire(view.weights) };
  }

  private renderSnapshot(next: PanelSnapshot): void {
    const clock = stopwatch();
    const state = this.state;
    state.snapshot = next;
    state.model = undefined;
    state.shownTokens = next.tokens.map((t) => displayToken(t));
    state.queryTokens = state.shownTokens;
    state.selectedUnit = next.row.row;
    state.focusName = `head ${next.head.index + 1}`;
    state.headCount = next.model.heads;
    state.serial++;
    state.projection = next.plot.projection;
    state.plotView = undefined;
    state.head = this.decodeHead(next.head);
    state.row = next.row;
    state.weights = undefined;
    state.highlighted = -1;
    // The host sends the new picture's offer right after it.
    state.unknownWords = undefined;
    this.setStatus('ready', '');
    this.app.dataset.state = 'rendering';
    this.app.dataset.source = 'embeddings';
    this.controls.element.hidden = false;
    this.controls.set(next.options, state.weightsLabel);
    clock.lap('state');
    this.notify('snapshot', clock);
    this.persist();
    this.milestones.mark('drawn');
    this.markReadyWhenPainted();
    const received = lastReceipt();
    const drawn = clock.total();
    this.debugLog(`timing: drew ${next.tokens.length} tokens × ${next.model.heads} heads in ${drawn} ms [${clock.laps()}]; message received at ${received} (epoch ms)`);
    // The frame itself (style, layout, raster) comes after the script: say when it was on screen.
    requestAnimationFrame(() =>
      setTimeout(() => this.debugLog(`timing: first frame of ${next.tokens.length} tokens on screen ${Date.now() - received} ms after the message arrived`), 0),
    );
  }

  /**
   * A real model's result (a whole modelSnapshot), or the start of a pass (modelStart: its layers
   * and its end follow): the matrix views draw its units, the model views the rest.
   */
  private renderModel(next: ModelSnapshot | ModelPassStart): void {
    const clock = stopwatch();
    const state = this.state;
    const tokenLabels = next.tokens.map((t) => displayToken(t.text));
    const whole = 'thumbs' in next;
    const picture: ModelPicture = {
      snapshot: next,
      pass: whole ? undefined : next.pass,
      thumbs: whole ? next.thumbs : [],
      predictions: whole ? next.predictions : undefined,
      rollout: whole ? next.rollout : undefined,
      timings: whole ? next.timings : undefined,
      complete: whole,
      focus: next.focus,
      neuron: next.neuron,
      layerHeads: undefined,
      tokenLabels,
    };
    state.snapshot = undefined;
    state.model = picture;
    state.shownTokens = next.units.map((u) => displayToken(u.label));
    state.queryTokens = tokenLabels;
    state.headCount = next.model.heads;
    state.serial++;
    state.plotView = undefined;
    state.weights = undefined;
    state.highlighted = -1;
    state.unknownWords = undefined;
    this.adoptFocus(next, next.focus, next.neuron);
    this.setStatus('ready', '');
    this.app.dataset.state = 'rendering';
    this.app.dataset.source = 'model';
    // The controls compute over embeddings; a model's own options are in its input strip.
    this.controls.element.hidden = true;
    clock.lap('state');
    this.notify('snapshot', clock);
    this.milestones.mark('drawn');
    this.markReadyWhenPainted();
    this.app.dataset.layersDone = String(picture.thumbs.length);
    this.debugLog(`timing: drew ${next.units.length} units × ${next.model.layers} layers × ${next.model.heads} heads${whole ? '' : ' (a pass’s start)'} in ${clock.total()} ms [${clock.laps()}]`);
  }

  /** The focused head in the matrix views' terms: its weights over units, its query's softmax. */
  private adoptFocus(snapshot: ModelPicture['snapshot'], focus: ModelFocusView, neuron: NeuronView): void {
    const state = this.state;
    const weights = { rows: focus.weights.rows, cols: focus.weights.cols, data: new Float32Array(focus.weights.data) };
    const scores = focus.scores ? { rows: focus.scores.rows, cols: focus.scores.cols, data: new Float32Array(focus.scores.data) } : undefined;
    state.head = { index: focus.head, weights, scores };
    state.row = neuronRow(neuron, state.model?.tokenLabels ?? []);
    state.selectedUnit = unitOfToken(snapshot.units, neuron.query);
    state.focusName = headLabel(focus.layer, focus.head).replace('H', ' H');
  }

  /** More layers of the pass being painted; anything not next in order for this picture is stale. */
  private addLayers(layers: ModelPassLayers): void {
    const model = this.state.model;
    if (!model || model.complete || model.pass !== layers.pass || layers.from !== model.thumbs.length) {
      this.debugLog(`model: layers ${layers.from}… of pass ${layers.pass} dropped (the picture is ${model?.complete ? 'complete' : `at ${model?.thumbs.length ?? '-'} of pass ${model?.pass ?? '-'}`})`);
      return;
    }
    const m = model.snapshot.model;
    if (layers.from + layers.thumbs.length > m.layers || layers.thumbs.some((t) => t.heads.length !== m.heads)) {
      this.post({ type: 'log', level: 'warn', message: `model: layers ${layers.from}… do not fit ${m.layers} × ${m.heads}` });
      return;
    }
    const thumbs: LayerThumbs[] = [...model.thumbs, ...layers.thumbs];
    this.state.model = { ...model, thumbs };
    this.app.dataset.layersDone = String(thumbs.length);
    this.notify('layers');
  }

  /** The pass's end: every layer is here, the predictions and the rollout come now. */
  private complete(message: Extract<ToPanelMessage, { type: 'modelComplete' }>): void {
    const model = this.state.model;
    if (!model || model.complete || model.pass !== message.pass || model.thumbs.length !== model.snapshot.model.layers) {
      this.debugLog(`model: the end of pass ${message.pass} dropped`);
      return;
    }
    if (message.rollout.matrix.rows !== model.snapshot.units.length) {
      this.post({ type: 'log', level: 'warn', message: `model: a rollout of ${message.rollout.matrix.rows} units for ${model.snapshot.units.length}` });
      return;
    }
    this.state.model = { ...model, predictions: message.predictions, rollout: message.rollout, timings: message.timings, complete: true };
    this.notify('complete');
    this.debugLog(`timing: model pass ${message.pass} complete, forward ${Math.round(message.timings.forwardMs)} ms`);
    // After the views' own frame (the model view draws in requestAnimationFrame).
    requestAnimationFrame(() => this.settle());
  }

  /**
   * Once the heatmap has been drawn: a whole picture (or a pass's end) is `#app[data-state="ready"]`
   * with the `painted` milestone; a pass still running is `data-state="partial"` with the
   * `firstPaint` milestone (its end calls settle again).
   */
  private settle(): void {
    const model = this.state.model;
    if (!this.state.snapshot && !model) return;
    if (this.main.querySelector<HTMLElement>('[data-testid="heatmap"]')?.dataset.painted !== 'true') return;
    if (model && !model.complete) {
      if (this.app.dataset.state !== 'partial') this.milestones.publish('firstPaint');
      this.app.dataset.state = 'partial';
      return;
    }
    if (this.app.dataset.state === 'ready') return;
    if (model && model.pass !== undefined && this.app.dataset.state === 'rendering') this.milestones.publish('firstPaint');
    this.milestones.publish('painted');
    this.app.dataset.state = 'ready';
    // The start of the frame that puts it on screen.
    requestAnimationFrame(() => this.milestones.publish('frame'));
    this.loadLaterBundles();
  }

  /** `#app[data-state]` and the milestones once the heatmap has been drawn (see settle). */
  private markReadyWhenPainted(): void {
    const painted = (): boolean => this.main.querySelector<HTMLElement>('[data-testid="heatmap"]')?.dataset.painted === 'true';
    const done = (): void => this.settle();
    if (painted()) {
      done();
      return;
    }
    const observer = new MutationObserver(() => {
      if (painted()) {
        observer.disconnect();
        done();
      }
    });
    observer.observe(this.main, { attributes: true, subtree: true, attributeFilter: ['data-painted'] });
  }

  private persist(): void {
    const { snapshot, head, row, projection } = this.state;
    if (!snapshot) return;
    this.channel.setState({
      version: 1,
      words: snapshot.words.map((w) => w.text),
      setUri: snapshot.setUri,
      options: snapshot.options,
      focusedHead: head?.index ?? 0,
      selectedRow: row?.row ?? 0,
      projection,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Export
  // -------------------------------------------------------------------------------------------

  private async capture(chart: ChartId): Promise<string> {
    if ((!this.state.snapshot && !this.state.model) || !this.state.head) throw new Error('nothing is shown yet');
    const owner = this.views.find(({ view }) => view.charts?.includes(chart))?.view;
    if (!owner?.exportPicture) throw new Error(`no view draws the ${chart} chart`);
    const picture = await owner.exportPicture(chart);
    return composePng(this.palette, picture.title, [...picture.pieces]);
  }

  private async exportChart(chart: ChartId): Promise<void> {
    try {
      this.post({ type: 'exportImage', chart, dataUrl: await this.capture(chart) });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.post({ type: 'log', level: 'warn', message: `PNG export of ${chart} failed: ${reason}` });
      // Say it where the user clicked, for a few seconds.
      this.banner.textContent = `PNG export failed: ${reason}`;
      this.banner.hidden = false;
      setTimeout(() => {
        if (this.app.dataset.state === 'ready') this.banner.hidden = true;
      }, 6000);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Messages from the host
  // -------------------------------------------------------------------------------------------

  private handle(message: ToPanelMessage): void {
    const state = this.state;
    switch (message.type) {
      case 'init':
        this.debugLog(`timing: init received ${Math.round(performance.now())} ms after the webview started loading`);
        state.printValuesUpTo = message.printValuesUpTo;
        state.weightsLabel = message.weightsLabel;
        if (message.sameAsBoot && this.drewBoot) {
          // The picture drawn from the page's HTML is this one: nothing to draw again.
          this.milestones.mark('initAfterBoot');
        } else if (message.snapshot) {
          this.milestones.start(message.timings, true, epochMs(lastReceipt() - performance.timeOrigin));
          this.renderSnapshot(message.snapshot);
        } else {
          state.snapshot = undefined;
          state.model = undefined;
          this.setStatus(message.status === 'error' ? 'error' : 'empty', message.message);
          if (message.status !== 'empty') this.loadLaterBundles();
        }
        // The session's options, which may be newer than the snapshot's (a recomputation in flight).
        this.controls.set(message.options, message.weightsLabel);
        break;
      case 'options':
        state.weightsLabel = message.weightsLabel;
        this.controls.set(message.options, message.weightsLabel);
        break;
      case 'computing':
        this.controls.progress.hidden = !message.active;
        this.app.setAttribute('aria-busy', String(message.active));
        break;
      case 'snapshot':
        this.milestones.start(message.timings, false, epochMs(lastReceipt() - performance.timeOrigin));
        this.renderSnapshot(message.snapshot);
        break;
      case 'head':
        if (!state.snapshot) break;
        state.head = this.decodeHead(message.head);
        state.row = message.row;
        state.selectedUnit = message.row.row;
        state.focusName = `head ${message.head.index + 1}`;
        state.weights = undefined;
        this.notify('head');
        this.persist();
        break;
      case 'row':
        if (!state.snapshot) break;
        state.row = message.row;
        state.selectedUnit = message.row.row;
        this.notify('row');
        this.persist();
        break;
      case 'plot':
        if (!state.snapshot) break;
        state.projection = message.plot.projection;
        state.plotView = message.plot;
        this.notify('plot');
        this.persist();
        break;
      case 'weights':
        state.weights = message;
        this.notify('weights');
        break;
      case 'modelSnapshot':
        this.milestones.start(message.timings, false, epochMs(lastReceipt() - performance.timeOrigin));
        this.renderModel(message.snapshot);
        break;
      case 'modelStart':
        this.milestones.start(undefined, false, epochMs(lastReceipt() - performance.timeOrigin));
        this.app.dataset.layersDone = '0';
        this.renderModel(message.start);
        break;
      case 'modelLayers':
        this.addLayers(message.layers);
        break;
      case 'modelComplete':
        this.complete(message);
        break;
      case 'modelFocus':
        if (!state.model) break;
        state.model = { ...state.model, focus: message.focus, neuron: message.neuron };
        this.adoptFocus(state.model.snapshot, message.focus, message.neuron);
        this.notify('head');
        break;
      case 'modelNeuron':
        if (!state.model) break;
        state.model = { ...state.model, neuron: message.neuron };
        this.adoptFocus(state.model.snapshot, state.model.focus, message.neuron);
        this.notify('row');
        break;
      case 'modelRollout':
        if (!state.model) break;
        state.model = { ...state.model, rollout: message.rollout };
        this.notify('rollout');
        break;
      case 'modelLayerHeads':
        if (!state.model || message.heads.n !== state.model.snapshot.units.length) break;
        state.model = { ...state.model, layerHeads: message.heads };
        this.notify('layerHeads');
        break;
      case 'highlightToken':
        if (!state.model) break;
        this.highlight(message.unit ?? -1, true);
        break;
      case 'unknownWords':
        // An offer belongs to a picture over embeddings; one that crossed a model's picture is stale.
        state.unknownWords = state.snapshot ? message.offer : undefined;
        this.notify('unknownWords');
        break;
      case 'error':
        state.snapshot = undefined;
        state.model = undefined;
        state.unknownWords = undefined;
        this.notify('unknownWords');
        this.setStatus('error', message.message);
        this.loadLaterBundles();
        break;
      case 'capture':
        this.capture(message.chart).then(
          (dataUrl) => this.post({ type: 'captured', requestId: message.requestId, chart: message.chart, dataUrl }),
          (error: unknown) => this.post({ type: 'captureFailed', requestId: message.requestId, reason: error instanceof Error ? error.message : String(error) }),
        );
        break;
      default:
        assertNever(message);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Later bundles and the boot picture
  // -------------------------------------------------------------------------------------------

  /**
   * The controls' elements, then Chart.js (the softmax bars and the embedding plot, below the
   * fold), once the first picture — or the page without one — is on screen (see lazy.ts): their
   * evaluation would otherwise compete with receiving and drawing the picture.
   */
  private loadLaterBundles(): void {
    if (this.laterBundlesRequested) return;
    this.laterBundlesRequested = true;
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
  private drawBoot(): boolean {
    const text = this.app.dataset.boot;
    if (text === undefined) return false;
    delete this.app.dataset.boot;
    if (this.channel.getState() !== undefined) return false;
    const checked = readBoot(text);
    if (!checked.ok) {
      this.post({ type: 'log', level: 'warn', message: `webview ignored its boot data: ${checked.reason}` });
      return false;
    }
    const init = checked.message;
    if (!init.snapshot) return false;
    this.milestones.start(init.timings, true, epochMs());
    this.state.printValuesUpTo = init.printValuesUpTo;
    this.state.weightsLabel = init.weightsLabel;
    this.renderSnapshot(init.snapshot);
    this.controls.set(init.options, init.weightsLabel);
    return true;
  }
}
