import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateHeadlight, contractField, waitFor, workspaceUri } from './helpers';

/** The part of the attention test API that brief/contracts.md promises. */
interface PanelState {
  readonly tokens: readonly string[];
  readonly focusedHead: number;
  readonly heads: number;
  readonly measure: string;
}
type PanelStateProbe = () => PanelState | undefined;

async function panelStateProbe(): Promise<PanelStateProbe> {
  const api = await activateHeadlight();
  const probe = contractField<PanelStateProbe>(api.attention, 'panelState', 'api.attention.panelState() (brief/contracts.md, test API)');
  return () => probe.call(api.attention);
}

/** Opens sentence.txt, selects a line (0-based) and runs Show Attention; resolves with the painted state. */
async function showAttentionOn(line: number): Promise<PanelState> {
  const panelState = await panelStateProbe();
  const document = await vscode.workspace.openTextDocument(workspaceUri('sentence.txt'));
  const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
  const text = document.lineAt(line).text;
  editor.selection = new vscode.Selection(line, 0, line, text.length);
  await vscode.commands.executeCommand('headlight.showAttention');
  const expected = text.split(/\s+/).join(' ');
  return waitFor(`the panel to show "${expected}"`, () => {
    const state = panelState();
    return state && state.tokens.join(' ') === expected ? state : undefined;
  }, 20_000);
}

suite('Attention panel', () => {
  test('Show Attention on a selection opens the panel with its tokens, head 0 focused', async () => {
    const state = await showAttentionOn(0);
    assert.deepEqual([...state.tokens], ['orange', 'apple', 'and', 'an']);
    assert.equal(state.focusedHead, 0);
    assert.ok(state.heads >= 1, `heads: ${state.heads}`);
    assert.ok(['dot', 'cosine', 'scaled'].includes(state.measure), `measure: ${state.measure}`);
  });

  test('Next Head and Previous Head step through the heads and wrap around', async () => {
    const panelState = await panelStateProbe();
    const start = await showAttentionOn(0);
    const heads = start.heads;
    const focused = (): number => panelState()?.focusedHead ?? -1;
    await vscode.commands.executeCommand('headlight.nextHead');
    await waitFor(`head ${1 % heads} after Next Head`, () => (focused() === 1 % heads ? true : undefined));
    await vscode.commands.executeCommand('headlight.previousHead');
    await waitFor('head 0 after Previous Head', () => (focused() === 0 ? true : undefined));
    await vscode.commands.executeCommand('headlight.previousHead');
    await waitFor(`head ${heads - 1} after Previous Head from head 0`, () => (focused() === heads - 1 ? true : undefined));
  });

  test('Export CSV, JSON and PNG write files to the given target', async () => {
    const state = await showAttentionOn(0);
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'headlight-export-'));
    const csv = vscode.Uri.file(path.join(folder, 'weights.csv'));
    const json = vscode.Uri.file(path.join(folder, 'weights.json'));
    const png = vscode.Uri.file(path.join(folder, 'heatmap.png'));
    await vscode.commands.executeCommand('headlight.exportCsv', csv);
    await vscode.commands.executeCommand('headlight.exportJson', json);
    await vscode.commands.executeCommand('headlight.exportPng', png);
    const read = (uri: vscode.Uri): Promise<Buffer> => waitFor(`${uri.fsPath} to be written`, () => (fs.existsSync(uri.fsPath) && fs.statSync(uri.fsPath).size > 0 ? fs.readFileSync(uri.fsPath) : undefined), 15_000);

    const csvLines = (await read(csv)).toString('utf8').trim().split(/\r?\n/);
    assert.equal(csvLines.length, state.tokens.length + 1, 'a header line and one line per token');
    for (const token of state.tokens) assert.ok(csvLines[0]!.includes(token), `CSV header names "${token}"`);
    for (const line of csvLines.slice(1)) {
      const weights = line.split(',').slice(1).map(Number);
      const sum = weights.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5, `a weights row sums to 1 (got ${sum}): ${line}`);
    }
    const parsed: unknown = JSON.parse((await read(json)).toString('utf8'));
    assert.ok(parsed && typeof parsed === 'object', 'JSON export parses');
    assert.ok(JSON.stringify(parsed).includes('"orange"'), 'JSON export names the tokens');
    const pngBytes = await read(png);
    assert.deepEqual([...pngBytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  });
});
