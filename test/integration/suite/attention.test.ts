import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AttentionPanelState } from '../../../src/host/attention';
import { lessonWeights, lookup, readEmbText } from '../../e2e/harness/reference';
import { activateHeadlight, waitFor, workspaceUri } from './helpers';

const DECK_LINE = 'orange → 0.40 orange + 0.30 apple + 0.15 and + 0.15 an';

/** Opens sentence.txt, selects a line (0-based) as a user would, runs Show Attention; resolves once painted. */
async function showAttentionOn(line: number): Promise<AttentionPanelState> {
  const api = await activateHeadlight();
  const document = await vscode.workspace.openTextDocument(workspaceUri('sentence.txt'));
  const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
  const text = document.lineAt(line).text;
  editor.selection = new vscode.Selection(line, 0, line, text.length);
  await vscode.commands.executeCommand('headlight.showAttention');
  return waitFor(`the panel to show "${text}"`, () => {
    const state = api.attention.panelState();
    if (state?.status === 'error') throw new Error(`the panel shows an error: ${state.message}`);
    return state && state.status === 'ready' && state.words.join(' ') === text ? state : undefined;
  }, 20_000);
}

suite('Attention panel', () => {
  teardown(async () => {
    const api = await activateHeadlight();
    if (api.attention.panelState()) await api.attention.setOptions({ measure: 'dot', source: 'lesson' });
  });

  test('Show Attention on the deck\'s words with cosine gives the deck\'s softmax line', async () => {
    const api = await activateHeadlight();
    await showAttentionOn(0);
    await api.attention.setOptions({ measure: 'cosine', source: 'lesson' });
    const state = api.attention.panelState();
    assert.ok(state);
    assert.deepEqual([...state.tokens], ['orange', 'apple', 'and', 'an']);
    assert.equal(state.measure, 'cosine');
    assert.equal(state.heads, 1, 'lesson mode is one head');
    assert.equal(state.focusedHead, 0);
    assert.equal(state.softmaxLine, DECK_LINE);
  });

  test('a sentence with a repeated word attends to each occurrence; unknown words are reported', async () => {
    const api = await activateHeadlight();
    await api.attention.setOptions({ measure: 'cosine', source: 'lesson' });
    const state = await showAttentionOn(1);
    assert.equal(state.words.join(' '), 'please buy an apple and an orange');
    assert.equal(state.tokens.filter((t) => t === 'an').length, 2, `both "an" are tokens: ${state.tokens.join(' ')}`);
    for (const word of state.oov) assert.ok(!state.tokens.includes(word), `unknown "${word}" is not a token`);
    assert.deepEqual([...state.tokens], state.words.filter((w) => !state.oov.includes(w)), 'tokens are the known words in input order');
  });

  test('Next Head and Previous Head step through the heads and wrap around', async () => {
    const api = await activateHeadlight();
    const { d } = await showAttentionOn(0);
    // Seeded random projections with as many heads as divide the model dimension (d % h === 0).
    const heads = [4, 3, 2].find((h) => d % h === 0);
    assert.ok(heads, `the lesson set's dimension ${d} splits into 2, 3 or 4 heads`);
    await api.attention.setOptions({ source: 'random', heads, seed: 7 });
    const state = api.attention.panelState();
    assert.equal(state?.status, 'ready', `random projections: ${state?.message}`);
    assert.equal(state?.heads, heads);
    const focused = (): number => api.attention.panelState()?.focusedHead ?? -1;
    assert.equal(focused(), 0);
    await vscode.commands.executeCommand('headlight.nextHead');
    await waitFor('head 1 after Next Head', () => (focused() === 1 ? true : undefined));
    await vscode.commands.executeCommand('headlight.previousHead');
    await waitFor('head 0 after Previous Head', () => (focused() === 0 ? true : undefined));
    await vscode.commands.executeCommand('headlight.previousHead');
    await waitFor(`head ${heads - 1} after Previous Head from head 0`, () => (focused() === heads - 1 ? true : undefined));
  });

  test('Export CSV, JSON and PNG write files to the given target', async () => {
    const api = await activateHeadlight();
    await showAttentionOn(0);
    await api.attention.setOptions({ measure: 'cosine', source: 'lesson' });
    const state = api.attention.panelState()!;
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'headlight-export-'));
    const csv = vscode.Uri.file(path.join(folder, 'weights.csv'));
    const json = vscode.Uri.file(path.join(folder, 'weights.json'));
    const png = vscode.Uri.file(path.join(folder, 'heatmap.png'));
    await vscode.commands.executeCommand('headlight.exportCsv', csv);
    await vscode.commands.executeCommand('headlight.exportJson', json);
    await vscode.commands.executeCommand('headlight.exportPng', png);
    const read = (uri: vscode.Uri): Promise<Buffer> =>
      waitFor(`${uri.fsPath} to be written`, () => (fs.existsSync(uri.fsPath) && fs.statSync(uri.fsPath).size > 0 ? fs.readFileSync(uri.fsPath) : undefined), 15_000);

    // CSV: a header of keys, one line per query, the weights of the deck (reference from the deck's vectors).
    const deck = readEmbText(fs.readFileSync(workspaceUri('deck.emb').fsPath, 'utf8'));
    const expected = lessonWeights(state.tokens.map((t) => lookup(deck, t)!), 'cosine');
    const csvLines = (await read(csv)).toString('utf8').trim().split(/\r?\n/);
    assert.equal(csvLines.length, state.tokens.length + 1, `a header line and one line per token:\n${csvLines.join('\n')}`);
    for (const token of state.tokens) assert.ok(csvLines[0]!.includes(token), `CSV header names "${token}"`);
    csvLines.slice(1).forEach((line, i) => {
      const weights = line.split(',').slice(1).map(Number);
      weights.forEach((w, j) => assert.ok(Math.abs(w - expected[i]![j]!) < 1e-5, `CSV [${i}][${j}] = ${w}, reference ${expected[i]![j]}`));
    });
    const parsed: unknown = JSON.parse((await read(json)).toString('utf8'));
    assert.ok(JSON.stringify(parsed).includes('"orange"'), 'JSON export names the tokens');
    const pngBytes = await read(png);
    assert.deepEqual([...pngBytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
    assert.ok(pngBytes.readUInt32BE(16) > 0 && pngBytes.readUInt32BE(20) > 0, 'PNG width and height');
  });
});
