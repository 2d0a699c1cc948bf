/**
 * The model session's side of the attention panel: posts the model messages (modelSnapshot,
 * modelStart, modelLayers, modelComplete, modelFocus, modelNeuron, modelRollout,
 * modelLayerHeads, highlightToken) as the session changes,
 * and carries out what the panel asks (focusModelHead, selectModelQuery, setRolloutLayer,
 * requestLayerHeads, setModelViewOptions, hoverToken, appendToken). The message shapes are the
 * panel protocol's (src/shared/protocol/model.ts, validated there on arrival); the panel
 * (src/host/attention/panel.ts) attaches its `post` and hands these messages here.
 *
 * Progressive paint: a pass in flight goes out as modelStart, then modelLayers as its layers
 * come; its result as modelComplete (only what start and layers did not carry) when this page got
 * that pass's start, else as a whole modelSnapshot (a page attached after the pass ended).
 */
import type * as vscode from 'vscode';
import { Disposable } from '../disposable';
import type {
  LayerHeadsView,
  ModelFocusView,
  ModelPassLayers,
  ModelPassStart,
  ModelSnapshot,
  ModelViewOptions,
  NeuronView,
  PredictionsView,
  RolloutView,
} from '../../shared/modelView';
import { CancelledError } from './client';
import type { ModelSession } from './session';

export type ModelPanelOutgoing =
  | { readonly type: 'modelSnapshot'; readonly snapshot: ModelSnapshot }
  | { readonly type: 'modelStart'; readonly start: ModelPassStart }
  | { readonly type: 'modelLayers'; readonly layers: ModelPassLayers }
  | {
      readonly type: 'modelComplete';
      readonly pass: number;
      readonly rollout: RolloutView;
      readonly predictions: PredictionsView;
      readonly timings: ModelSnapshot['timings'];
    }
  | { readonly type: 'modelFocus'; readonly focus: ModelFocusView; readonly neuron: NeuronView }
  | { readonly type: 'modelNeuron'; readonly neuron: NeuronView }
  | { readonly type: 'modelRollout'; readonly rollout: RolloutView }
  | { readonly type: 'modelLayerHeads'; readonly heads: LayerHeadsView }
  | { readonly type: 'highlightToken'; readonly unit: number | null };

export type ModelPanelIncoming =
  | { readonly type: 'focusModelHead'; readonly layer: number; readonly head: number }
  | { readonly type: 'selectModelQuery'; readonly token: number }
  | { readonly type: 'setRolloutLayer'; readonly upTo: number }
  | { readonly type: 'requestLayerHeads'; readonly layer: number }
  | { readonly type: 'setModelViewOptions'; readonly options: ModelViewOptions }
  | { readonly type: 'hoverToken'; readonly unit: number | null }
  | { readonly type: 'appendToken'; readonly id: number };

export const MODEL_PANEL_INCOMING: readonly ModelPanelIncoming['type'][] = [
  'focusModelHead',
  'selectModelQuery',
  'setRolloutLayer',
  'requestLayerHeads',
  'setModelViewOptions',
  'hoverToken',
  'appendToken',
];

export function isModelPanelMessage(message: { readonly type: string }): message is ModelPanelIncoming {
  return (MODEL_PANEL_INCOMING as readonly string[]).includes(message.type);
}

export type ModelPanelPost = (message: ModelPanelOutgoing) => boolean;

export class ModelPanelBridge extends Disposable {
  private post: ModelPanelPost | undefined;
  private hover: ((unit: number | null) => void) | undefined;
  /** The pass whose start this page got (its complete result then goes as modelComplete). */
  private startedPass: number | undefined;
  /** Messages posted so far, by type (the integration tests read it). */
  readonly posted = new Map<ModelPanelOutgoing['type'], number>();

  constructor(
    private readonly session: ModelSession,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.register(
      session.onDidChange((event) => {
        const s = session.snapshot;
        switch (event.kind) {
          case 'passStart': {
            const partial = session.partial;
            if (partial) this.sendStart(partial.start);
            return;
          }
          case 'passLayers': {
            const partial = session.partial;
            if (partial && this.startedPass === partial.start.pass) {
              const sent = this.send({ type: 'modelLayers', layers: { pass: partial.start.pass, from: event.from, thumbs: partial.thumbs.slice(event.from, event.from + event.count) } });
              // A page that missed some layers gets the result whole.
              if (!sent) this.startedPass = undefined;
            }
            return;
          }
          case 'snapshot':
            if (s) this.sendSnapshot(s, session.snapshotPass);
            return;
          case 'focus':
            if (s) this.send({ type: 'modelFocus', focus: s.focus, neuron: s.neuron });
            return;
          case 'neuron':
            if (s) this.send({ type: 'modelNeuron', neuron: s.neuron });
            return;
          case 'rollout':
            if (s) this.send({ type: 'modelRollout', rollout: s.rollout });
            return;
          case 'highlight':
            this.send({ type: 'highlightToken', unit: event.unit });
            return;
          default:
            return;
        }
      }),
    );
  }

  /** The panel's post (undefined: detached). The current picture is sent at once. */
  attach(post: ModelPanelPost | undefined): void {
    this.post = post;
    this.startedPass = undefined;
    if (!post) return;
    // A pass in flight: what it has so far (its result follows as modelComplete).
    const partial = this.session.partial;
    if (partial) {
      this.sendStart(partial.start);
      if (partial.thumbs.length > 0 && this.startedPass === partial.start.pass) {
        this.send({ type: 'modelLayers', layers: { pass: partial.start.pass, from: 0, thumbs: [...partial.thumbs] } });
      }
      return;
    }
    const s = this.session.snapshot;
    if (s) this.send({ type: 'modelSnapshot', snapshot: s });
  }

  private sendStart(start: ModelPassStart): void {
    this.startedPass = this.send({ type: 'modelStart', start }) ? start.pass : undefined;
  }

  private sendSnapshot(snapshot: ModelSnapshot, pass: number): void {
    if (this.startedPass === pass) {
      this.send({ type: 'modelComplete', pass, rollout: snapshot.rollout, predictions: snapshot.predictions, timings: snapshot.timings });
    } else this.send({ type: 'modelSnapshot', snapshot });
    this.startedPass = undefined;
  }

  /** Where hoverToken goes (the editor decoration). */
  onHover(handler: (unit: number | null) => void): void {
    this.hover = handler;
  }

  private send(message: ModelPanelOutgoing): boolean {
    if (!this.post) return false;
    if (!this.post(message)) return false;
    this.posted.set(message.type, (this.posted.get(message.type) ?? 0) + 1);
    return true;
  }

  /** A validated message from the panel. */
  handle(message: ModelPanelIncoming): void {
    const quietly = (work: Promise<unknown>) =>
      void work.catch((error: unknown) => {
        if (!(error instanceof CancelledError)) this.log.warn(`model panel: ${message.type}: ${error instanceof Error ? error.message : String(error)}`);
      });
    switch (message.type) {
      case 'focusModelHead':
        quietly(this.session.focusHead(message.layer, message.head));
        return;
      case 'selectModelQuery':
        quietly(this.session.selectQuery(message.token));
        return;
      case 'setRolloutLayer':
        quietly(this.session.setRolloutLayer(message.upTo));
        return;
      case 'requestLayerHeads':
        quietly(this.session.layerHeads(message.layer).then((heads) => this.send({ type: 'modelLayerHeads', heads })));
        return;
      case 'setModelViewOptions':
        quietly(this.session.setOptions(message.options));
        return;
      case 'hoverToken':
        this.hover?.(message.unit);
        return;
      case 'appendToken':
        quietly(this.session.appendToken(message.id));
        return;
      default: {
        const never: never = message;
        this.log.warn(`model panel: unknown message ${JSON.stringify(never)}`);
      }
    }
  }
}
