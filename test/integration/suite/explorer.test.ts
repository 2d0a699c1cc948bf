/**
 * The Embedding Explorer inside the extension host: a file opened with
 * `vscode.openWith(uri, 'headlight.embeddingExplorer')` is indexed in the Explorer's worker thread,
 * its page runs (it says `ready`, gets `init`, reports its first paint), and its questions are
 * answered as gensim answers them (test/fixtures/emb/gensim-expected.json: gensim 4.2's
 * most_similar on gensim-small.emb, made by make_gensim_fixture.py). Closing the editor ends it.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExplorerFeaturesApi } from '../../../src/host/explorer';
import { activateHeadlight, waitFor } from './helpers';

/** The repository (this file runs as out/test/integration/suite/explorer.test.js). */
const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const fixtures = path.join(repoRoot, 'test', 'fixtures', 'emb');
const expected = JSON.parse(fs.readFileSync(path.join(fixtures, 'gensim-expected.json'), 'utf8')) as {
  most_similar: Record<string, [string, number][]>;
  analogy: { positive: [string, string]; negative: [string]; neighbors: [string, number][] }[];
};

async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

suite('Embedding Explorer', () => {
  let explorer: ExplorerFeaturesApi;
  let folder: string;
  let file: vscode.Uri;

  suiteSetup(async () => {
    const api = await activateHeadlight();
    assert.ok(api.explorer, 'the desktop extension exposes the Explorer');
    explorer = api.explorer;
    // A copy outside the workspace: the Explorer reads any file on disk, and the workspace stays as it is.
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'headlight-explorer-'));
    fs.copyFileSync(path.join(fixtures, 'gensim-small.emb'), path.join(folder, 'gensim-small.vec'));
    file = vscode.Uri.file(path.join(folder, 'gensim-small.vec'));
  });

  suiteTeardown(async () => {
    await closeAllEditors();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  test('vscode.openWith opens the Explorer: indexed in its worker, the page paints and gets init', async () => {
    await vscode.commands.executeCommand('vscode.openWith', file, explorer.viewType);
    const state = await waitFor('an Explorer on gensim-small.vec', () => explorer.whenIndexed(file), 20_000);
    assert.equal(state.status, 'ready', state.message);
    assert.equal(state.summary?.count, 300);
    assert.equal(state.summary?.dim, 16);
    assert.equal(state.summary?.format, 'GloVe text');
    const session = explorer.sessions().find((s) => s.uri.toString() === file.toString());
    assert.ok(session);
    assert.equal(session.where, 'worker', 'the store lives in the Explorer worker, not on the extension host thread');
    const painted = await waitFor('the page to report its first paint', () => explorer.sessions()[0]?.webviewMilestones.firstPaint, 20_000);
    assert.ok(painted > 0);
    const init = await waitFor('init posted to the page', () => explorer.sessions()[0]?.lastPosted('init'));
    assert.equal(init.file, 'gensim-small.vec');
    assert.equal(session.rejectedMessages, 0, 'every message from the page passed validation');
  });

  test('the page asks for its first rows, and gets the file in order', async () => {
    const rows = await waitFor('the page to ask for rows', () => explorer.sessions()[0]?.lastPosted('rows'), 20_000);
    const lines = fs.readFileSync(file.fsPath, 'utf8').split('\n').filter((l) => l.trim() !== '');
    assert.equal(rows.total, lines.length);
    assert.deepEqual(rows.tokens.slice(0, 5), lines.slice(0, 5).map((l) => l.split(' ')[0]));
  });

  test('neighbours through the worker are gensim most_similar', async () => {
    for (const [word, reference] of Object.entries(expected.most_similar)) {
      const answer = await explorer.ask(file, { kind: 'neighbours', word, measure: 'cosine', k: reference.length });
      assert.deepEqual(answer.neighbours.map((n) => n.token), reference.map(([t]) => t), word);
      answer.neighbours.forEach((n, i) => assert.ok(Math.abs(n.cosine - reference[i]![1]) < 1e-6, `${word}: ${n.token}`));
    }
  });

  test('analogies through the worker are gensim most_similar(positive, negative)', async () => {
    for (const { positive, negative, neighbors } of expected.analogy.slice(0, 4)) {
      const answer = await explorer.ask(file, { kind: 'analogy', a: positive[0], b: negative[0], c: positive[1], k: neighbors.length });
      assert.deepEqual(answer.answers.map((a) => a.token), neighbors.map(([t]) => t));
    }
  });

  test('an unknown word is a clear answer, not a crash', async () => {
    await assert.rejects(explorer.ask(file, { kind: 'token', word: 'nosuchword' }), /"nosuchword" is not in gensim-small\.vec \(300 words\)/);
    const again = await explorer.ask(file, { kind: 'token', word: 'w001' });
    assert.equal(again.index, 1, 'the worker still answers after a refusal');
  });

  test('closing the Explorer ends its session and worker', async () => {
    await closeAllEditors();
    await waitFor('no Explorer left', () => (explorer.sessions().length === 0 ? true : undefined));
    await assert.rejects(explorer.ask(file, { kind: 'token', word: 'w001' }), /no Embedding Explorer is open/);
  });

  test('"Open in Embedding Explorer" opens a file given as its argument', async () => {
    await vscode.commands.executeCommand(explorer.commands.open, file);
    const state = await waitFor('an Explorer opened by the command', () => explorer.whenIndexed(file), 20_000);
    assert.equal(state.status, 'ready');
    await closeAllEditors();
  });
});
