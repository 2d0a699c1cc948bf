import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Measure } from '../../core';
import type { EmbeddingStore } from '../../emb/store';
import { LESSON_LABEL, TRAINED_LABEL, type ActiveEmbeddings, type EmbeddingsSource } from '../activeEmbeddings';
import type { DisposableStore } from '../disposable';
import { formatCount, formatScore, plainLabel } from './display';
import { EMB_COMMANDS } from './commandIds';
import { isCancellation } from './fileLoader';
import { tabUri, type EmbIndexService } from './indexService';
import { entryPartAt } from './lineFields';
import { analogyMarkdown, compareMarkdown, nearestMarkdown } from './resultsMarkdown';
import type { ResultsDocuments } from './resultsDocument';
import { readEmbSettings } from './settings';
import { pickWord } from './vocabularyPick';
import {
  compareWords,
  nearestWords,
  UnknownWordError,
  wordAnalogy,
  type AnalogyResult,
  type CompareResult,
  type NearestResult,
} from './wordQueries';

export { EMB_COMMANDS } from './commandIds';

/** The embedding set a word command works on. */
export interface WordSet {
  readonly label: string;
  readonly store: EmbeddingStore;
  /** The file, when the words can be shown in it; undefined for the bundled lesson set. */
  readonly uri: vscode.Uri | undefined;
  readonly lineOfToken: Int32Array | undefined;
}

/**
 * Options every word command accepts as its last argument (integration tests, keybindings):
 * `uri` picks the embedding file ('lesson' for the bundled set; default: the `.emb` file in the
 * active editor, else the active set); `reveal: false` computes without showing anything.
 */
export interface WordCommandOptions {
  readonly uri?: vscode.Uri | string;
  readonly reveal?: boolean;
  readonly k?: number;
  readonly measure?: Measure;
}

/** What Use Embeddings File returns. */
export interface ActiveSetSummary {
  readonly label: string;
  readonly uri: string | undefined;
  readonly count: number;
  readonly dim: number;
}

/** The last result (or error) of each command, for the test API. */
export interface EmbCommandResults {
  compare: CompareResult | undefined;
  nearest: NearestResult | undefined;
  analogy: AnalogyResult | undefined;
  useEmbeddings: ActiveSetSummary | undefined;
  /** The last message shown to the user as an error by a word command. */
  error: string | undefined;
}

function parseOptions(value: unknown): WordCommandOptions {
  if (value instanceof vscode.Uri) return { uri: value };
  if (typeof value !== 'object' || value === null) return {};
  const v = value as Record<string, unknown>;
  const measure = v.measure === 'dot' || v.measure === 'cosine' || v.measure === 'scaled' ? v.measure : undefined;
  return {
    uri: v.uri instanceof vscode.Uri || typeof v.uri === 'string' ? v.uri : undefined,
    reveal: typeof v.reveal === 'boolean' ? v.reveal : undefined,
    k: typeof v.k === 'number' && Number.isFinite(v.k) ? Math.min(1000, Math.max(1, Math.round(v.k))) : undefined,
    measure,
  };
}

function toUri(value: vscode.Uri | string): vscode.Uri {
  if (value instanceof vscode.Uri) return value;
  return /^[a-z][a-z0-9+.-]+:/i.test(value) && !/^[a-z]:[\\/]/i.test(value) ? vscode.Uri.parse(value, true) : vscode.Uri.file(value);
}

function word(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim().length > 0 ? value.trim() : undefined;
}

interface ResultItem extends vscode.QuickPickItem {
  readonly index: number;
}

const GO_TO_LINE: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('go-to-file'), tooltip: 'Go to its line in the file' };
const OPEN_MARKDOWN: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('open-preview'), tooltip: 'Open these results as a document' };

/**
 * Compare Words, Find Nearest Words, Word Analogy, Use Embeddings File and Re-index: the UI over
 * wordQueries.ts. Each accepts its inputs as arguments (then asks nothing) and returns its result.
 */
export class EmbCommands {
  readonly results: EmbCommandResults = { compare: undefined, nearest: undefined, analogy: undefined, useEmbeddings: undefined, error: undefined };

  constructor(
    private readonly indexes: EmbIndexService,
    private readonly embeddings: ActiveEmbeddings,
    private readonly documents: ResultsDocuments,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  registerAll(owner: DisposableStore): void {
    owner.add(vscode.commands.registerCommand(EMB_COMMANDS.compareWords, (a?: unknown, b?: unknown, options?: unknown) => this.compare(a, b, options)));
    owner.add(vscode.commands.registerCommand(EMB_COMMANDS.findNearestWords, (w?: unknown, options?: unknown) => this.nearest(w, options)));
    owner.add(
      vscode.commands.registerCommand(EMB_COMMANDS.wordAnalogy, (a?: unknown, b?: unknown, c?: unknown, options?: unknown) => this.analogy(a, b, c, options)),
    );
    owner.add(vscode.commands.registerCommand(EMB_COMMANDS.useEmbeddingsFile, (target?: unknown) => this.useEmbeddingsFile(target)));
    owner.add(vscode.commands.registerCommand(EMB_COMMANDS.reindexEmbeddingsFile, (target?: unknown) => this.reindex(target)));
  }

  // ----------------------------------------------------------------------------------------------
  // Compare Words

  async compare(a?: unknown, b?: unknown, rawOptions?: unknown): Promise<CompareResult | undefined> {
    const options = parseOptions(rawOptions);
    const set = await this.resolveSet(options);
    if (set === undefined) return undefined;
    const first = word(a) ?? (await this.pickToken(set, { title: 'Headlight: Compare Words', placeholder: 'First word', step: 1, totalSteps: 2, value: this.cursorWord(set) }));
    if (first === undefined) return undefined;
    const firstIndex = set.store.lookup(first);
    const second =
      word(b) ??
      (await this.pickToken(set, {
        title: `Headlight: Compare ${plainLabel(first, 32)} with…`,
        placeholder: 'Second word',
        step: 2,
        totalSteps: 2,
        exclude: new Set(firstIndex >= 0 ? [firstIndex] : []),
      }));
    if (second === undefined) return undefined;
    return this.compareIn(set, first, second, options.reveal ?? true);
  }

  private async compareIn(set: WordSet, a: string, b: string, reveal: boolean): Promise<CompareResult | undefined> {
    const result = this.attempt(() => compareWords(set.store, set.label, a, b));
    if (result === undefined) return undefined;
    this.results.compare = result;
    this.log.info(`compare: ${result.a.token} · ${result.b.token} in ${set.label}: ${result.worked.dot} → ${result.worked.scaled}; ${result.worked.cosine}`);
    if (reveal) await this.documents.show('Compare Words', compareMarkdown(result, set.store.count));
    return result;
  }

  // ----------------------------------------------------------------------------------------------
  // Find Nearest Words

  async nearest(w?: unknown, rawOptions?: unknown): Promise<NearestResult | undefined> {
    const options = parseOptions(rawOptions);
    const set = await this.resolveSet(options);
    if (set === undefined) return undefined;
    const settings = readEmbSettings(set.uri);
    const measure = options.measure ?? settings.measure;
    const query =
      word(w) ?? (await this.pickToken(set, { title: `Headlight: Find Nearest Words (${measure})`, placeholder: 'Word', value: this.cursorWord(set) }));
    if (query === undefined) return undefined;
    const result = this.attempt(() => nearestWords(set.store, set.label, query, options.k ?? settings.neighborCount, measure));
    if (result === undefined) return undefined;
    this.results.nearest = result;
    this.log.info(`nearest: ${result.word.token} by ${measure} in ${set.label}: ${result.neighbors.map((n) => n.token).join(', ')}`);
    if (options.reveal ?? true) this.showNearest(set, result);
    return result;
  }

  private showNearest(set: WordSet, result: NearestResult): void {
    const pick = vscode.window.createQuickPick<ResultItem>();
    pick.title = `Nearest to ${plainLabel(result.word.token, 32)} by ${result.measure} — ${plainLabel(set.label, 32)}`;
    pick.placeholder = 'Pick a word to compare it with the query (all three measures, worked out)';
    pick.matchOnDescription = false;
    pick.buttons = [OPEN_MARKDOWN];
    const canGoToLine = set.uri !== undefined && set.lineOfToken !== undefined;
    pick.items = result.neighbors.map((n) => ({
      index: n.index,
      label: plainLabel(n.token),
      description: `cosine ${formatScore(n.cosine)} · dot ${formatScore(n.dot)} · scaled ${formatScore(n.scaled)}`,
      buttons: canGoToLine ? [GO_TO_LINE] : [],
    }));
    pick.onDidTriggerButton(() => void this.documents.show('Nearest Words', nearestMarkdown(result)));
    pick.onDidTriggerItemButton((e) => {
      pick.hide();
      void this.goToToken(set, e.item.index);
    });
    pick.onDidAccept(() => {
      const picked = pick.selectedItems[0];
      pick.hide();
      if (picked !== undefined) void this.compareIn(set, result.word.token, set.store.token(picked.index), true);
    });
    pick.onDidHide(() => pick.dispose());
    pick.show();
  }

  // ----------------------------------------------------------------------------------------------
  // Word Analogy: a − b + c

  async analogy(a?: unknown, b?: unknown, c?: unknown, rawOptions?: unknown): Promise<AnalogyResult | undefined> {
    const options = parseOptions(rawOptions);
    const set = await this.resolveSet(options);
    if (set === undefined) return undefined;
    const settings = readEmbSettings(set.uri);
    const title = 'Headlight: Word Analogy  a − b + c  (king − man + woman)';
    const wordA = word(a) ?? (await this.pickToken(set, { title, placeholder: 'a (e.g. king)', step: 1, totalSteps: 3, value: this.cursorWord(set) }));
    if (wordA === undefined) return undefined;
    const wordB = word(b) ?? (await this.pickToken(set, { title: `${plainLabel(wordA, 32)} − b + c`, placeholder: 'b (e.g. man)', step: 2, totalSteps: 3 }));
    if (wordB === undefined) return undefined;
    const wordC =
      word(c) ??
      (await this.pickToken(set, { title: `${plainLabel(wordA, 32)} − ${plainLabel(wordB, 32)} + c`, placeholder: 'c (e.g. woman)', step: 3, totalSteps: 3 }));
    if (wordC === undefined) return undefined;
    const result = this.attempt(() => wordAnalogy(set.store, set.label, wordA, wordB, wordC, options.k ?? settings.neighborCount));
    if (result === undefined) return undefined;
    this.results.analogy = result;
    this.log.info(`analogy: ${wordA} − ${wordB} + ${wordC} in ${set.label}: ${result.neighbors.map((n) => n.token).join(', ')}`);
    if (options.reveal ?? true) this.showAnalogy(set, result);
    return result;
  }

  private showAnalogy(set: WordSet, result: AnalogyResult): void {
    const [a = '', c = ''] = result.positive;
    const [b = ''] = result.negative;
    const pick = vscode.window.createQuickPick<ResultItem>();
    pick.title = `${plainLabel(a, 32)} − ${plainLabel(b, 32)} + ${plainLabel(c, 32)} — ${plainLabel(set.label, 32)}`;
    pick.placeholder = 'Nearest to a − b + c by cosine (the three inputs excluded); pick one to see it in the file';
    pick.buttons = [OPEN_MARKDOWN];
    pick.items = result.neighbors.map((n) => ({ index: n.index, label: plainLabel(n.token), description: `cosine ${formatScore(n.score)}` }));
    pick.onDidTriggerButton(() => void this.documents.show('Word Analogy', analogyMarkdown(result)));
    pick.onDidAccept(() => {
      const picked = pick.selectedItems[0];
      pick.hide();
      if (picked === undefined) return;
      if (set.uri !== undefined && set.lineOfToken !== undefined) void this.goToToken(set, picked.index);
      else void this.documents.show('Word Analogy', analogyMarkdown(result));
    });
    pick.onDidHide(() => pick.dispose());
    pick.show();
  }

  // ----------------------------------------------------------------------------------------------
  // Use Embeddings File

  async useEmbeddingsFile(target?: unknown): Promise<ActiveSetSummary | undefined> {
    let source: EmbeddingsSource | undefined;
    if (target === 'lesson' || target === 'trained') source = target;
    else if (target instanceof vscode.Uri) source = target;
    else if (typeof target === 'string' && target.length > 0) source = toUri(target);
    else source = await this.pickEmbeddingsFile();
    if (source === undefined) return undefined;
    try {
      await this.embeddings.use(source);
    } catch (error) {
      if (isCancellation(error)) return undefined;
      const message = error instanceof Error ? error.message : String(error);
      this.results.error = message;
      this.log.error(`use embeddings: ${message}`);
      void vscode.window.showErrorMessage(`Headlight: cannot use ${source === 'lesson' ? LESSON_LABEL : source === 'trained' ? TRAINED_LABEL : path.posix.basename(source.path)}: ${message}`);
      return undefined;
    }
    const set = await this.embeddings.get();
    const summary: ActiveSetSummary = { label: set.label, uri: set.uri?.toString(), count: set.store.count, dim: set.store.dim };
    this.results.useEmbeddings = summary;
    return summary;
  }

  private async pickEmbeddingsFile(): Promise<EmbeddingsSource | undefined> {
    type Item = vscode.QuickPickItem & { readonly source?: EmbeddingsSource | 'browse' };
    const active = this.embeddings.peek();
    const activeKey = active?.uri?.toString() ?? 'lesson';
    const trainedKey = this.embeddings.trainedUri().toString();
    const items: Item[] = [
      { label: `$(book) ${LESSON_LABEL}`, description: activeKey === 'lesson' ? 'active' : 'the lesson’s words', source: 'lesson' },
      {
        label: `$(book) ${TRAINED_LABEL}`,
        description: activeKey === trainedKey ? 'active' : '20,000 common English words, d = 32; other words get subword vectors',
        source: 'trained',
      },
    ];
    const seen = new Set<string>();
    const candidates: vscode.Uri[] = [
      ...vscode.workspace.textDocuments.filter((d) => d.languageId === 'emb').map((d) => d.uri),
      ...vscode.window.tabGroups.all.flatMap((g) => g.tabs.map(tabUri)).filter((u): u is vscode.Uri => u !== undefined && u.path.toLowerCase().endsWith('.emb')),
      ...(await vscode.workspace.findFiles('**/*.emb', '**/node_modules/**', 50)),
    ];
    for (const uri of candidates) {
      const key = uri.toString();
      if (seen.has(key) || key === trainedKey || uri.scheme === 'untitled') continue;
      seen.add(key);
      items.push({
        label: `$(file) ${plainLabel(path.posix.basename(uri.path), 48)}`,
        description: key === activeKey ? 'active' : plainLabel(vscode.workspace.asRelativePath(uri), 80),
        source: uri,
      });
    }
    items.push({ label: '$(folder-opened) Browse…', description: 'any embedding file: .emb, GloVe .txt, word2vec/fastText .vec', source: 'browse' });
    const picked = await vscode.window.showQuickPick(items, {
      title: 'Headlight: Use Embeddings File',
      placeHolder: `The embedding set Show Attention uses (now: ${plainLabel(active?.label ?? LESSON_LABEL, 48)})`,
    });
    if (picked?.source === undefined) return undefined;
    if (picked.source !== 'browse') return picked.source;
    const chosen = await vscode.window.showOpenDialog({
      title: 'Use Embeddings File',
      canSelectMany: false,
      openLabel: 'Use Embeddings',
      filters: { Embeddings: ['emb', 'vec', 'txt'], 'All files': ['*'] },
    });
    return chosen?.[0];
  }

  // ----------------------------------------------------------------------------------------------
  // Re-index

  reindex(target?: unknown): boolean {
    const uri = target instanceof vscode.Uri ? target : typeof target === 'string' ? toUri(target) : this.activeEmbUri();
    if (uri === undefined) {
      void vscode.window.showInformationMessage('Headlight: open an .emb file to index it.');
      return false;
    }
    this.log.info(`emb: re-index requested for ${uri.toString()}`);
    return this.indexes.reindex(uri);
  }

  // ----------------------------------------------------------------------------------------------
  // Shared pieces

  /**
   * The `.emb` file in front of the user: the active editor's; with no active text editor (focus
   * on a preview or a panel), a visible `.emb` editor's; else the active tab's, for files too big
   * to be synced to extensions.
   */
  activeEmbUri(): vscode.Uri | undefined {
    const editor = vscode.window.activeTextEditor;
    if (editor?.document.languageId === 'emb') return editor.document.uri;
    if (editor === undefined) {
      const visible = vscode.window.visibleTextEditors.find((e) => e.document.languageId === 'emb');
      if (visible !== undefined) return visible.document.uri;
    }
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    const uri = tab === undefined ? undefined : tabUri(tab);
    return uri !== undefined && uri.path.toLowerCase().endsWith('.emb') ? uri : undefined;
  }

  /** options.uri, else the `.emb` file in front of the user, else the active set. */
  async resolveSet(options: WordCommandOptions): Promise<WordSet | undefined> {
    try {
      if (options.uri === 'lesson') {
        const loaded = await this.embeddings.files.load(this.embeddings.lessonUri());
        return { label: LESSON_LABEL, store: loaded.parsed.store, uri: undefined, lineOfToken: undefined };
      }
      const uri = options.uri !== undefined ? toUri(options.uri) : this.activeEmbUri();
      if (uri !== undefined) {
        const index = await this.indexes.indexFor(uri);
        if (index !== undefined) return { label: path.posix.basename(uri.path), store: index.store, uri, lineOfToken: index.parsed.lineOfToken };
        if (options.uri === undefined) {
          const reason = `${path.posix.basename(uri.path)} is not indexed (indexing was cancelled or failed; run "Headlight: Re-index Embeddings File")`;
          this.results.error = reason;
          void vscode.window.showWarningMessage(`Headlight: ${reason}`);
          return undefined;
        }
        const loaded = await this.embeddings.files.load(uri);
        return { label: path.posix.basename(uri.path), store: loaded.parsed.store, uri, lineOfToken: loaded.parsed.lineOfToken };
      }
      const active = await this.embeddings.get();
      return { label: active.label, store: active.store, uri: active.uri, lineOfToken: active.uri === undefined ? undefined : active.parsed.lineOfToken };
    } catch (error) {
      if (isCancellation(error)) return undefined;
      const message = error instanceof Error ? error.message : String(error);
      this.results.error = message;
      this.log.error(`word command: ${message}`);
      void vscode.window.showErrorMessage(`Headlight: ${message}`);
      return undefined;
    }
  }

  private async pickToken(set: WordSet, options: Parameters<typeof pickWord>[1]): Promise<string | undefined> {
    if (set.store.count === 0) {
      void vscode.window.showWarningMessage(`Headlight: ${set.label} has no words.`);
      return undefined;
    }
    const index = await pickWord(set.store, {
      ...options,
      placeholder: `${options.placeholder} — ${formatCount(set.store.count)} words in ${plainLabel(set.label, 48)}; type to filter`,
    });
    return index === undefined ? undefined : set.store.token(index);
  }

  /** The token under the cursor (the entry's token in an `.emb` file), or the selected / hovered word elsewhere. */
  private cursorWord(set: WordSet): string | undefined {
    const editor = vscode.window.activeTextEditor;
    if (editor === undefined) return undefined;
    const { document, selection } = editor;
    if (!selection.isEmpty && selection.isSingleLine) return document.getText(selection).trim() || undefined;
    if (document.languageId === 'emb' && set.uri?.toString() === document.uri.toString()) {
      const index = this.indexes.currentIndex(document);
      const token = index?.tokenAtLine(selection.active.line) ?? -1;
      const part = entryPartAt(document.lineAt(selection.active.line).text, selection.active.character, set.store.dim);
      if (token >= 0 && part?.kind === 'token') return set.store.token(token);
      return undefined;
    }
    const range = document.getWordRangeAtPosition(selection.active);
    return range === undefined ? undefined : document.getText(range);
  }

  private async goToToken(set: WordSet, index: number): Promise<void> {
    const line = set.lineOfToken?.[index];
    if (set.uri === undefined || line === undefined || line < 0) return;
    const token = set.store.token(index);
    // vscode.open also works for files too big to be synced to extensions.
    await vscode.commands.executeCommand('vscode.open', set.uri, { selection: new vscode.Range(line, 0, line, token.length) });
  }

  /** Runs a query; an unknown word becomes an error message (and `results.error`), not an exception. */
  private attempt<T>(query: () => T): T | undefined {
    try {
      const result = query();
      this.results.error = undefined;
      return result;
    } catch (error) {
      if (!(error instanceof UnknownWordError)) throw error;
      this.results.error = error.message;
      void vscode.window.showErrorMessage(`Headlight: ${error.message}`);
      return undefined;
    }
  }
}
