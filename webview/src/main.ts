/**
 * The attention panel's script: a thin entry. The controller (panel/controller.ts) owns the
 * state and dispatches the host's messages to the views listed in panel/registry.ts.
 *
 * DOM contract for the end-to-end tests: test/e2e/DOM-CONTRACT.md.
 */
// First: opens the channel and says `ready` before the modules below are evaluated.
import { channel } from './panelChannel';
import { PanelController } from './panel/controller';
import { PANEL_VIEWS } from './panel/registry';

new PanelController(channel, PANEL_VIEWS).start();
