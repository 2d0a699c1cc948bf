/**
 * The Embedding Explorer feature: the custom editor, the "Open in Embedding Explorer" command,
 * and big embedding text files (above the 50 MB VS Code hands to extensions as documents) moved
 * from a text tab to the Explorer when they are opened.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXPLORER_VIEW_TYPE, type ExplorerSummary, type ToExplorerMessage } from '../../shared/explorerProtocol';
import type { FeatureContext } from '../featureContext';
import { EXPLORER_WORKER_FILE } from './client';
import type { ExplorerState } from './document';
import type { EngineAnswers, EngineQuery } from './engine';
import { ExplorerProvider } from './provider';
import { looksLikeEmbeddingText } from './sniff';

export const EXPLORER_COMMANDS = {
  open: 'headlight.openInEmbeddingExplorer',
} as const;

/** VS Code gives extensions no TextDocument above this size; such files open in the Explorer. */
export const LARGE_FILE_BYTES = 50 * 1024 * 1024;
const TEXT_EMBEDDING_FILE = /\.(emb|vec|txt)$/i;
const SNIFF_BYTES = 16 * 1024;

export interface ExplorerSessionInfo {
  readonly uri: vscode.Uri;
  readonly state: ExplorerState;
  /** Where the engine runs: 'worker' in the packaged extension. */
  readonly where: 'worker' | 'in-process' | 'none';
  readonly webviewMilestones: Readonly<Record<string, number>>;
  readonly rejectedMessages: number;
  lastPosted<T extends ToExplorerMessage['type']>(type: T): Extract<ToExplorerMessage, { type: T }> | undefined;
}

/** What the integration tests read of the Explorer. */
export interface ExplorerFeaturesApi {
  readonly viewType: typeof EXPLORER_VIEW_TYPE;
  readonly commands: typeof EXPLORER_COMMANDS;
  sessions(): readonly ExplorerSessionInfo[];
  /** The indexed state of the Explorer open on `uri` (waits for indexing to end); undefined when none is open. */
  whenIndexed(uri: vscode.Uri): Promise<ExplorerState | undefined>;
  /** A question to the engine of the Explorer open on `uri`, through the same worker the webview's go to. */
  ask<K extends EngineQuery['kind']>(uri: vscode.Uri, query: Extract<EngineQuery, { kind: K }>): Promise<EngineAnswers[K]>;
}

export interface ExplorerFeatureOptions {
  /**
   * VS Code for the Web: no disk and no worker threads, so every file is read through
   * vscode.workspace.fs and indexed in-process (readVirtual.ts), and big text tabs are not moved.
   */
  readonly web?: boolean;
}

export function activateExplorerFeatures(features: FeatureContext, options: ExplorerFeatureOptions = {}): ExplorerFeaturesApi {
  const { context, log, owner, embeddings } = features;
  const provider = new ExplorerProvider(
    context.extensionUri,
    path.join(context.extensionPath ?? '', 'dist', EXPLORER_WORKER_FILE),
    {
      log,
      useAsActiveSet: (uri, parsed) => embeddings.useParsed(uri, parsed),
    },
    { readThroughWorkspace: options.web },
  );
  owner.add(
    vscode.window.registerCustomEditorProvider(EXPLORER_VIEW_TYPE, provider, {
      // The list's scroll position, the map and the answers live in the page: keep it when hidden.
      webviewOptions: { retainContextWhenHidden: true },
      supportsMultipleEditorsPerDocument: true,
    }),
  );
  owner.add({ dispose: () => provider.sessions.forEach((s) => s.dispose()) });

  owner.add(
    vscode.commands.registerCommand(EXPLORER_COMMANDS.open, async (target?: unknown) => {
      const uri = target instanceof vscode.Uri ? target : (activeTabUri() ?? (await pickFile()));
      if (!uri) return;
      await vscode.commands.executeCommand('vscode.openWith', uri, EXPLORER_VIEW_TYPE);
    }),
  );

  const considerTab = (tab: vscode.Tab) => {
    if (options.web || !(tab.input instanceof vscode.TabInputText)) return;
    const uri = tab.input.uri;
    if (uri.scheme !== 'file' || !TEXT_EMBEDDING_FILE.test(uri.path)) return;
    if (!vscode.workspace.getConfiguration('headlight').get<boolean>('explorer.openLargeFiles', true)) return;
    void moveToExplorerIfLarge(tab, uri).catch((error: unknown) => log.warn(`explorer: ${uri.fsPath}: ${error instanceof Error ? error.message : String(error)}`));
  };
  owner.add(vscode.window.tabGroups.onDidChangeTabs((event) => event.opened.forEach(considerTab)));
  // Tabs restored with the window were opened before Headlight activated.
  for (const group of vscode.window.tabGroups.all) group.tabs.forEach(considerTab);

  async function moveToExplorerIfLarge(tab: vscode.Tab, uri: vscode.Uri): Promise<void> {
    const size = (await fs.promises.stat(uri.fsPath)).size;
    if (size <= LARGE_FILE_BYTES) return;
    if (/\.txt$/i.test(uri.path) && !looksLikeEmbeddingText(await readHead(uri.fsPath))) return;
    log.info(`explorer: ${path.basename(uri.fsPath)} is ${(size / 1024 / 1024).toFixed(0)} MB, above what VS Code hands to extensions: opening it in the Embedding Explorer`);
    await vscode.commands.executeCommand('vscode.openWith', uri, EXPLORER_VIEW_TYPE, { viewColumn: tab.group.viewColumn, preview: tab.isPreview });
    await vscode.window.tabGroups.close(tab).then(undefined, () => undefined);
  }

  const sessionsOf = (uri: vscode.Uri) => provider.sessions.filter((s) => s.document.uri.toString() === uri.toString());
  return {
    viewType: EXPLORER_VIEW_TYPE,
    commands: EXPLORER_COMMANDS,
    sessions: () =>
      provider.sessions.map((s) => ({
        uri: s.document.uri,
        state: s.document.state,
        where: s.document.client.where,
        webviewMilestones: s.webviewMilestones,
        rejectedMessages: s.rejectedMessages,
        lastPosted: <T extends ToExplorerMessage['type']>(type: T) => s.lastPosted.get(type) as Extract<ToExplorerMessage, { type: T }> | undefined,
      })),
    whenIndexed: async (uri) => {
      const session = sessionsOf(uri)[0];
      return session ? session.document.loaded : undefined;
    },
    ask: async (uri, query) => {
      const session = sessionsOf(uri)[0];
      if (!session) throw new Error(`no Embedding Explorer is open on ${uri.toString()}`);
      await session.document.loaded;
      return session.document.client.ask(query);
    },
  };
}

function activeTabUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom) return input.uri;
  return undefined;
}

async function pickFile(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: 'Open in Embedding Explorer',
    filters: { Embeddings: ['bin', 'vec', 'txt', 'emb'], 'All files': ['*'] },
  });
  return picked?.[0];
}

async function readHead(file: string): Promise<string> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

export type { ExplorerSummary };
