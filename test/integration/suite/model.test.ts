/**
 * Real models in the extension host: the fixture checkpoints (test/fixtures/models, copied into
 * the workspace at test time) opened from a workspace folder and from a Hugging Face cache laid
 * out as the hub lays it out (HF_HUB_CACHE pointed at it), Show Attention on a selection, the
 * focused head, the thumbnails, the rollout and the next tokens against the torch and numpy
 * references, Next/Previous Head and Layer, token ↔ editor linking, Append, the JSON export, and
 * bad input with its message. The host's event loop delay while loading and computing is printed.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { ModelFeaturesApi } from '../../../src/host/model';
import { thumbCellOf, thumbCellWeight, type FloatMatrix } from '../../../src/shared/modelView';
import { addHubSnapshot } from '../../unit/model/hubLayout';
import { activateHeadlight, waitFor, workspaceUri } from './helpers';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'models');
const TOKEN_VIEWS = JSON.parse(fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'core', 'token_views.json'), 'utf8')) as { models: Record<string, { rollout: number[][][] }> };

interface Reference {
  text: string;
  ids: number[];
  attentions: number[][][][];
  focus: { layer: number; head: number };
  logitsLast?: number[];
}

function reference(name: string): Reference {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name, 'reference.json'), 'utf8')) as Reference;
}

function floats(m: FloatMatrix): number[][] {
  const data = new Float32Array(m.data);
  return Array.from({ length: m.rows }, (_, i) => Array.from(data.subarray(i * m.cols, (i + 1) * m.cols)));
}

function assertClose(ours: number[][], theirs: number[][], tol: number, what: string): void {
  assert.equal(ours.length, theirs.length, `${what}: rows`);
  ours.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - theirs[i]![j]!) <= tol, `${what} (${i}, ${j}): ${v} vs ${theirs[i]![j]}`)));
}

function copyFolder(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const name of fs.readdirSync(from)) fs.copyFileSync(path.join(from, name), path.join(to, name));
}

const WORKSPACE_MODELS = 'models-under-test';
let hubCache = '';
let previousHubCache: string | undefined;

async function modelApi(): Promise<ModelFeaturesApi> {
  const api = await activateHeadlight();
  assert.ok(api.model, 'the desktop extension has the model source');
  return api.model;
}

/** Writes `text` to a file in the workspace, selects all of it, runs Show Attention, waits for the snapshot. */
async function showOn(model: ModelFeaturesApi, file: string, text: string): Promise<vscode.TextEditor> {
  const uri = workspaceUri(WORKSPACE_MODELS, file);
  fs.writeFileSync(uri.fsPath, `${text}\n`);
  const document = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
  editor.selection = new vscode.Selection(document.positionAt(0), document.positionAt(text.length));
  await vscode.commands.executeCommand('headlight.showAttention');
  await waitFor(`the model's snapshot of "${text}"`, () => {
    const state = model.state();
    if (state.message) throw new Error(state.message);
    return state.snapshot?.text === text ? state : undefined;
  }, 30_000);
  await model.whenIdle();
  return editor;
}

suite('Real models', function () {
  // Loading in a worker and a dozen forward passes: seconds on a 2-core machine shared with other work.
  this.timeout(180_000);

  suiteSetup(() => {
    const root = workspaceUri(WORKSPACE_MODELS).fsPath;
    fs.rmSync(root, { recursive: true, force: true });
    for (const name of ['gpt2', 'bert']) copyFolder(path.join(FIXTURES, name), path.join(root, name));
    // Bad inputs, made from a good one: an architecture we do not run, a truncated checkpoint.
    copyFolder(path.join(FIXTURES, 'gpt2'), path.join(root, 'unsupported'));
    const config = JSON.parse(fs.readFileSync(path.join(root, 'unsupported', 'config.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(root, 'unsupported', 'config.json'), JSON.stringify({ ...config, model_type: 't5', architectures: ['T5ForConditionalGeneration'] }));
    copyFolder(path.join(FIXTURES, 'gpt2'), path.join(root, 'truncated'));
    const checkpoint = path.join(root, 'truncated', 'model.safetensors');
    fs.truncateSync(checkpoint, Math.floor(fs.statSync(checkpoint).size / 2));
    fs.mkdirSync(path.join(root, 'notes'));
    fs.writeFileSync(path.join(root, 'notes', 'config.json'), '{"model_type": "gpt2"}');

    hubCache = fs.mkdtempSync(path.join(os.tmpdir(), 'headlight-hub-'));
    addHubSnapshot(hubCache, { repoId: 'tiny-random/llama', commit: '1'.repeat(40), from: path.join(FIXTURES, 'llama'), refs: ['main'], mtimeMs: Date.UTC(2025, 5, 1) });
    addHubSnapshot(hubCache, { repoId: 'tiny-random/llama', commit: '0'.repeat(40), from: path.join(FIXTURES, 'llama'), mtimeMs: Date.UTC(2024, 5, 1) });
    previousHubCache = process.env.HF_HUB_CACHE;
    process.env.HF_HUB_CACHE = hubCache;
  });

  suiteTeardown(async () => {
    const model = await modelApi();
    model.useEmbeddings();
    await vscode.workspace.getConfiguration('headlight.model').update('maxMemoryMB', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (previousHubCache === undefined) delete process.env.HF_HUB_CACHE;
    else process.env.HF_HUB_CACHE = previousHubCache;
    fs.rmSync(workspaceUri(WORKSPACE_MODELS).fsPath, { recursive: true, force: true });
    fs.rmSync(hubCache, { recursive: true, force: true });
  });

  test('Open Model… lists the hub cache (newest revision first) and the workspace model folders', async () => {
    const model = await modelApi();
    const choices = await model.choices();
    const hub = choices.filter((c) => c.group === 'hub');
    assert.deepEqual(hub.map((c) => c.label), ['tiny-random/llama', 'tiny-random/llama']);
    assert.match(hub[0]!.detail ?? '', /revision 1111111111 \(main\) · LlamaForCausalLM/);
    assert.match(hub[1]!.description, /older revision/);
    const workspace = choices.filter((c) => c.group === 'workspace').map((c) => path.basename(c.dir));
    for (const name of ['bert', 'gpt2', 'truncated', 'unsupported']) assert.ok(workspace.includes(name), `${name} is listed: ${workspace.join(', ')}`);
    assert.ok(!workspace.includes('notes'), 'a config.json without safetensors is not a model');
  });

  test('gpt2 from a workspace folder: Show Attention on a selection equals the torch reference; heads and layers step; rollout and next tokens', async () => {
    const model = await modelApi();
    const ref = reference('gpt2');
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const info = await model.open(workspaceUri(WORKSPACE_MODELS, 'gpt2').fsPath);
    assert.ok(info);
    const editor = await showOn(model, 'gpt2.txt', ref.text);
    delay.disable();
    console.log(`[model] extension host event loop while loading gpt2 in the worker and running it: max ${(delay.max / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms; load ${Math.round(model.state().loadMs)} ms on ${model.state().threads} thread(s)`);

    const state = model.state();
    assert.match(state.statusText, /gpt2 2×4 F32/);
    const snapshot = state.snapshot!;
    assert.deepEqual(snapshot.tokens.map((t) => t.id), ref.ids);
    assert.equal(snapshot.focus.layer, 0);
    assert.equal(snapshot.focus.head, 0);
    assertClose(floats(snapshot.focus.weights), ref.attentions[0]![0]!, 1e-4, 'L1H1');
    // The model view's cells: every head's thumbnail against the reference.
    const n = ref.ids.length;
    snapshot.thumbs.forEach((layer, l) =>
      layer.heads.forEach((thumb, h) => {
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
          const cell = thumbCellOf(thumb, n, i, j);
          assert.ok(Math.abs(thumbCellWeight(thumb, cell.row, cell.col) - ref.attentions[l]![h]![i]![j]!) <= 0.5 / 255 + 1e-4, `thumb L${l}H${h} (${i}, ${j})`);
        }
      }),
    );

    // Next Head walks the heads of a layer, then the next layer; Next/Previous Layer keep the head.
    const focused = () => [model.state().layer, model.state().head];
    const step = async (command: string) => {
      await vscode.commands.executeCommand(command);
      await model.whenIdle();
    };
    for (let h = 1; h < 4; h++) {
      await step('headlight.nextHead');
      assert.deepEqual(focused(), [0, h]);
    }
    await step('headlight.nextHead');
    assert.deepEqual(focused(), [1, 0], 'past the last head: the next layer');
    await step('headlight.previousHead');
    assert.deepEqual(focused(), [0, 3]);
    await step('headlight.nextLayer');
    assert.deepEqual(focused(), [1, 3]);
    assertClose(floats(model.state().snapshot!.focus.weights), ref.attentions[1]![3]!, 1e-4, 'L2H4 after stepping');
    await step('headlight.previousLayer');
    assert.deepEqual(focused(), [0, 3]);

    // Rollout through every depth against numpy's.
    const rollouts = TOKEN_VIEWS.models.gpt2!.rollout;
    for (let upTo = 0; upTo < rollouts.length; upTo++) {
      assert.ok(await model.setRolloutLayer(upTo));
      assertClose(floats(model.state().snapshot!.rollout.matrix), rollouts[upTo]!, 1e-5, `rollout to layer ${upTo}`);
    }

    // Next tokens: softmax of the reference logits, ranked here.
    const logits = ref.logitsLast!;
    const max = Math.max(...logits);
    const sum = logits.reduce((a, v) => a + Math.exp(v - max), 0);
    const expected = logits.map((v, id) => ({ id, p: Math.exp(v - max) / sum })).sort((a, b) => b.p - a.p || a.id - b.id).slice(0, 10);
    const predictions = model.state().snapshot!.predictions;
    assert.equal(predictions.kind, 'next');
    if (predictions.kind === 'next') assert.deepEqual(predictions.top.map((t) => t.id), expected.map((t) => t.id));

    // Hovering unit 2 in the panel decorates its range in the editor; moving the cursor highlights the unit.
    const token2 = snapshot.tokens[2]!;
    model.hoverUnit(2);
    assert.deepEqual(model.state().decorated, token2.offset, `the decoration covers "${ref.text.slice(token2.offset![0], token2.offset![1])}"`);
    const token4 = snapshot.tokens[4]!;
    editor.selection = new vscode.Selection(editor.document.positionAt(token4.offset![0] + 1), editor.document.positionAt(token4.offset![0] + 1));
    await waitFor('the cursor to highlight unit 4', () => (model.state().highlighted === 4 ? true : undefined));

    // The JSON export holds every layer and head, in the CLI's shape.
    const target = workspaceUri(WORKSPACE_MODELS, 'stack.json');
    const where = await model.exportStack(target);
    assert.equal(where?.toString(), target.toString());
    const stack = JSON.parse(fs.readFileSync(target.fsPath, 'utf8')) as { model: { layers: number; heads: number }; ids: number[]; layers: { heads: { weights: number[][] }[] }[] };
    assert.deepEqual(stack.ids, ref.ids);
    stack.layers.forEach((layer, l) => layer.heads.forEach((head, h) => assertClose(head.weights, ref.attentions[l]![h]!, 1e-6, `export L${l}H${h}`)));
    assert.equal(model.exportSuffix(), '-L1H4');

    // Append the most probable token: the panel's text grows (the document does not), and it runs again.
    const top = expected[0]!.id;
    await model.appendToken(top);
    const grown = model.state().snapshot!;
    assert.deepEqual(grown.tokens.slice(0, n).map((t) => t.id), ref.ids);
    assert.equal(grown.tokens[n]?.id, top, `the appended token: ${grown.tokens.map((t) => t.raw).join(' ')}`);
    assert.equal(editor.document.getText(), `${ref.text}\n`, "the user's document is untouched");
  });

  test('gpt2: the panel hidden (its webview destroyed) and shown again gets the model back with the same (layer, head); PNG exports of every model view name L#H#, and CSV is the focused head', async () => {
    const api = await activateHeadlight();
    const model = await modelApi();
    const ref = reference('gpt2');
    if (model.state().info?.name !== 'gpt2') assert.ok(await model.open(workspaceUri(WORKSPACE_MODELS, 'gpt2').fsPath));
    await showOn(model, 'gpt2-views.txt', ref.text);
    assert.ok(await model.focusHead(1, 2));
    await model.whenIdle();
    await api.attention.whenPanelReady();
    const snapshotsPosted = () => model.bridge.posted.get('modelSnapshot') ?? 0;
    const before = snapshotsPosted();

    // Another editor over the panel in its group: the panel is hidden and, without
    // retainContextWhenHidden, its webview is destroyed.
    const panelTab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.label.startsWith('Attention'));
    const panelColumn = panelTab?.group.viewColumn;
    assert.ok(panelColumn, 'the attention panel has a tab');
    // The tab names the model's text, not an earlier embeddings picture's words.
    const words = ref.text.replace(/\s+/g, ' ').trim();
    const title = `Attention: ${words.length > 32 ? `${words.slice(0, 31)}…` : words}`;
    const labelNow = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.label.startsWith('Attention'))?.label;
    await waitFor(`the panel's tab to read "${title}" (it reads "${labelNow()}")`, () => (labelNow() === title ? true : undefined));
    const coverUri = workspaceUri(WORKSPACE_MODELS, 'cover.txt');
    fs.writeFileSync(coverUri.fsPath, 'covers the panel\n');
    const cover = await vscode.workspace.openTextDocument(coverUri);
    await vscode.window.showTextDocument(cover, { viewColumn: panelColumn, preserveFocus: false });
    await waitFor('the panel to be hidden', () => (api.attention.panelState()?.panelVisible === false && api.attention.panelState()?.webviewReady === false ? true : undefined));

    // Shown again: a new page says `ready`, gets `init`, and then the model's picture.
    await api.attention.whenPanelReady();
    await waitFor('the model snapshot posted to the new page', () => (snapshotsPosted() > before ? true : undefined));
    assert.deepEqual([model.state().layer, model.state().head], [1, 2], 'the session kept its (layer, head)');
    assert.deepEqual([model.state().snapshot!.focus.layer, model.state().snapshot!.focus.head], [1, 2], 'the picture sent is of L2H3');
    assertClose(floats(model.state().snapshot!.focus.weights), ref.attentions[1]![2]!, 1e-4, 'L2H3 after the panel came back');

    // Every model view exports as PNG from the new page (the capture fails if it has no model),
    // into a folder: the name is the one the save dialog would offer.
    const folder = workspaceUri(WORKSPACE_MODELS, 'png');
    fs.rmSync(folder.fsPath, { recursive: true, force: true });
    fs.mkdirSync(folder.fsPath, { recursive: true });
    for (const chart of ['model', 'headview', 'neuron', 'rollout', 'heatmap']) {
      await vscode.commands.executeCommand('headlight.exportPng', folder, chart);
      const where = api.attention.lastExport();
      assert.ok(where, `${chart}: exported`);
      assert.equal(path.basename(where.fsPath), `headlight-${chart}-L2H3.png`, `${chart}: the file name carries the layer and head`);
      const bytes = fs.readFileSync(where.fsPath);
      assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${chart}: a PNG signature`);
      assert.equal(bytes.subarray(12, 16).toString('latin1'), 'IHDR');
      const [width, height] = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
      assert.ok(width >= 200 && height >= 60 && bytes.length > 1000, `${chart}: ${width} × ${height}, ${bytes.length} bytes`);
      console.log(`[model] PNG ${path.basename(where.fsPath)}: ${width} × ${height} px, ${bytes.length} bytes`);
    }

    // CSV with a model shown: the focused head's weights (not the embeddings session's matrix).
    await vscode.commands.executeCommand('headlight.exportCsv', folder);
    const csvAt = api.attention.lastExport();
    assert.ok(csvAt, 'CSV: exported');
    assert.equal(path.basename(csvAt.fsPath), 'headlight-weights-L2H3.csv', 'CSV: the file name carries the layer and head');
    const lines = fs.readFileSync(csvAt.fsPath, 'utf8').trimEnd().split('\r\n');
    assert.equal(lines.length, ref.ids.length + 1, 'CSV: a header and a row per token');
    const rows = lines.slice(1).map((line) => line.split(',').slice(-ref.ids.length).map(Number));
    assertClose(rows, ref.attentions[1]![2]!, 1e-4, 'CSV: L2H3 weights');
  });

  test('gpt2 and bert through the headlight.model.path setting and the explorer menu command', async () => {
    const model = await modelApi();
    // The explorer's context menu names the command on model folders only.
    const manifest = vscode.extensions.getExtension('headlight.headlight')!.packageJSON as { contributes: { menus: Record<string, { command: string; when?: string }[]> } };
    const entry = manifest.contributes.menus['explorer/context']!.find((m) => m.command === 'headlight.openModelFolder');
    assert.ok(entry?.when?.includes('explorerResourceIsFolder') && entry.when.includes('resourcePath in headlight.modelFolders'), `explorer menu entry: ${JSON.stringify(entry)}`);

    // A folder relative to the workspace in the setting: it opens as soon as it is set.
    const config = () => vscode.workspace.getConfiguration('headlight.model');
    try {
      await config().update('path', `${WORKSPACE_MODELS}/bert`, vscode.ConfigurationTarget.Workspace);
      await waitFor('the model of headlight.model.path', () => (model.state().info?.name === 'bert' && model.isActive() ? true : undefined), 30_000);
      await showOn(model, 'bert-setting.txt', reference('bert').text);
      assert.deepEqual(model.state().snapshot!.tokens.map((t) => t.id), reference('bert').ids, 'Show Attention runs the configured model');
    } finally {
      await config().update('path', undefined, vscode.ConfigurationTarget.Workspace);
    }
    assert.equal(model.state().info?.name, 'bert', 'clearing the setting keeps the model that is open');

    // The explorer's "Open as Attention Model": the command with the folder's URI.
    await vscode.commands.executeCommand('headlight.openModelFolder', workspaceUri(WORKSPACE_MODELS, 'gpt2'));
    await waitFor('the folder from the explorer command', () => (model.state().info?.name === 'gpt2' ? true : undefined), 30_000);
    await showOn(model, 'gpt2-explorer.txt', reference('gpt2').text);
    assert.deepEqual(model.state().snapshot!.tokens.map((t) => t.id), reference('gpt2').ids);
  });

  test('after a window reload the restored panel runs its model picture again: the folder, the text, the (layer, head), the query; not once the embeddings are shown', async () => {
    const api = await activateHeadlight();
    const model = await modelApi();
    const ref = reference('gpt2');
    if (model.state().info?.name !== 'gpt2') assert.ok(await model.open(workspaceUri(WORKSPACE_MODELS, 'gpt2').fsPath));
    await showOn(model, 'gpt2-reload.txt', ref.text);
    assert.ok(await model.focusHead(1, 1));
    assert.ok(await model.selectQuery(2));
    await model.whenIdle();
    // As after a reload: another model, or none, is what the new host has.
    assert.ok(await model.open(workspaceUri(WORKSPACE_MODELS, 'bert').fsPath));
    assert.equal(model.state().snapshot, undefined);

    // What the panel serializer calls for the restored panel.
    assert.equal(await model.restorePanel(), true);
    const state = model.state();
    assert.equal(state.info?.name, 'gpt2');
    assert.ok(model.isActive(), 'the model is the source again');
    assert.equal(state.snapshot?.text, ref.text);
    assert.deepEqual([state.layer, state.head, state.query], [1, 1, 2]);
    assert.deepEqual(state.snapshot!.tokens.map((t) => t.id), ref.ids);
    assertClose(floats(state.snapshot!.focus.weights), ref.attentions[1]![1]!, 1e-4, 'L2H2 restored');
    assert.equal(state.snapshot!.neuron.query, 2);

    // An embeddings picture in the panel: a reload restores that one, not the model's.
    await vscode.commands.executeCommand('headlight.showAttention', { words: ['phone', 'apple'] });
    await api.attention.whenIdle();
    assert.deepEqual(api.attention.panelState()?.tokens, ['phone', 'apple']);
    assert.equal(await model.restorePanel(), false);
  });

  test('llama from the hub cache: the newest revision opens and its heads equal the reference', async () => {
    const model = await modelApi();
    const ref = reference('llama');
    const choice = (await model.choices()).find((c) => c.group === 'hub')!;
    assert.ok(await model.open(choice.dir));
    assert.equal(model.state().info?.name, 'tiny-random/llama');
    await showOn(model, 'llama.txt', ref.text);
    assert.deepEqual(model.state().snapshot!.tokens.map((t) => t.id), ref.ids);
    const { layer, head } = ref.focus;
    assert.ok(await model.focusHead(layer, head));
    assertClose(floats(model.state().snapshot!.focus.weights), ref.attentions[layer]![head]!, 1e-4, `llama L${layer}H${head}`);
  });

  test('bad input: not a model, an unsupported architecture, a truncated checkpoint, a model over the memory limit', async () => {
    const model = await modelApi();
    const before = model.state().info?.name;
    assert.equal(await model.open(workspaceUri(WORKSPACE_MODELS, 'notes').fsPath), undefined, 'a folder without safetensors is refused');
    await assert.rejects(model.open(workspaceUri(WORKSPACE_MODELS, 'unsupported').fsPath), /unsupported model_type "t5"; supported: .*gpt2/);
    await assert.rejects(model.open(workspaceUri(WORKSPACE_MODELS, 'truncated').fsPath), /model\.safetensors: truncated/);
    await vscode.workspace.getConfiguration('headlight.model').update('maxMemoryMB', 0.01, vscode.ConfigurationTarget.Workspace);
    await assert.rejects(model.open(workspaceUri(WORKSPACE_MODELS, 'bert').fsPath), /over the limit of 0\.01 MB \(setting headlight\.model\.maxMemoryMB\)/);
    await vscode.workspace.getConfiguration('headlight.model').update('maxMemoryMB', undefined, vscode.ConfigurationTarget.Workspace);
    assert.equal(model.state().info?.name, before, 'a failed open keeps the model that was open');
  });
});
