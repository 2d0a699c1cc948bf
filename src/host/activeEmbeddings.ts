import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { lessonSamplePath } from '../emb/loadFile';
import type { ParsedEmb } from '../emb/formats/text/parse';
import type { EmbeddingStore } from '../emb/store';
import { Disposable } from './disposable';
import { formatCount } from './emb/display';
import { EmbFileLoader, isCancellation } from './emb/fileLoader';

/** What Show Attention, the hovers and the status bar see of the active embedding set. */
export interface ActiveSet {
  /** Shown in the status bar and panel title: file name, or "Lesson (bundled)". */
  readonly label: string;
  /** The file it came from; undefined for the bundled lesson set. */
  readonly uri: vscode.Uri | undefined;
  /** Which of the bundled sets it is, or `file` for one the user chose. */
  readonly kind: 'lesson' | 'trained' | 'file';
  readonly store: EmbeddingStore;
  /** Everything the parser said about the file: problems, layout, line of each token. */
  readonly parsed: ParsedEmb;
}

export const LESSON_LABEL = 'Lesson (bundled)';
/** samples/words.bin: fastText vectors trained by scripts/train/vectors.py (README, "Trained defaults"). */
export const TRAINED_LABEL = 'Trained word vectors (bundled)';
export const TRAINED_VECTORS_PATH = 'samples/words.bin';
const CHOICE_KEY = 'headlight.activeEmbeddings';
/** Quiet time after a change on disk before the active file is read again (writers write in bursts). */
const RELOAD_DELAY_MS = 400;

/** A file, or one of the two bundled sets. */
export type EmbeddingsSource = vscode.Uri | 'lesson' | 'trained';
type Source = EmbeddingsSource;

function sameSource(a: Source, b: Source): boolean {
  return typeof a === 'string' || typeof b === 'string' ? a === b : a.toString() === b.toString();
}

/**
 * `headlight.embeddings.file` as a URI: absolute paths, `~/…`, paths relative to the first
 * workspace folder, or a URI with a scheme (virtual workspaces). Empty means the lesson set.
 */
export function resolveEmbeddingsSetting(value: string): Source {
  const text = value.trim();
  if (text.length === 0) return 'lesson';
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(text)) return vscode.Uri.parse(text, true);
  if (text === '~' || text.startsWith('~/')) return vscode.Uri.file(path.join(os.homedir(), text.slice(1)));
  if (path.isAbsolute(text)) return vscode.Uri.file(text);
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder === undefined ? vscode.Uri.file(path.resolve(text)) : vscode.Uri.joinPath(folder.uri, text);
}

/**
 * The embedding set that Show Attention uses: the bundled lesson vocabulary until the user picks a
 * file with "Headlight: Use Embeddings File" (remembered per workspace) or names one in
 * `headlight.embeddings.file` (the default; changing the setting wins over an earlier pick).
 * The active file is watched: a change on disk reloads it, and `onDidChange` fires.
 */
export class ActiveEmbeddings extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  /** Shared with the `.emb` index service, so a file open in the editor is not loaded twice. */
  readonly files: EmbFileLoader;

  private current: ActiveSet | undefined;
  private currentSource: Source | undefined;
  private loading: { readonly source: Source; readonly promise: Promise<ActiveSet> } | undefined;
  /** Bumped by every use(): a slower earlier load never overwrites a later choice. */
  private generation = 0;
  private watcher: vscode.Disposable | undefined;
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set from a change on disk until the reload settles: get() waits rather than serve the old rows. */
  private pendingReload: { readonly promise: Promise<void>; readonly settle: () => void } | undefined;

  constructor(
    readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.files = this.register(new EmbFileLoader(log));
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('headlight.embeddings.file')) return;
        void this.context.workspaceState.update(CHOICE_KEY, undefined);
        this.use(this.configuredSource()).catch((error: unknown) => this.reportFailure(error, 'headlight.embeddings.file'));
      }),
    );
    this.register({
      dispose: () => {
        this.watcher?.dispose();
        if (this.reloadTimer !== undefined) clearTimeout(this.reloadTimer);
        this.pendingReload?.settle();
      },
    });
  }

  /** The active set if it is loaded, without waiting (status bar). */
  peek(): ActiveSet | undefined {
    return this.current;
  }

  /** The active set, loading the bundled lesson set (or the chosen file) on first use. */
  async get(): Promise<ActiveSet> {
    if (this.pendingReload !== undefined) await this.pendingReload.promise;
    if (this.current !== undefined) return this.current;
    if (this.loading !== undefined) {
      const set = await this.loading.promise;
      return this.current ?? set;
    }
    const source = this.startupSource();
    try {
      await this.use(source);
    } catch (error) {
      if (source === 'lesson') throw error;
      // A configured file that cannot be read (or whose loading was cancelled) must not take
      // Show Attention down with it.
      this.reportFailure(error, 'the chosen embeddings file');
      await this.use('lesson');
    }
    if (this.current === undefined) throw new Error('Headlight: no embedding set could be loaded');
    return this.current;
  }

  /** Make a file (or a bundled set) the active set; fires onDidChange. */
  async use(chosen: EmbeddingsSource): Promise<void> {
    // The bundled words.bin chosen as a file (Browse…, the explorer) is the trained set, named so.
    const source = chosen !== 'trained' && chosen !== 'lesson' && chosen.toString() === this.trainedUri().toString() ? 'trained' : chosen;
    if (this.loading !== undefined && sameSource(this.loading.source, source)) {
      await this.loading.promise;
      return;
    }
    const generation = ++this.generation;
    const promise = this.load(source).then((set) => {
      if (generation === this.generation && !this.isDisposed) this.apply(source, set);
      return set;
    });
    this.loading = { source, promise };
    try {
      await promise;
    } finally {
      if (this.loading?.promise === promise) this.loading = undefined;
    }
  }

  /**
   * Makes `uri` the active set from a parse someone already holds (the Embedding Explorer's),
   * instead of reading the file again; a file changed on disk since is read as use() reads it.
   */
  async useParsed(uri: vscode.Uri, parsed: () => Promise<ParsedEmb>): Promise<void> {
    const started = performance.now();
    await this.files.adopt(uri, await parsed(), started);
    await this.use(uri);
  }

  private apply(source: Source, set: ActiveSet): void {
    this.current = set;
    this.currentSource = source;
    this.watch(source);
    void this.context.workspaceState.update(CHOICE_KEY, typeof source === 'string' ? source : source.toString());
    this.log.info(`embeddings: active set is ${set.label} (${formatCount(set.store.count)} × ${set.store.dim})`);
    this.changed.fire();
  }

  /** The URI of the bundled lesson file. */
  lessonUri(): vscode.Uri {
    return vscode.Uri.file(lessonSamplePath(this.context.extensionPath));
  }

  /** The URI of the bundled trained word vectors (loaded only when chosen). */
  trainedUri(): vscode.Uri {
    return vscode.Uri.joinPath(this.context.extensionUri, ...TRAINED_VECTORS_PATH.split('/'));
  }

  private configuredSource(): Source {
    const value = vscode.workspace.getConfiguration('headlight').get<unknown>('embeddings.file');
    return resolveEmbeddingsSetting(typeof value === 'string' ? value : '');
  }

  private startupSource(): Source {
    const remembered = this.context.workspaceState.get<unknown>(CHOICE_KEY);
    if (remembered === 'lesson' || remembered === 'trained') return remembered;
    if (typeof remembered === 'string' && remembered.length > 0) return vscode.Uri.parse(remembered, true);
    return this.configuredSource();
  }

  private async load(source: Source): Promise<ActiveSet> {
    const uri = source === 'lesson' ? this.lessonUri() : source === 'trained' ? this.trainedUri() : source;
    const loaded = await this.files.load(uri);
    const parsed = loaded.parsed;
    const label = source === 'lesson' ? LESSON_LABEL : source === 'trained' ? TRAINED_LABEL : path.posix.basename(uri.path);
    if (parsed.store.count === 0) {
      const first = parsed.problems[0];
      throw new Error(`${label} has no usable embedding rows${first === undefined ? '' : ` (${first.byteOffset !== undefined ? `byte ${first.byteOffset}` : `line ${first.range.line + 1}`}: ${first.message})`}`);
    }
    const errors = parsed.problems.filter((p) => p.severity === 'error').length;
    if (errors > 0) {
      this.log.warn(`embeddings: ${label} has ${formatCount(errors)} error(s); using its ${formatCount(parsed.store.count)} valid rows`);
    }
    return { label, uri: source === 'lesson' ? undefined : uri, kind: typeof source === 'string' ? source : 'file', store: parsed.store, parsed };
  }

  /** Reload the active file when it changes on disk; keep the loaded set if it disappears. */
  private watch(source: Source): void {
    this.watcher?.dispose();
    this.watcher = undefined;
    // The bundled sets live in the extension folder: nothing rewrites them while it runs.
    if (typeof source === 'string') return;
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.joinPath(source, '..'), path.posix.basename(source.path)),
    );
    const reload = () => {
      if (this.pendingReload === undefined) {
        let settle = () => {};
        const promise = new Promise<void>((resolve) => (settle = resolve));
        this.pendingReload = { promise, settle };
      }
      if (this.reloadTimer !== undefined) clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => {
        this.reloadTimer = undefined;
        const pending = this.pendingReload;
        const done = () => {
          if (this.pendingReload === pending) this.pendingReload = undefined;
          pending?.settle();
        };
        if (this.currentSource === undefined || !sameSource(this.currentSource, source)) {
          done();
          return;
        }
        this.log.info(`embeddings: ${path.posix.basename(source.path)} changed on disk; reloading the active set`);
        this.use(source)
          .catch((error: unknown) => this.reportFailure(error, path.posix.basename(source.path)))
          .finally(done);
      }, RELOAD_DELAY_MS);
    };
    watcher.onDidChange(reload);
    watcher.onDidCreate(reload);
    watcher.onDidDelete(() =>
      this.log.warn(`embeddings: ${path.posix.basename(source.path)} was deleted on disk; keeping the set loaded from it until another is chosen`),
    );
    this.watcher = watcher;
  }

  private reportFailure(error: unknown, what: string): void {
    if (isCancellation(error)) {
      this.log.info(`embeddings: loading ${what} was cancelled; the active set is unchanged`);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.log.error(`embeddings: cannot load ${what}: ${message}`);
    void vscode.window.showWarningMessage(`Headlight: cannot load ${what}: ${message}. Using ${this.current?.label ?? LESSON_LABEL}.`);
  }
}
