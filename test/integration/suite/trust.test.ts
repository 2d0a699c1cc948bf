/**
 * Workspace trust and virtual workspaces (issue 6). Headlight only reads data, so it declares
 * both supported; these tests hold it to that:
 *   - the manifest says so (a `supported: false` would disable it in Restricted Mode);
 *   - the workspace is in the trust state the runner set up — trusted in the normal run,
 *     untrusted (Restricted Mode) under `HEADLIGHT_WORKSPACE_TRUST=restricted npm run
 *     test:integration` — and hovers and Show Attention work in it;
 *   - `.emb` files on a file system that is not `file:` (what a virtual workspace gives) get
 *     diagnostics, hovers, Show Attention and can be the active set.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateHeadlight, headlightExtension, hoverText, waitFor, workspaceUri } from './helpers';

const DECK_LINE = 'orange → 0.40 orange + 0.30 apple + 0.15 and + 0.15 an';

/** A file system in memory under its own scheme: what a virtual workspace looks like to Headlight. */
class MemoryFileSystem implements vscode.FileSystemProvider {
  private readonly files = new Map<string, { data: Uint8Array; mtime: number }>();
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  stat(uri: vscode.Uri): vscode.FileStat {
    if (uri.path === '/') return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
    const file = this.files.get(uri.path);
    if (!file) throw vscode.FileSystemError.FileNotFound(uri);
    return { type: vscode.FileType.File, ctime: 0, mtime: file.mtime, size: file.data.length };
  }

  readDirectory(): [string, vscode.FileType][] {
    return [...this.files.keys()].map((p) => [p.slice(1), vscode.FileType.File]);
  }

  createDirectory(): void {
    throw vscode.FileSystemError.NoPermissions('flat file system');
  }

  readFile(uri: vscode.Uri): Uint8Array {
    const file = this.files.get(uri.path);
    if (!file) throw vscode.FileSystemError.FileNotFound(uri);
    return file.data;
  }

  writeFile(uri: vscode.Uri, content: Uint8Array): void {
    const existed = this.files.has(uri.path);
    this.files.set(uri.path, { data: content, mtime: Date.now() });
    this.changed.fire([{ type: existed ? vscode.FileChangeType.Changed : vscode.FileChangeType.Created, uri }]);
  }

  delete(uri: vscode.Uri): void {
    this.files.delete(uri.path);
    this.changed.fire([{ type: vscode.FileChangeType.Deleted, uri }]);
  }

  rename(): void {
    throw vscode.FileSystemError.NoPermissions('flat file system');
  }
}

suite('Workspace trust and virtual workspaces', () => {
  test('the manifest declares untrusted and virtual workspaces supported', () => {
    const manifest = headlightExtension().packageJSON as {
      capabilities?: { untrustedWorkspaces?: { supported?: unknown; description?: unknown }; virtualWorkspaces?: unknown };
    };
    const capabilities = manifest.capabilities;
    assert.ok(capabilities, 'package.json declares capabilities');
    assert.equal(capabilities.untrustedWorkspaces?.supported, true, 'untrustedWorkspaces.supported is true: Headlight only reads data');
    const virtual = capabilities.virtualWorkspaces;
    assert.ok(virtual === true || (typeof virtual === 'object' && virtual !== null && (virtual as { supported?: unknown }).supported === true), `virtualWorkspaces: ${JSON.stringify(virtual)}`);
  });

  test('in the trust state the runner set up, hovers and Show Attention work', async () => {
    const expectUntrusted = process.env.HEADLIGHT_EXPECT_UNTRUSTED === '1';
    if (process.env.HEADLIGHT_TEST_RESULTS !== undefined) {
      // The code-server runner always says which state it set up; make sure the word arrived.
      assert.match(process.env.HEADLIGHT_EXPECT_UNTRUSTED ?? '', /^[01]$/, 'HEADLIGHT_EXPECT_UNTRUSTED reaches the extension host');
    }
    const api = await activateHeadlight();
    assert.equal(vscode.workspace.isTrusted, !expectUntrusted, expectUntrusted ? 'the folder is untrusted (Restricted Mode)' : 'the folder is trusted');
    assert.ok(headlightExtension().isActive, 'Headlight is active');

    const deck = workspaceUri('deck.emb');
    const document = await vscode.workspace.openTextDocument(deck);
    const line = document.getText().split('\n').findIndex((l) => l.startsWith('orange '));
    const markdown = await waitFor('a hover on "orange"', async () => {
      const text = await hoverText(deck, new vscode.Position(line, 2));
      return /cosine/.test(text) ? text : undefined;
    });
    assert.match(markdown, /apple/, 'the hover lists orange\'s neighbours');

    const sentence = await vscode.workspace.openTextDocument(workspaceUri('sentence.txt'));
    const editor = await vscode.window.showTextDocument(sentence, vscode.ViewColumn.One);
    editor.selection = new vscode.Selection(0, 0, 0, sentence.lineAt(0).text.length);
    await vscode.commands.executeCommand('headlight.showAttention');
    await api.attention.setOptions({ measure: 'cosine', source: 'lesson' });
    const state = await waitFor('the panel on "orange apple and an"', () => {
      const s = api.attention.panelState();
      if (s?.status === 'error') throw new Error(s.message);
      return s?.status === 'ready' && s.tokens.join(' ') === 'orange apple and an' ? s : undefined;
    }, 20_000);
    assert.equal(state.softmaxLine, DECK_LINE);
  });

  test('an .emb file on a file system that is not file: gets diagnostics, hovers, Show Attention and can be the active set', async () => {
    const api = await activateHeadlight();
    const memory = new MemoryFileSystem();
    const registration = vscode.workspace.registerFileSystemProvider('headlight-virtual', memory, { isCaseSensitive: true });
    try {
      const uri = vscode.Uri.from({ scheme: 'headlight-virtual', path: '/virtual.emb' });
      const text = '# dims: tech fruitness other\norange 0 3 0\nphone 4 0 0\napple 2 2 0\nbroken 1 x 0\nand 0 0 2\nan 0 0 3\n';
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
      const document = await vscode.workspace.openTextDocument(uri);
      assert.equal(document.languageId, 'emb');
      const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);

      const problems = await waitFor('a diagnostic on the "x"', () => {
        const found = vscode.languages.getDiagnostics(uri).filter((d) => d.range.start.line === 4);
        return found.length > 0 ? found : undefined;
      });
      assert.equal(problems[0]!.range.start.character, 'broken 1 '.length);

      const markdown = await waitFor('a hover on "apple"', async () => {
        const hover = await hoverText(uri, new vscode.Position(3, 1));
        return /cosine/.test(hover) ? hover : undefined;
      });
      assert.match(markdown, /orange|phone/);

      editor.selection = new vscode.Selection(1, 0, 6, 5);
      await vscode.commands.executeCommand('headlight.showAttention');
      await api.attention.setOptions({ measure: 'cosine', source: 'lesson' });
      const state = await waitFor('the panel on the virtual file\'s rows', () => {
        const s = api.attention.panelState();
        if (s?.status === 'error') throw new Error(s.message);
        return s?.status === 'ready' && s.tokens.join(' ') === 'orange phone apple and an' ? s : undefined;
      }, 20_000);
      assert.match(state.setLabel, /virtual\.emb/);

      const summary = await vscode.commands.executeCommand<{ label: string; count: number; dim: number }>('headlight.useEmbeddingsFile', uri);
      assert.ok(summary, 'Use Embeddings File returns a summary for a virtual file');
      assert.deepEqual([summary.count, summary.dim], [5, 3], 'the five valid rows of width 3');
      assert.match((await api.embeddings.get()).label, /virtual\.emb/);
    } finally {
      await vscode.commands.executeCommand('headlight.useEmbeddingsFile', 'lesson');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      registration.dispose();
    }
  });
});
