/**
 * The attention panel's channel to the host, opened — and `ready` said — before the rest of the
 * panel's bundle is evaluated (main.ts imports this module first). The host answers `ready` with
 * `init` over a round trip of a few tens of milliseconds; evaluating the elements and views and
 * building the layout happen meanwhile instead of before.
 *
 * Safe because a message is delivered as a task of its own: main.ts registers its handler later
 * in this same task (the bundle runs as one), before any answer can be dispatched.
 */
import { openChannel } from './vscodeApi';
import { epochMs, validateToPanel, type FromPanelMessage, type PersistedPanelState, type ToPanelMessage } from '../../src/shared/protocol';

/** When this bundle began to run. */
export const scriptStarted = epochMs();

export const channel = openChannel<FromPanelMessage, ToPanelMessage, PersistedPanelState>(validateToPanel, (message) => ({ type: 'log', level: 'warn', message }));
channel.post({ type: 'ready' });

/** When `ready` went out. */
export const readyPosted = epochMs();
