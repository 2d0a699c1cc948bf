/**
 * The model session's side of the attention panel: posts the model messages (modelSnapshot,
 * modelFocus, modelNeuron, modelRollout, modelLayerHeads, highlightToken) as the session changes,
 * and carries out what the panel asks (focusModelHead, selectModelQuery, setRolloutLayer,
 * requestLayerHeads, setModelViewOptions, hoverToken, appendToken). The message shapes are the
 * panel protocol's (src/shared/protocol/model.ts, validated there on arrival); the panel
 * (src/host/attention/panel.ts) attaches its `post` and hands these messages here.
 */
import type * as vscode from 'vscode';
import { Disposable } from '../disposable';
import type { LayerHeadsView, ModelFocusView, ModelSnapshot, ModelViewOptions, NeuronView, RolloutView } from '../../shared/modelView';
import { CancelledError } from './client';
import type { ModelSession } from './session';

export type ModelPanelOutgoing =
  | { readonly type: 'modelSnapshot'; readonly snapshot: ModelSnapshot }
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
          case 'snapshot':
            if (s) this.send({ type: 'modelSnapshot', snapshot: s });
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
    const s = this.session.snapshot;
    if (post && s) this.send({ type: 'modelSnapshot', snapshot: s });
  }

  /** Where hoverToken goes (the editor decoration). */
  onHover(handler: (unit: number | null) => void): void {
    this.hover = handler;
  }

  private send(message: ModelPanelOutgoing): void {
    if (!this.post) return;
    if (this.post(message)) this.posted.set(message.type, (this.posted.get(message.type) ?? 0) + 1);
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
