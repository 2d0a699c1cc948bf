/**
 * The "Heads" side view: every head of the current attention panel as a thumbnail, the focused
 * one highlighted; clicking one (or Enter) focuses it in the panel. The lesson's multi-head
 * attention is a flat list (ThumbGrid); a model's heads are a layers × heads grid
 * (LayerHeadGrid). Draws nothing else, so it carries no Chart.js.
 */
import { readPalette, watchTheme } from './theme';
import { openChannel } from './vscodeApi';
import { h } from './dom';
import { ThumbGrid } from './thumbs';
import { LayerHeadGrid } from './headGrid';
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
const layerGrid = new LayerHeadGrid(readPalette(), (index) => {
  layerGrid.setFocused(index);
  describeFocus(index);
  channel.post({ type: 'focusHead', head: index });
});
layerGrid.element.hidden = true;
const label = h('p', { className: 'heads-label', testid: 'heads-label' });
/** What the label says besides the focus: the source, the tokens, the shape. */
let labelBase = '';
/** Heads per layer while a model's grid is shown (0: the flat list). */
let gridHeads = 0;

function describeFocus(index: number): void {
  label.textContent = gridHeads > 0 ? `${labelBase} · focused L${Math.floor(index / gridHeads) + 1}H${(index % gridHeads) + 1}` : labelBase;
}
const showButton = h('button', { className: 'primary', text: 'Show Attention', attrs: { type: 'button' } });
showButton.addEventListener('click', () => channel.post({ type: 'showAttention' }));
const empty = h('div', { className: 'heads-empty' }, [
  h('p', { text: 'Select a sentence in an editor, then run “Headlight: Show Attention” to see its heads here.' }),
  showButton,
]);
app.replaceChildren(empty, label, grid.element, layerGrid.element);

function handle(message: ToHeadsMessage): void {
  switch (message.type) {
    case 'heads': {
      const has = message.thumbs.length > 0;
      const layers = has ? message.layers : undefined;
      empty.hidden = has;
      label.hidden = !has;
      gridHeads = layers ? message.thumbs.length / layers : 0;
      labelBase = !has
        ? ''
        : layers
          ? `${visibleControls(message.label)} · ${message.tokens} tokens`
          : `${visibleControls(message.label)} · ${message.tokens} tokens · ${message.thumbs.length} head${message.thumbs.length === 1 ? '' : 's'}`;
      describeFocus(message.focusedHead);
      grid.element.hidden = layers !== undefined;
      layerGrid.element.hidden = layers === undefined;
      if (layers) {
        grid.render([], 0);
        layerGrid.render(message.thumbs, layers, message.focusedHead);
      } else {
        layerGrid.render([], 0, 0);
        grid.render(message.thumbs, message.focusedHead);
      }
      app.dataset.layout = layers ? 'grid' : 'list';
      app.dataset.state = has ? 'ready' : 'empty';
      break;
    }
    case 'focus':
      if (gridHeads > 0) layerGrid.setFocused(message.head);
      else grid.setFocused(message.head);
      describeFocus(message.head);
      break;
    default:
      assertNever(message);
  }
}

channel.onMessage(handle);
watchTheme((palette) => {
  grid.setPalette(palette);
  if (gridHeads > 0) layerGrid.setPalette(palette);
});
app.dataset.state = 'empty';
channel.post({ type: 'ready' });
