/**
 * The "Heads" side view: every head of the current attention panel as a thumbnail, the focused
 * one highlighted; clicking one (or Enter) focuses it in the panel. Draws nothing else, so it
 * carries no Chart.js.
 */
import { readPalette, watchTheme } from './theme';
import { openChannel } from './vscodeApi';
import { h } from './dom';
import { ThumbGrid } from './thumbs';
import { assertNever, validateToHeads, type FromHeadsMessage, type ToHeadsMessage } from '../../src/shared/protocol';
import { visibleControls } from '../../src/shared/displayToken';

const channel = openChannel<FromHeadsMessage, ToHeadsMessage, undefined>(validateToHeads, (message) => ({ type: 'log', level: 'warn', message }));
const app = document.getElementById('app') ?? document.body.appendChild(h('div', { attrs: { id: 'app' } }));

const grid = new ThumbGrid(readPalette(), {
  testid: 'head-item',
  size: 64,
  onFocus: (head) => {
    grid.setFocused(head);
    channel.post({ type: 'focusHead', head });
  },
});
const label = h('p', { className: 'heads-label' });
const showButton = h('button', { className: 'primary', text: 'Show Attention', attrs: { type: 'button' } });
showButton.addEventListener('click', () => channel.post({ type: 'showAttention' }));
const empty = h('div', { className: 'heads-empty' }, [
  h('p', { text: 'Select a sentence in an editor, then run “Headlight: Show Attention” to see its heads here.' }),
  showButton,
]);
app.replaceChildren(empty, label, grid.element);

function handle(message: ToHeadsMessage): void {
  switch (message.type) {
    case 'heads': {
      const has = message.thumbs.length > 0;
      empty.hidden = has;
      label.hidden = !has;
      label.textContent = has ? `${visibleControls(message.label)} · ${message.tokens} tokens · ${message.thumbs.length} head${message.thumbs.length === 1 ? '' : 's'}` : '';
      grid.render(message.thumbs, message.focusedHead);
      app.dataset.state = has ? 'ready' : 'empty';
      break;
    }
    case 'focus':
      grid.setFocused(message.head);
      break;
    default:
      assertNever(message);
  }
}

channel.onMessage(handle);
watchTheme((palette) => grid.setPalette(palette));
app.dataset.state = 'empty';
channel.post({ type: 'ready' });
