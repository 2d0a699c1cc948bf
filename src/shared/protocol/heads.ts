/**
 * Host ↔ the "Heads" side view: every head of the current attention panel as a thumbnail;
 * clicking one focuses it in the panel.
 *
 * Pure module: no `vscode`, no DOM, no node.
 */
import { focusHeadMessage, logMessage, readyMessage, wireThumb, type FocusHeadMessage, type LogMessage, type ReadyMessage, type WireThumb } from './common';
import { LIMITS, arrayOf, int, literal, object, optional, refine, str, validatorFor, type CheckTable } from './validate';

/** Every head as a thumbnail; empty `thumbs` means nothing computed yet. */
export interface HeadsMessage {
  readonly type: 'heads';
  /** In order; for a model layer by layer (L1H1 … L1Hh, L2H1 …). */
  readonly thumbs: readonly WireThumb[];
  /** Index into `thumbs` (for a model, layer · heads + head). */
  readonly focusedHead: number;
  readonly tokens: number;
  readonly label: string;
  /**
   * A model's layers: the view lays `thumbs` out as layers × (thumbs.length / layers). Absent:
   * one layer of heads (the lesson's multi-head attention), a flat list.
   */
  readonly layers?: number;
}

export interface FocusMessage {
  readonly type: 'focus';
  readonly head: number;
}

export type ToHeadsMessage = HeadsMessage | FocusMessage;
export type ToHeadsType = ToHeadsMessage['type'];

export interface ShowAttentionMessage {
  readonly type: 'showAttention';
}

export type FromHeadsMessage = ReadyMessage | FocusHeadMessage | ShowAttentionMessage | LogMessage;
export type FromHeadsType = FromHeadsMessage['type'];

const toHeadsChecks: CheckTable<ToHeadsMessage> = {
  heads: refine(
    object<HeadsMessage>({
      type: literal('heads'),
      thumbs: arrayOf(wireThumb, LIMITS.maxHeads),
      focusedHead: int(0, LIMITS.maxHeads),
      tokens: int(0, LIMITS.maxDim),
      label: str(),
      layers: optional(int(1, LIMITS.maxHeads)),
    }),
    (m: HeadsMessage) => {
      if (m.thumbs.length > 0 && m.focusedHead >= m.thumbs.length) return `heads: focused head ${m.focusedHead} of ${m.thumbs.length}`;
      if (m.layers !== undefined && m.thumbs.length % m.layers !== 0) return `heads: ${m.thumbs.length} thumbnails do not fill ${m.layers} layers`;
      return undefined;
    },
  ),
  focus: object<FocusMessage>({ type: literal('focus'), head: int(0, LIMITS.maxHeads) }),
};

const fromHeadsChecks: CheckTable<FromHeadsMessage> = {
  ready: readyMessage,
  focusHead: focusHeadMessage,
  showAttention: object<ShowAttentionMessage>({ type: literal('showAttention') }),
  log: logMessage,
};

export const validateToHeads = validatorFor(toHeadsChecks);
export const validateFromHeads = validatorFor(fromHeadsChecks);
