/**
 * Hardening (issue 6) through the real commands inside the extension host: numbers at the edges
 * of float32, non-finite values in files, the token limit, weights files that do not fit, and
 * what is left behind after the panel and the files are closed, or when a file changes while it
 * is being indexed.
 *
 * Fixtures are written at run time to the run folder's temp directory (TMPDIR of the extension
 * host), never into the repository. Expected weights come from test/e2e/harness/reference.ts
 * (float64, straight from the .emb text), never from Headlight's own output.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AttentionPanelState } from '../../../src/host/attention';
import type { HeadlightTestApi } from '../../../src/host/testApi';
import { lessonWeights, readEmbText, type MeasureName } from '../../e2e/harness/reference';
import { activateHeadlight, waitFor, workspaceUri } from './helpers';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'headlight-hardening-'));

function writeFixture(name: string, text: string | Uint8Array): vscode.Uri {
  const file = path.join(folder, name);
  fs.writeFileSync(file, text);
  return vscode.Uri.file(file);
}

type Setting = 'maxTokens' | 'weightsFile' | 'weightsLayer' | 'measure' | 'source' | 'heads';

async function setSetting(name: Setting, value: unknown): Promise<void> {
  // User settings of the run folder: the same configuration Headlight reads, nothing in the repository.
  await vscode.workspace.getConfiguration('headlight.attention').update(name, value, vscode.ConfigurationTarget.Global);
}

/** The attention panel's tab, if it is open. */
function panelTab(): vscode.Tab | undefined {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .find((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('headlight.attention'));
}

async function closePanel(api: HeadlightTestApi): Promise<void> {
  if (api.attention.panelState() === undefined) return;
  // A panel created a moment ago reaches the tab model a little later.
  const tab = await waitFor('the attention panel\'s tab', () => panelTab());
  await vscode.window.tabGroups.close(tab);
  await waitFor('the attention panel to close', () => (api.attention.panelState() === undefined ? true : undefined));
}

/** Selects lines first..last (0-based) of an .emb document and runs Show Attention on them. */
async function showOnLines(uri: vscode.Uri, first: number, last: number): Promise<void> {
  const document = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
  editor.selection = new vscode.Selection(first, 0, last, document.lineAt(last).text.length);
  await vscode.commands.executeCommand('headlight.showAttention');
}

/** Waits for the panel to be ready on exactly `tokens` (an error state fails with its message). */
async function readyOn(api: HeadlightTestApi, tokens: readonly string[], timeoutMs = 20_000): Promise<AttentionPanelState> {
  await api.attention.whenIdle();
  return waitFor(`the panel to show ${tokens.join(' ')}`, () => {
    const state = api.attention.panelState();
    if (state?.status === 'error') throw new Error(`the panel shows an error: ${state.message}`);
    return state?.status === 'ready' && state.tokens.join('\u0000') === tokens.join('\u0000') ? state : undefined;
  }, timeoutMs);
}

/** Waits for the panel's error sentence. */
async function errorShown(api: HeadlightTestApi, timeoutMs = 20_000): Promise<string> {
  await api.attention.whenIdle();
  return waitFor('the panel to show an error', () => {
    const state = api.attention.panelState();
    return state?.status === 'error' ? state.message : undefined;
  }, timeoutMs);
}

const EXPORTED = ['weights', 'scores', 'all-weights', 'breakdown', 'output'] as const;

/** Exports a matrix as JSON and CSV through the commands; returns the parsed JSON and the CSV text. */
let exports = 0;
async function exportBoth(which: (typeof EXPORTED)[number], tag: string): Promise<{ json: unknown; csv: string }> {
  // A fresh name each time: the commands never overwrite a file given as the target.
  const stem = `${tag}-${which}-${++exports}`;
  const json = vscode.Uri.file(path.join(folder, `${stem}.json`));
  const csv = vscode.Uri.file(path.join(folder, `${stem}.csv`));
  await vscode.commands.executeCommand('headlight.exportJson', json, which);
  await vscode.commands.executeCommand('headlight.exportCsv', csv, which);
  return { json: JSON.parse(fs.readFileSync(json.fsPath, 'utf8')) as unknown, csv: fs.readFileSync(csv.fsPath, 'utf8') };
}

/** Every number (and every null, which the JSON export writes for a non-finite value) under `value`. */
function numbersIn(value: unknown, at = '$', out: { at: string; value: number | null }[] = []): { at: string; value: number | null }[] {
  if (value === null) out.push({ at, value: null });
  else if (typeof value === 'number') out.push({ at, value });
  else if (Array.isArray(value)) value.forEach((v, i) => numbersIn(v, `${at}[${i}]`, out));
  else if (typeof value === 'object') for (const [k, v] of Object.entries(value as object)) numbersIn(v, `${at}.${k}`, out);
  return out;
}

/** The weights rows of an exported `weights` JSON. */
function weightRows(json: unknown): number[][] {
  const values = (json as { values?: unknown }).values;
  assert.ok(Array.isArray(values), `the weights JSON has a values array: ${JSON.stringify(json).slice(0, 300)}`);
  return values as number[][];
}

function assertNear(actual: number[][], expected: number[][], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} rows, expected ${expected.length}`);
  expected.forEach((row, i) =>
    row.forEach((value, j) => {
      const got = actual[i]?.[j];
      assert.ok(typeof got === 'number' && Math.abs(got - value) <= tolerance, `${what} [${i}][${j}] is ${got}, reference ${value}`);
    }),
  );
}

suite('Hardening: numbers at the edges', () => {
  let api: HeadlightTestApi;
  suiteSetup(async () => {
    api = await activateHeadlight();
  });
  teardown(async () => {
    await api.attention.setOptions({ measure: 'cosine', source: 'lesson', causal: false, temperature: 1 });
  });

  // A zero vector, values of ±1e4 (dot scores up to 4e8), a tiny vector and an ordinary one.
  const EDGES = ['# dims: a b c d', 'zero 0 0 0 0', 'big 10000 -10000 10000 -10000', 'neg -10000 10000 -10000 10000', 'tiny 0.0001 0 -0.0001 0', 'mid 1 2 3 4', ''].join('\n');
  const EDGE_TOKENS = ['zero', 'big', 'neg', 'tiny', 'mid'];

  test('zero vectors and ±1e4 values: each measure gives the reference weights, and no export holds a NaN', async () => {
    const uri = writeFixture('edges.emb', EDGES);
    const vectors = readEmbText(EDGES);
    await showOnLines(uri, 1, 5);
    await readyOn(api, EDGE_TOKENS);
    for (const measure of ['cosine', 'dot', 'scaled'] as const satisfies readonly MeasureName[]) {
      await api.attention.setOptions({ measure, source: 'lesson' });
      const state = await readyOn(api, EDGE_TOKENS);
      assert.equal(state.measure, measure);
      assert.doesNotMatch(state.softmaxLine, /NaN|undefined|Infinity/, `softmax line (${measure}): ${state.softmaxLine}`);
      const expected = lessonWeights(EDGE_TOKENS.map((t) => vectors.get(t)!), measure);
      for (const which of EXPORTED) {
        const { json, csv } = await exportBoth(which, `edges-${measure}`);
        const bad = numbersIn(json).filter((n) => n.value === null || !Number.isFinite(n.value));
        assert.deepEqual(bad, [], `${measure} ${which} JSON holds non-finite values`);
        assert.doesNotMatch(csv, /\bnan\b|\binf\b/i, `${measure} ${which} CSV:\n${csv.slice(0, 400)}`);
        if (which === 'weights') assertNear(weightRows(json), expected, 1e-4, `${measure} weights`);
      }
    }
    // Seeded random projections over the same rows: finite everywhere too.
    await api.attention.setOptions({ measure: 'scaled', source: 'random', heads: 2, seed: 7 });
    const random = await readyOn(api, EDGE_TOKENS);
    assert.equal(random.heads, 2);
    for (const which of EXPORTED) {
      const { json } = await exportBoth(which, 'edges-random');
      assert.deepEqual(numbersIn(json).filter((n) => n.value === null || !Number.isFinite(n.value)), [], `random ${which} JSON holds non-finite values`);
    }
  });

  test('values near the float32 limit: scores that overflow print as ∞, weights stay the reference\'s, never a NaN', async () => {
    // 1e20 is a finite float32, its square is not: dot and scaled scores overflow to ±∞.
    const HUGE = ['p 1e20 0 0 0', 'q 1e20 0 0 0', 'r -1e20 0 0 0', 's 1 1 1 1', ''].join('\n');
    const uri = writeFixture('huge.emb', HUGE);
    const vectors = readEmbText(HUGE);
    const tokens = ['p', 'q', 'r', 's'];
    await showOnLines(uri, 0, 3);
    await readyOn(api, tokens);
    for (const measure of ['dot', 'scaled', 'cosine'] as const) {
      await api.attention.setOptions({ measure, source: 'lesson' });
      const state = await readyOn(api, tokens);
      assert.doesNotMatch(state.softmaxLine, /NaN|undefined/, `softmax line (${measure}): ${state.softmaxLine}`);
      const weights = await exportBoth('weights', `huge-${measure}`);
      // float64 has room for 1e40: the reference is exact where float32 saturates.
      assertNear(weightRows(weights.json), lessonWeights(tokens.map((t) => vectors.get(t)!), measure), 1e-4, `${measure} weights`);
      for (const which of ['weights', 'breakdown', 'output', 'scores'] as const) {
        const { csv } = await exportBoth(which, `huge-${measure}`);
        assert.doesNotMatch(csv, /\bnan\b/i, `${measure} ${which} CSV has a NaN:\n${csv.slice(0, 600)}`);
      }
    }
  });

  test('NaN and Infinity in a file are located diagnostics; Show Attention attends over the finite rows', async () => {
    const text = ['a 1 0 0', 'b NaN 1 0', 'c 1 Infinity 0', 'd 0 -inf 1', 'e 1e39 0 0', 'f 0 1 0', ''].join('\n');
    const uri = writeFixture('nonfinite.emb', text);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const diagnostics = await waitFor('diagnostics on the four non-finite lines', () => {
      const found = vscode.languages.getDiagnostics(uri);
      return [1, 2, 3, 4].every((line) => found.some((d) => d.range.start.line === line)) ? found : undefined;
    });
    for (const line of [1, 2, 3, 4]) {
      const d = diagnostics.find((x) => x.range.start.line === line)!;
      assert.ok(d.range.start.character > 1, `line ${line + 1}: the range points at the value, not the token (${d.range.start.character})`);
      assert.match(d.message, /finite|NaN|infinit|range|float/i, `line ${line + 1}: ${d.message}`);
    }
    assert.ok(!diagnostics.some((d) => d.range.start.line === 0 || d.range.start.line === 5), 'the finite rows have no problem');
    await showOnLines(uri, 0, 5);
    const state = await readyOn(api, ['a', 'f']);
    assert.doesNotMatch(state.softmaxLine, /NaN/);
    const { json } = await exportBoth('weights', 'nonfinite');
    assertNear(weightRows(json), lessonWeights([[1, 0, 0], [0, 1, 0]], state.measure), 1e-5, 'weights of the finite rows');
  });
});

suite('Hardening: limits and weights files', () => {
  let api: HeadlightTestApi;
  suiteSetup(async () => {
    api = await activateHeadlight();
  });
  teardown(async () => {
    await setSetting('maxTokens', undefined);
    await setSetting('weightsFile', undefined);
    await api.attention.setOptions({ measure: 'cosine', source: 'lesson', heads: 4 });
  });

  test('more tokens than headlight.attention.maxTokens: refused with a message naming the setting', async () => {
    await setSetting('maxTokens', 3);
    // The editor path shows a warning notification: catch it on its way out of the extension.
    const shown: string[] = [];
    const window = vscode.window as unknown as { showWarningMessage: (...args: unknown[]) => Thenable<unknown> };
    const original = window.showWarningMessage;
    window.showWarningMessage = (message: unknown, ...rest: unknown[]) => {
      shown.push(String(message));
      return original.call(vscode.window, message, ...rest);
    };
    try {
      const sentence = await vscode.workspace.openTextDocument(workspaceUri('sentence.txt'));
      const editor = await vscode.window.showTextDocument(sentence, vscode.ViewColumn.One);
      editor.selection = new vscode.Selection(0, 0, 0, sentence.lineAt(0).text.length); // 4 words
      await vscode.commands.executeCommand('headlight.showAttention');
      const text = await waitFor('a warning naming the setting', () => shown.find((m) => /maxTokens/.test(m)));
      assert.match(text, /headlight\.attention\.maxTokens/);
      assert.match(text, /\b4\b[\s\S]*\b3\b/, `the message gives the count (4) and the limit (3): ${text}`);
      // Lines of an .emb file: 5 rows.
      await showOnLines(workspaceUri('deck.emb'), 2, 6);
      await waitFor('a second warning (the .emb selection)', () => (shown.filter((m) => /maxTokens/.test(m)).length >= 2 ? true : undefined));
    } finally {
      window.showWarningMessage = original;
    }
    // An open panel recomputing over more tokens than the limit shows the same sentence.
    await setSetting('maxTokens', undefined);
    const sentence = await vscode.workspace.openTextDocument(workspaceUri('sentence.txt'));
    const editor = await vscode.window.showTextDocument(sentence, vscode.ViewColumn.One);
    editor.selection = new vscode.Selection(0, 0, 0, sentence.lineAt(0).text.length);
    await vscode.commands.executeCommand('headlight.showAttention');
    await readyOn(api, ['orange', 'apple', 'and', 'an']);
    await setSetting('maxTokens', 3);
    await api.attention.setOptions({ measure: 'dot' });
    assert.match(await errorShown(api), /4[\s\S]*3[\s\S]*headlight\.attention\.maxTokens/);
  });

  test('weights whose E does not match d, and files that lie about their size, are refused with the reason', async () => {
    const deck = workspaceUri('deck.emb'); // d = 3
    const e4 = writeFixture('e4.safetensors', multiheadSafetensors(4));
    await setSetting('weightsFile', e4.fsPath);
    await showOnLines(deck, 2, 3);
    await readyOn(api, ['orange', 'phone']);
    await api.attention.setOptions({ source: 'weights', heads: 1 });
    const mismatch = await errorShown(api);
    assert.match(mismatch, /E = 4/, mismatch);
    assert.match(mismatch, /d = 3/, mismatch);

    // The same weights for E = 3 are accepted (the refusal above was about E, not the file).
    const e3 = writeFixture('e3.safetensors', multiheadSafetensors(3));
    await setSetting('weightsFile', e3.fsPath);
    await api.attention.setOptions({ source: 'weights', heads: 1 });
    await waitFor('the E = 3 weights to be used', () => (api.attention.panelState()?.status === 'ready' ? true : undefined), 20_000);

    // A model's file with two attention layers: which one is the user's choice, never a guess.
    const layers = writeFixture('two-layers.safetensors', multiheadSafetensors(3, ['layers.0.attn.', 'layers.1.attn.']));
    await setSetting('weightsFile', layers.fsPath);
    await api.attention.setOptions({ source: 'weights', heads: 1 });
    const ambiguous = await errorShown(api);
    assert.match(ambiguous, /2 attention layers/, ambiguous);
    assert.match(ambiguous, /layers\.0\.attn\..*layers\.1\.attn\./, ambiguous);
    assert.match(ambiguous, /headlight\.attention\.weightsLayer/, ambiguous);
    await setSetting('weightsLayer', 'layers.1.attn.');
    await waitFor('layer 1 of the two-layer file to be used', () => (api.attention.panelState()?.status === 'ready' ? true : undefined), 20_000);
    // A setting that changed is adopted; what the user chose in the panel (weights, 1 head) stays.
    assert.equal(api.attention.panelState()?.source, 'weights');
    assert.equal(api.attention.panelState()?.heads, 1);
    await setSetting('weightsLayer', 'layers.7.');
    assert.match(await errorShown(api), /under prefix "layers\.7\."/);
    await setSetting('weightsLayer', undefined);

    const good = multiheadSafetensors(3);
    const longer = writeFixture('longer.safetensors', concat(good, new Uint8Array(16)));
    await setSetting('weightsFile', longer.fsPath);
    await api.attention.setOptions({ source: 'weights', heads: 1 });
    assert.match(await errorShown(api), /larger than its header|belong to no tensor|trailing|extra/i);

    const shorter = writeFixture('shorter.safetensors', good.subarray(0, good.length - 12));
    await setSetting('weightsFile', shorter.fsPath);
    await api.attention.setOptions({ source: 'weights', heads: 1 });
    assert.match(await errorShown(api), /past the end|shorter|truncated|needs \d+ bytes|smaller/i);
  });
});

suite('Hardening: disposal and staleness', () => {
  let api: HeadlightTestApi;
  suiteSetup(async () => {
    api = await activateHeadlight();
  });

  test('closing the panel and the files leaves no panel, computation, index or load behind', async () => {
    const edges = writeFixture('dispose.emb', 'x 1 0\ny 0 1\nz 1 1\n');
    await vscode.commands.executeCommand('vscode.open', edges);
    await waitFor('the index of dispose.emb', () => (api.emb.trackedFiles().includes(edges.toString()) ? true : undefined));
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor && editor.document.uri.toString() === edges.toString());
    editor.selection = new vscode.Selection(0, 0, 2, 3);
    await vscode.commands.executeCommand('headlight.showAttention');
    await readyOn(api, ['x', 'y', 'z']);
    await api.attention.whenPanelReady();

    await closePanel(api);
    assert.equal(api.attention.panelState(), undefined, 'no panel state once the panel is closed');
    await api.attention.whenIdle();
    assert.equal(api.attention.hasWorker(), false, 'the warm attention worker ends with the panel');
    // Head commands have nothing to act on.
    await vscode.commands.executeCommand('headlight.nextHead');
    assert.equal(api.attention.panelState(), undefined, 'Next Head does not bring a closed panel back');

    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor('dispose.emb to be untracked once its editor closed', () => (api.emb.trackedFiles().includes(edges.toString()) ? undefined : true), 20_000);
    await waitFor('no file load in flight', () => (api.emb.loadsInFlight() === 0 ? true : undefined));
    assert.ok(!api.emb.indexes().some((index) => index.uri.toString() === edges.toString()), 'no index of a closed file is held');
    assert.ok(!vscode.languages.getDiagnostics(edges).length, 'no diagnostics linger for a closed file');

    // What was disposed was the panel's, not the feature's: Show Attention works again.
    await vscode.commands.executeCommand('vscode.open', edges);
    const again = vscode.window.activeTextEditor!;
    again.selection = new vscode.Selection(0, 0, 1, 3);
    await vscode.commands.executeCommand('headlight.showAttention');
    await readyOn(api, ['x', 'y']);
    assert.equal(api.attention.hasWorker(), false, 'a sentence is computed on the host thread: no worker thread for it');
    // A long input goes to a worker thread, which ends with the panel.
    const many = Array.from({ length: 400 }, (_, i) => ['orange', 'apple', 'and', 'an', 'phone'][i % 5]!);
    await api.attention.setOptions({ source: 'lesson' });
    await vscode.commands.executeCommand('headlight.showAttention', { words: many });
    await readyOn(api, many);
    assert.equal(api.attention.hasWorker(), true, 'the long input started a new worker');
    await closePanel(api);
    assert.equal(api.attention.hasWorker(), false, 'and it ends with the panel again');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('two Show Attention requests in quick succession: the later one wins, the earlier result never shows', async () => {
    const many = Array.from({ length: 400 }, (_, i) => ['orange', 'apple', 'and', 'an', 'phone'][i % 5]!);
    await api.attention.setOptions({ source: 'random', heads: 4, seed: 3, measure: 'scaled' });
    const first = vscode.commands.executeCommand('headlight.showAttention', { words: many });
    const second = vscode.commands.executeCommand('headlight.showAttention', { words: ['phone', 'apple'] });
    await Promise.all([first, second]);
    await readyOn(api, ['phone', 'apple']);
    const seen: string[] = [];
    const listener = api.attention.onDidChange(() => seen.push(api.attention.panelState()?.tokens.length.toString() ?? 'closed'));
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await api.attention.whenIdle();
    } finally {
      listener.dispose();
    }
    assert.equal(api.attention.panelState()?.tokens.join(' '), 'phone apple', 'the later request is what the panel shows');
    assert.ok(!seen.includes('400'), `the earlier (400-token) result did not arrive afterwards: ${seen.join(', ')}`);
    await api.attention.setOptions({ source: 'lesson', measure: 'cosine' });
    await closePanel(api);
  });

  test('a file rewritten on disk while it is indexed is indexed again, matching the final content', async () => {
    // Above headlight.index.largeFileThresholdMB (1 MB): indexed from disk, off the host thread.
    const first = bigEmb('v1', 40_000, 16);
    const second = bigEmb('v2', 30_000, 16);
    assert.ok(first.length > 1.5 * 1024 * 1024, `the first version is ${first.length} bytes`);
    const uri = writeFixture('big.emb', first);
    await vscode.commands.executeCommand('vscode.open', uri);
    const inFlight = await waitFor('the disk load of big.emb to start', () => (api.emb.loadsInFlight() > 0 ? true : undefined), 20_000).catch(() => false);
    fs.writeFileSync(uri.fsPath, second);
    const document = await waitFor('the editor to pick up the new content', () => {
      const d = vscode.workspace.textDocuments.find((x) => x.uri.toString() === uri.toString());
      return d && d.lineAt(0).text.startsWith('v2_0 ') ? d : undefined;
    }, 30_000);
    const index = await waitFor('the index of the new content', async () => {
      const found = await api.emb.indexFor(uri);
      return found && found.store.count === 30_000 ? found : undefined;
    }, 60_000);
    assert.equal(inFlight, true, 'the rewrite happened while the first version was loading (else this test proves less)');
    assert.equal(index.version, document.version, 'the index matches the document version');
    assert.equal(index.store.dim, 16);
    assert.equal(index.store.token(0), 'v2_0');
    assert.equal(index.store.token(29_999), 'v2_29999');
    assert.equal(index.store.indexOf('v1_0'), -1, 'nothing of the first version is left');
    const expectedRow = bigRow(29_999, 16);
    assert.deepEqual(Array.from(index.store.vector(29_999)), expectedRow.map((v) => Math.fround(v)));
    assert.equal(api.emb.indexes().filter((i) => i.uri.toString() === uri.toString()).length, 1, 'one index per file');
    await waitFor('no file load in flight', () => (api.emb.loadsInFlight() === 0 ? true : undefined), 20_000);

    // Unsaved edits while the big text is parsed in slices: the index follows the editor text.
    const editor = await vscode.window.showTextDocument(document);
    await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), 'edited 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n'));
    await editor.edit((edit) => edit.delete(new vscode.Range(1, 0, 2, 0))); // drops v2_0
    const edited = await waitFor('the index of the edited text', async () => {
      const found = await api.emb.indexFor(uri);
      return found && found.version === document.version ? found : undefined;
    }, 60_000);
    assert.equal(edited.store.count, 30_000);
    assert.equal(edited.store.token(0), 'edited');
    assert.equal(edited.store.indexOf('v2_0'), -1);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});

/** A float32 nn.MultiheadAttention state_dict for width e (packed in_proj), small deterministic values. */
function multiheadSafetensors(e: number, prefixes: readonly string[] = ['']): Uint8Array {
  const tensors: { name: string; shape: number[] }[] = prefixes.flatMap((prefix) => [
    { name: `${prefix}in_proj_weight`, shape: [3 * e, e] },
    { name: `${prefix}in_proj_bias`, shape: [3 * e] },
    { name: `${prefix}out_proj.weight`, shape: [e, e] },
    { name: `${prefix}out_proj.bias`, shape: [e] },
  ]);
  const header: Record<string, unknown> = {};
  let offset = 0;
  const data: number[] = [];
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
    for (let i = 0; i < count; i++) data.push(((i * 7919) % 13) / 13 - 0.5);
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + 4 * data.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  data.forEach((v, i) => view.setFloat32(8 + json.length + 4 * i, v, true));
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function bigRow(i: number, dim: number): number[] {
  return Array.from({ length: dim }, (_, j) => (((i * 31 + j * 17) % 2001) - 1000) / 1000);
}

function bigEmb(prefix: string, count: number, dim: number): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(`${prefix}_${i} ${bigRow(i, dim).join(' ')}`);
  return lines.join('\n') + '\n';
}

suiteTeardown(() => {
  fs.rmSync(folder, { recursive: true, force: true });
});
