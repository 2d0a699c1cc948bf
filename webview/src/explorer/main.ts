/**
 * The Embedding Explorer's page: a small controller over its views (token list, vector,
 * neighbours, Compare Words, analogy, map). It computes nothing: the host's worker answers every
 * question, and this page keeps only the latest answer per view.
 *
 * First paint: the skeleton (file name, progress, empty list) is drawn from `#app[data-boot]`
 * before the host's `init` arrives and long before the file is indexed.
 *
 * DOM contract for the e2e test (test/e2e/DOM-CONTRACT.md): #app[data-state] loading|ready|error,
 * #app[data-timings], [data-testid="explorer-*"] hooks in each view.
 */
// First: opens the channel and says `ready` before the views are evaluated.
import { post, readyPosted, requestId, scriptStarted } from './channel';
import { channel } from './channel';
import { h } from '../dom';
import { watchTheme } from '../theme';
import { displayToken } from '../../../src/shared/displayToken';
import { assertNever, type ExplorerPreview, type ExplorerSummary, type ToExplorerMessage } from '../../../src/shared/explorerProtocol';
import { epochMs } from '../../../src/shared/protocol';
import { TokenList, button } from './tokenList';
import { VectorView } from './vectorView';
import { NeighboursView } from './neighbours';
import { AnalogyView } from './analogy';
import { CompareView } from './compare';
import { MapView } from './map';

const app = document.getElementById('app') ?? document.body.appendChild(h('div', { attrs: { id: 'app' } }));
const milestones: Record<string, number> = { scriptStarted, readyPosted };
let hostTimings: Record<string, number> = {};

function bootFile(): string {
  try {
    const boot: unknown = JSON.parse(app.dataset.boot ?? '{}');
    const file = (boot as { file?: unknown }).file;
    return typeof file === 'string' ? file.slice(0, 4096) : '';
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

let summary: ExplorerSummary | undefined;
let selected: string | undefined;
let tokenRequest = 0;
let neighboursRequest = 0;

// ---------------------------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------------------------

const title = h('h1', { testid: 'explorer-file', text: displayToken(bootFile()) || 'Embedding Explorer' });
const facts = h('span', { className: 'facts', testid: 'explorer-summary' });
const progress = h('progress', { testid: 'explorer-progress', attrs: { max: 100, value: 0, 'aria-label': 'Indexing' } });
const status = h('span', { className: 'status', testid: 'explorer-status', text: 'Indexing…', attrs: { 'aria-live': 'polite' } });
const activeSet = button('Use as Active Set', () => post({ type: 'useAsActiveSet' }), 'explorer-use-active');
activeSet.title = 'Make this file the embedding set Show Attention uses';
activeSet.disabled = true;
const problems = h('details', { className: 'problems', testid: 'explorer-problems', attrs: { hidden: true } });

const search = h('input', {
  className: 'search',
  testid: 'explorer-search',
  attrs: { type: 'search', placeholder: 'Search tokens', 'aria-label': 'Search tokens', spellcheck: 'false', disabled: true },
});

const list = new TokenList((token) => selectToken(token));
const vector = new VectorView();
const neighbours = new NeighboursView(
  () => selected !== undefined && requestNeighbours(selected),
  (token) => selectToken(token),
);
const compare = new CompareView();
const analogy = new AnalogyView((token) => selectToken(token));
const map = new MapView(() => ({ selected, query: search.value }), (token) => selectToken(token));

app.replaceChildren(
  h('header', { className: 'top' }, [h('div', { className: 'title-row' }, [title, facts, activeSet]), h('div', { className: 'progress-row' }, [progress, status]), problems]),
  h('main', { className: 'layout' }, [
    h('aside', { className: 'left' }, [search, list.element]),
    h('div', { className: 'right' }, [vector.element, neighbours.element, map.element, compare.element, analogy.element]),
  ]),
);
app.dataset.state = 'loading';
requestAnimationFrame(() => {
  milestones.firstPaint = epochMs();
  publishTimings();
  post({ type: 'painted', milestones: { firstPaint: milestones.firstPaint, scriptStarted } });
});

search.addEventListener('input', () => list.setQuery(search.value));
search.addEventListener('keydown', (event) => {
  if (event.key === 'ArrowDown') {
    event.preventDefault();
    list.focus();
  } else if (event.key === 'Enter') {
    event.preventDefault();
    const choice = list.firstChoice();
    if (choice !== undefined) selectToken(choice);
  }
});
watchTheme(() => map.paint());

// ---------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------

function selectToken(token: string): void {
  if (!summary) return;
  selected = token;
  tokenRequest = requestId();
  post({ type: 'requestToken', requestId: tokenRequest, word: token });
  requestNeighbours(token);
  compare.suggest(token);
  map.select(token);
}

function requestNeighbours(token: string): void {
  neighboursRequest = requestId();
  neighbours.pending(token);
  post({ type: 'requestNeighbours', requestId: neighboursRequest, word: token, measure: neighbours.selectedMeasure, k: neighbours.count });
}

function showSummary(s: ExplorerSummary): void {
  summary = s;
  title.textContent = displayToken(s.name);
  facts.textContent = `${s.count.toLocaleString('en-US')} tokens × ${s.dim} dimensions · ${s.format}${s.subwords ? ' · subword vectors for unknown words' : ''}`;
  facts.dataset.count = String(s.count);
  facts.dataset.dim = String(s.dim);
  progress.value = 100;
  progress.hidden = true;
  status.textContent = `Indexed in ${s.loadMs < 1000 ? `${s.loadMs.toFixed(0)} ms` : `${(s.loadMs / 1000).toFixed(1)} s`}`;
  activeSet.disabled = false;
  search.disabled = false;
  if (s.problems > 0) {
    problems.replaceChildren(h('summary', { text: `${s.problems.toLocaleString('en-US')} problem(s) while reading the file` }), ...s.problemLines.map((line) => h('p', { text: line })));
    problems.hidden = false;
  }
  app.dataset.state = 'ready';
  milestones.indexed = epochMs();
  publishTimings();
  list.enable();
}

/** The header and the first page of tokens while the file is still being indexed (the first paint of a big file). */
function showPreview(p: ExplorerPreview): void {
  if (summary) return;
  facts.textContent = `${p.count.toLocaleString('en-US')} tokens × ${p.dim} dimensions · ${p.format}`;
  facts.dataset.count = String(p.count);
  facts.dataset.dim = String(p.dim);
  list.preview(p.tokens, p.count);
  if (!milestones.previewShown) {
    milestones.previewShown = epochMs();
    publishTimings();
  }
}

function fail(message: string): void {
  app.dataset.state = 'error';
  progress.hidden = true;
  status.textContent = message;
  status.classList.add('error');
}

function publishTimings(): void {
  app.dataset.timings = JSON.stringify({ ...hostTimings, ...milestones });
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

channel.onMessage((message: ToExplorerMessage) => {
  switch (message.type) {
    case 'init':
      milestones.initReceived = epochMs();
      hostTimings = { ...message.timings };
      publishTimings();
      title.textContent = displayToken(message.file);
      if (message.status === 'ready' && message.summary) showSummary(message.summary);
      else if (message.status === 'error') fail(message.message);
      else {
        progress.value = Math.round(message.progress * 100);
        if (message.preview) showPreview(message.preview);
      }
      return;
    case 'preview':
      showPreview(message.preview);
      return;
    case 'progress':
      progress.value = Math.round(message.fraction * 100);
      status.textContent = `Indexing… ${Math.round(message.fraction * 100)}%`;
      return;
    case 'loaded':
      showSummary(message.summary);
      return;
    case 'failed':
      fail(message.message);
      return;
    case 'rows':
      if (!milestones.firstRows) {
        milestones.firstRows = epochMs();
        publishTimings();
      }
      list.receive(message);
      return;
    case 'token':
      if (message.requestId === tokenRequest && summary) vector.show(message, summary.dimNames);
      return;
    case 'neighbours':
      if (message.requestId === neighboursRequest) neighbours.show(message);
      return;
    case 'analogy':
      analogy.show(message);
      return;
    case 'compare':
      compare.show(message);
      return;
    case 'map':
      map.show(message);
      return;
    case 'queryFailed':
      if (message.requestId === tokenRequest) vector.clear(message.message);
      else if (message.requestId === neighboursRequest) neighbours.failed(message.message);
      else if (analogy.owns(message.requestId)) analogy.failed(message.message);
      else if (compare.owns(message.requestId)) compare.failed(message.message);
      else if (map.owns(message.requestId)) map.fail(message.message);
      else list.failed(message.requestId);
      return;
    case 'activeSet':
      status.textContent = message.message;
      activeSet.dataset.active = String(message.active);
      return;
    default:
      assertNever(message);
  }
});
