/**
 * The attention panel's two directions: the union of every feature's messages, and ONE
 * validator table per direction, merged from the features' tables (a message type declared by
 * two features does not compile).
 *
 * A feature adds its messages in its own file (attention.ts, …) and one `mergeChecks` here.
 *
 * Pure module: no `vscode`, no DOM, no node.
 */
import { attentionFromPanelChecks, attentionToPanelChecks, type AttentionFromPanelMessage, type AttentionToPanelMessage } from './attention';
import { validatorFor, type CheckTable } from './validate';

export type ToPanelMessage = AttentionToPanelMessage;
export type ToPanelType = ToPanelMessage['type'];

export type FromPanelMessage = AttentionFromPanelMessage;
export type FromPanelType = FromPanelMessage['type'];

const toPanelChecks: CheckTable<ToPanelMessage> = attentionToPanelChecks;
const fromPanelChecks: CheckTable<FromPanelMessage> = attentionFromPanelChecks;

export const validateToPanel = validatorFor(toPanelChecks);
export const validateFromPanel = validatorFor(fromPanelChecks);
