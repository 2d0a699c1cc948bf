/**
 * The Explorer's channel to the host, opened — and `ready` said — before the views' modules are
 * evaluated (main.ts imports this first), as panelChannel.ts does for the attention panel.
 */
import { openChannel } from '../vscodeApi';
import { validateToExplorer, type FromExplorerMessage, type ToExplorerMessage } from '../../../src/shared/explorerProtocol';
import { epochMs } from '../../../src/shared/protocol';

export const scriptStarted = epochMs();

export const channel = openChannel<FromExplorerMessage, ToExplorerMessage, unknown>(validateToExplorer, (message) => ({ type: 'log', level: 'warn', message }));
channel.post({ type: 'ready' });

export const readyPosted = epochMs();

let nextRequestId = 1;
/** A fresh id for a question to the host. */
export function requestId(): number {
  return nextRequestId++;
}

export const post = (message: FromExplorerMessage): void => channel.post(message);
