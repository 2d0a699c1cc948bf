/**
 * Host ↔ the "Heads" side view: every head of the current attention panel as a thumbnail;
 * clicking one focuses it in the panel.
 *
 * Pure module: no `vscode`, no DOM, no node.
 */
import { focusHeadMessage, logMessage, readyMessage, wireThumb, type FocusHeadMessage, type LogMessage, type ReadyMessage, type WireThumb } from './common';
import { LIMITS, arrayOf, int, literal, object, refine, str, validatorFor, type CheckTable } from './validate';

/** Every head as a thumbnail; empty `thumbs` means nothing computed yet. */
export interface HeadsMessage {
  readonly type: 'heads';
  readonly thumbs: readonly WireThumb[];
  readonly focusedHead: number;
  readonly tokens: number;
  readonly label: string;
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
    }),
    (m: HeadsMessage) => (m.thumbs.length === 0 || m.focusedHead < m.thumbs.length ? undefined : `heads: focused head ${m.focusedHead} of ${m.thumbs.length}`),
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
