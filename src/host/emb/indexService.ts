import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseEmb, type ParsedEmb } from '../../emb/formats/text/parse';
import type { EmbeddingStore } from '../../emb/store';
import { Disposable } from '../disposable';
import { parseEmbBytesSliced } from './backgroundParse';
import type { EmbFileLoader } from './fileLoader';
import { isCancellation } from './fileLoader';
import { formatCount } from './display';
import { readEmbSettings } from './settings';

/**
 * VS Code does not sync files above 50 MB (in UTF-16 code units) to extensions: such files exist
 * for us only as tabs, and can only be indexed from disk.
 */
export const EXTENSION_SYNC_LIMIT = 50 * 1024 * 1024;

/** One finished, immutable index of one `.emb` file. Never handed out once it is stale. */
export interface EmbIndex {
  readonly uri: vscode.Uri;
  /** 'document': parsed from the editor's text; 'disk': read from the file (big or unsynced files). */
  readonly source: 'document' | 'disk';
  /** The TextDocument version it matches; undefined for files that are not open as documents. */
  readonly version: number | undefined;
  /** Bumped on every change of the file; an index of an older generation is never served. */
  readonly generation: number;
  readonly parsed: ParsedEmb;
  readonly store: EmbeddingStore;
  readonly milliseconds: number;
  /** The stored token defined on `line` (0-based), or −1 (comment, header, rejected line). */
  tokenAtLine(line: number): number;
}

class BuiltIndex implements EmbIndex {
  private lineToToken: Int32Array | undefined;

  constructor(
    readonly uri: vscode.Uri,
    readonly source: 'document' | 'disk',
    readonly version: number | undefined,
    readonly generation: number,
    readonly parsed: ParsedEmb,
    readonly milliseconds: number,
  ) {}

  get store(): EmbeddingStore {
    return this.parsed.store;
  }

  tokenAtLine(line: number): number {
    if (this.lineToToken === undefined) {
      const lines = this.parsed.lineOfToken;
      let lastLine = -1;
      for (const l of lines) if (l > lastLine) lastLine = l;
      const map = new Int32Array(lastLine + 1).fill(-1);
      for (let token = 0; token < lines.length; token++) {
        const l = lines[token] ?? -1;
        if (l >= 0) map[l] = token;
      }
      this.lineToToken = map;
    }
    return line >= 0 && line < this.lineToToken.length ? (this.lineToToken[line] ?? -1) : -1;
  }
}

/** The bookkeeping of one file: the current generation, its index once built, the build in flight. */
class IndexEntry {
  generation = 0;
  index: EmbIndex | undefined;
  building: Promise<void> | undefined;
  buildingGeneration = -1;
  timer: ReturnType<typeof setTimeout> | undefined;
  abort: AbortController | undefined;
  /** The user pressed Cancel on the progress: no automatic restart until the file changes again. */
  cancelledByUser = false;
  lastError: string | undefined;
  watcher: vscode.Disposable | undefined;

  constructor(
    readonly uri: vscode.Uri,
    /** 'document': an open TextDocument; 'tab': a tab of a file too big to be synced. */
    readonly kind: 'document' | 'tab',
  ) {}

  stopWork(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort?.abort();
    this.abort = undefined;
  }

  dispose(): void {
    this.stopWork();
    this.generation++;
    this.index = undefined;
    this.watcher?.dispose();
    this.watcher = undefined;
  }
}

function isEmbDocument(document: vscode.TextDocument): boolean {
  return document.languageId === 'emb';
}

function looksLikeEmbFile(uri: vscode.Uri): boolean {
  return uri.path.toLowerCase().endsWith('.emb');
}

function documentLength(document: vscode.TextDocument): number {
  return document.offsetAt(new vscode.Position(document.lineCount, 0));
}

/**
 * Keeps an index of every open `.emb` file and of active tabs of `.emb` files too big to be synced.
 *
 * - Small documents are parsed from the editor text, debounced after edits.
 * - Documents above `headlight.index.largeFileThresholdMB` and unsynced tabs are read from disk in
 *   the background (src/emb's loadEmbFile, off the extension host thread) under a cancellable
 *   progress notification, and re-read when the file changes on disk.
 * - Every change bumps the entry's generation and aborts the build in flight; a build publishes
 *   only if its generation is still current, and `indexFor` never returns an index older than the
 *   document it is asked about: callers wait for the fresh one instead.
 */
export class EmbIndexService extends Disposable {
  private readonly entries = new Map<string, IndexEntry>();
  private readonly indexed = this.register(new vscode.EventEmitter<EmbIndex>());
  /** Fires with every index published (diagnostics are set before it fires). */
  readonly onDidIndex = this.indexed.event;
  private readonly problemsChanged = this.register(new vscode.EventEmitter<vscode.Uri>());
  /** Fires when the problems of a file were replaced or cleared. */
  readonly onDidChangeProblems = this.problemsChanged.event;

  constructor(
    private readonly loader: EmbFileLoader,
    private readonly diagnostics: vscode.DiagnosticCollection,
    private readonly log: vscode.LogOutputChannel,
    private readonly toDiagnostics: (index: EmbIndex, maxProblems: number) => vscode.Diagnostic[],
  ) {
    super();
    this.register(vscode.workspace.onDidOpenTextDocument((d) => this.track(d)));
    this.register(vscode.workspace.onDidCloseTextDocument((d) => this.untrack(d.uri, 'document')));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => this.changed(e.document)));
    this.register(vscode.window.tabGroups.onDidChangeTabs((e) => this.tabsChanged(e)));
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('headlight.index') || e.affectsConfiguration('headlight.diagnostics')) this.invalidateAll();
      }),
    );
    this.register({ dispose: () => this.disposeEntries() });
    for (const document of vscode.workspace.textDocuments) this.track(document);
    this.scanTabs();
  }

  /**
   * The fresh index of an open `.emb` document (or of a tracked big file), waiting for a pending
   * parse if there is one. Undefined if the file is not an `.emb` file, indexing was cancelled, or
   * it failed (the reason is in the log).
   */
  async indexFor(target: vscode.TextDocument | vscode.Uri, token?: vscode.CancellationToken): Promise<EmbIndex | undefined> {
    const document = target instanceof vscode.Uri ? this.openDocument(target) : target;
    const uri = target instanceof vscode.Uri ? target : target.uri;
    if (document !== undefined) this.track(document);
    const entry = this.entries.get(uri.toString());
    if (entry === undefined) return undefined;
    // Each round either returns, or waits for a build that was current when it started.
    for (let round = 0; round < 20 && !this.isDisposed; round++) {
      const fresh = this.freshIndex(entry, document);
      if (fresh !== undefined) return fresh;
      // Asked before our change listener ran: the document moved on, so the index is stale now.
      if (document !== undefined && entry.index !== undefined && entry.index.version !== document.version) this.invalidate(entry, 0);
      if (entry.cancelledByUser || entry.lastError !== undefined || this.entries.get(uri.toString()) !== entry) return undefined;
      if (entry.buildingGeneration !== entry.generation) this.build(entry);
      // A hover gives up when the mouse moves on; a big file may still be loading then.
      if (!(await settledOrCancelled(entry.building, token))) return undefined;
    }
    return undefined;
  }

  /** The index if it is fresh right now, without waiting (for code actions, which must be quick). */
  currentIndex(document: vscode.TextDocument): EmbIndex | undefined {
    const entry = this.entries.get(document.uri.toString());
    return entry === undefined ? undefined : this.freshIndex(entry, document);
  }

  /** Every fresh index held, for the test API. */
  indexes(): EmbIndex[] {
    return [...this.entries.values()].flatMap((e) => (e.index !== undefined && e.index.generation === e.generation ? [e.index] : []));
  }

  /** The files tracked now (open `.emb` documents, tabs of unsynced big files), for disposal tests. */
  trackedFiles(): string[] {
    return [...this.entries.keys()];
  }

  /** Drop the index of a file and build it again (also after the user cancelled indexing). */
  reindex(uri: vscode.Uri): boolean {
    const document = this.openDocument(uri);
    if (document !== undefined) this.track(document);
    const entry = this.entries.get(uri.toString());
    if (entry === undefined) return false;
    this.invalidate(entry, 0);
    return true;
  }

  private freshIndex(entry: IndexEntry, document: vscode.TextDocument | undefined): EmbIndex | undefined {
    const index = entry.index;
    if (index === undefined || index.generation !== entry.generation) return undefined;
    if (document !== undefined && index.version !== document.version) return undefined;
    return index;
  }

  private openDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
    const key = uri.toString();
    return vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
  }

  private track(document: vscode.TextDocument): void {
    if (this.isDisposed || !isEmbDocument(document)) return;
    const key = document.uri.toString();
    const existing = this.entries.get(key);
    if (existing?.kind === 'document') return;
    // A big file's tab became a synced document (e.g. it shrank): the document takes over.
    existing?.dispose();
    const entry = new IndexEntry(document.uri, 'document');
    this.entries.set(key, entry);
    this.invalidate(entry, 0);
  }

  private untrack(uri: vscode.Uri, kind: 'document' | 'tab'): void {
    const key = uri.toString();
    const entry = this.entries.get(key);
    if (entry === undefined || entry.kind !== kind) return;
    entry.dispose();
    this.entries.delete(key);
    this.diagnostics.delete(uri);
    this.problemsChanged.fire(uri);
  }

  private changed(document: vscode.TextDocument): void {
    const entry = this.entries.get(document.uri.toString());
    if (entry === undefined) {
      this.track(document);
      return;
    }
    if (!isEmbDocument(document)) return;
    this.invalidate(entry, readEmbSettings(document.uri).debounceMs);
  }

  private invalidateAll(): void {
    for (const entry of this.entries.values()) this.invalidate(entry, 0);
  }

  /** The file changed: nothing built before this moment may be served; rebuild after `delayMs`. */
  private invalidate(entry: IndexEntry, delayMs: number): void {
    entry.stopWork();
    entry.generation++;
    entry.index = undefined;
    entry.lastError = undefined;
    entry.cancelledByUser = false;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      this.build(entry);
    }, delayMs);
  }

  private build(entry: IndexEntry): void {
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    entry.timer = undefined;
    if (entry.buildingGeneration === entry.generation || this.isDisposed) return;
    const generation = entry.generation;
    entry.buildingGeneration = generation;
    entry.abort?.abort();
    const abort = new AbortController();
    entry.abort = abort;
    const work = this.buildGeneration(entry, generation, abort.signal)
      .catch((error: unknown) => {
        if (entry.generation !== generation) return;
        if (isCancellation(error)) {
          // Superseding builds bump the generation first, so a cancellation that reaches here
          // came from the Cancel button: stay stopped until the file changes or Re-index runs.
          entry.cancelledByUser = true;
          this.log.info(`emb: ${this.name(entry)}: indexing stopped`);
          if (!this.isDisposed) {
            void vscode.window.showInformationMessage(
              `Headlight: indexing of ${this.name(entry)} was cancelled; hovers and word commands are off for it until it changes or you run "Headlight: Re-index Embeddings File".`,
            );
          }
          return;
        }
        entry.lastError = error instanceof Error ? error.message : String(error);
        this.log.error(`emb: ${this.name(entry)}: indexing failed: ${entry.lastError}`);
        void vscode.window.showErrorMessage(`Headlight could not index ${this.name(entry)}: ${entry.lastError}`);
      })
      .finally(() => {
        if (entry.abort === abort) entry.abort = undefined;
      });
    entry.building = work;
  }

  private async buildGeneration(entry: IndexEntry, generation: number, signal: AbortSignal): Promise<void> {
    const settings = readEmbSettings(entry.uri);
    const document = entry.kind === 'document' ? this.openDocument(entry.uri) : undefined;
    if (entry.kind === 'document' && document === undefined) return;

    if (document !== undefined) {
      const length = documentLength(document);
      const fromDisk = length > settings.largeFileBytes && document.uri.scheme === 'file' && !document.isDirty;
      if (!fromDisk) {
        const version = document.version;
        const name = path.posix.basename(document.uri.path);
        const started = performance.now();
        const parsed =
          length > settings.largeFileBytes
            ? await this.parseInSlices(document, name, signal)
            : parseEmb(document.getText(), { name });
        const milliseconds = performance.now() - started;
        if (document.version !== version) return;
        this.log.debug(`emb: ${name}: parsed v${version} in ${milliseconds.toFixed(1)} ms (${formatCount(parsed.store.count)} × ${parsed.store.dim})`);
        this.publish(entry, generation, new BuiltIndex(entry.uri, 'document', version, generation, parsed, milliseconds));
        return;
      }
      const version = document.version;
      const loaded = await this.loader.load(entry.uri, signal);
      // The disk matches the editor only if the document did not move on while we read.
      if (document.version !== version || document.isDirty) return;
      this.publish(entry, generation, new BuiltIndex(entry.uri, 'disk', version, generation, loaded.parsed, loaded.milliseconds));
      return;
    }

    this.watch(entry);
    const loaded = await this.loader.load(entry.uri, signal);
    this.publish(entry, generation, new BuiltIndex(entry.uri, 'disk', undefined, generation, loaded.parsed, loaded.milliseconds));
  }

  /**
   * A big document with unsaved edits (or not on the local disk): its text is parsed in slices,
   * yielding to the event loop between them, with the progress in the status bar.
   */
  private async parseInSlices(document: vscode.TextDocument, name: string, signal: AbortSignal): Promise<ParsedEmb> {
    return await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Headlight: indexing ${name}` }, async (progress) => {
      let reported = 0;
      const bytes = new TextEncoder().encode(document.getText());
      return parseEmbBytesSliced(bytes, {
        name,
        signal,
        onProgress: (fraction) => {
          const percent = Math.floor(fraction * 100);
          if (percent > reported) progress.report({ message: `${percent}%` });
          reported = percent;
        },
      });
    });
  }

  private publish(entry: IndexEntry, generation: number, index: BuiltIndex): void {
    if (this.isDisposed || entry.generation !== generation || this.entries.get(entry.uri.toString()) !== entry) return;
    entry.index = index;
    const settings = readEmbSettings(entry.uri);
    this.diagnostics.set(entry.uri, this.toDiagnostics(index, settings.maxProblems));
    this.problemsChanged.fire(entry.uri);
    this.indexed.fire(index);
  }

  /** Unsynced big files: the editor will not tell us about changes, the file system will. */
  private watch(entry: IndexEntry): void {
    if (entry.watcher !== undefined) return;
    const dir = vscode.Uri.joinPath(entry.uri, '..');
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(dir, path.posix.basename(entry.uri.path)));
    const onChange = () => {
      this.log.info(`emb: ${this.name(entry)}: changed on disk; indexing again`);
      this.invalidate(entry, readEmbSettings(entry.uri).debounceMs);
    };
    watcher.onDidChange(onChange);
    watcher.onDidCreate(onChange);
    watcher.onDidDelete(() => {
      this.log.info(`emb: ${this.name(entry)}: deleted on disk`);
      entry.stopWork();
      entry.generation++;
      entry.index = undefined;
      this.diagnostics.delete(entry.uri);
      this.problemsChanged.fire(entry.uri);
    });
    entry.watcher = watcher;
  }

  private tabsChanged(e: vscode.TabChangeEvent): void {
    for (const tab of e.closed) {
      const uri = tabUri(tab);
      if (uri !== undefined && !this.hasTab(uri)) this.untrack(uri, 'tab');
    }
    this.scanTabs();
  }

  private hasTab(uri: vscode.Uri): boolean {
    const key = uri.toString();
    return vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => tabUri(t)?.toString() === key));
  }

  /** Active tabs of `.emb` files the editor did not sync to us: index those from disk. */
  private scanTabs(): void {
    for (const group of vscode.window.tabGroups.all) {
      const uri = group.activeTab === undefined ? undefined : tabUri(group.activeTab);
      if (uri === undefined || !looksLikeEmbFile(uri) || this.entries.has(uri.toString()) || this.openDocument(uri) !== undefined) continue;
      void this.trackBigTab(uri);
    }
  }

  private async trackBigTab(uri: vscode.Uri): Promise<void> {
    try {
      const { size } = await this.loader.stamp(uri);
      // Smaller files become documents when their tab is shown; only the unsynced ones are ours.
      if (size <= EXTENSION_SYNC_LIMIT || this.isDisposed || this.entries.has(uri.toString()) || this.openDocument(uri) !== undefined) return;
      const entry = new IndexEntry(uri, 'tab');
      this.entries.set(uri.toString(), entry);
      this.log.info(`emb: ${path.posix.basename(uri.path)}: ${(size / 1048576).toFixed(0)} MB is above VS Code's 50 MB sync limit; indexing it from disk`);
      this.invalidate(entry, 0);
    } catch (error) {
      this.log.debug(`emb: cannot stat ${uri.toString()}: ${String(error)}`);
    }
  }

  private name(entry: IndexEntry): string {
    return path.posix.basename(entry.uri.path);
  }

  private disposeEntries(): void {
    for (const entry of this.entries.values()) {
      entry.dispose();
      this.diagnostics.delete(entry.uri);
    }
    this.entries.clear();
  }
}

/** Waits for `work`; false if `token` is cancelled first. */
async function settledOrCancelled(work: Promise<void> | undefined, token: vscode.CancellationToken | undefined): Promise<boolean> {
  if (token === undefined) {
    await work;
    return true;
  }
  if (token.isCancellationRequested) return false;
  let listener: vscode.Disposable | undefined;
  const cancelled = new Promise<false>((resolve) => {
    listener = token.onCancellationRequested(() => resolve(false));
  });
  try {
    return await Promise.race([work?.then(() => true) ?? Promise.resolve(true), cancelled]);
  } finally {
    listener?.dispose();
  }
}

export function tabUri(tab: vscode.Tab): vscode.Uri | undefined {
  return tab.input instanceof vscode.TabInputText ? tab.input.uri : undefined;
}
