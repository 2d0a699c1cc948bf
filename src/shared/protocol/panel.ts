/**
 * The attention panel's two directions: the union of every feature's messages, and ONE
 * validator table per direction, merged from the features' tables (a message type declared by
 * two features does not compile).
 *
 * A feature adds its messages in its own file (attention.ts, model.ts, …) and joins here once.
 *
 * Pure module: no `vscode`, no DOM, no node.
 */
import { attentionFromPanelChecks, attentionToPanelChecks, type AttentionFromPanelMessage, type AttentionToPanelMessage } from './attention';
import { modelFromPanelChecks, modelToPanelChecks, type ModelFromPanelMessage, type ModelToPanelMessage } from './model';
import { mergeChecks, validatorFor, type CheckTable } from './validate';

export type ToPanelMessage = AttentionToPanelMessage | ModelToPanelMessage;
export type ToPanelType = ToPanelMessage['type'];

export type FromPanelMessage = AttentionFromPanelMessage | ModelFromPanelMessage;
export type FromPanelType = FromPanelMessage['type'];

const toPanelChecks: CheckTable<ToPanelMessage> = mergeChecks<AttentionToPanelMessage, ModelToPanelMessage>(attentionToPanelChecks, modelToPanelChecks);
const fromPanelChecks: CheckTable<FromPanelMessage> = mergeChecks<AttentionFromPanelMessage, ModelFromPanelMessage>(attentionFromPanelChecks, modelFromPanelChecks);

export const validateToPanel = validatorFor(toPanelChecks);
export const validateFromPanel = validatorFor(fromPanelChecks);
