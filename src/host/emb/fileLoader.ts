import * as path from 'node:path';
import * as vscode from 'vscode';
import { DETECT_BYTES, detectFormat, parseFormatSetting } from '../../emb/formats/detect';
import { loadEmbFile, parseEmbFileBytesSliced } from '../../emb/loadFile';
import type { EmbFormat } from '../../emb/types';
import { closeParseWorkers } from '../../emb/formats/text/parseWorkerPool';
import type { ParsedEmb } from '../../emb/formats/text/parse';
import { parseEmbBytesSliced } from './backgroundParse';
import { formatCount } from './display';

/** headlight.embeddings.format (auto | text | word2vec-binary | fasttext-bin); an unknown value is auto. */
export function configuredFormat(): EmbFormat | 'auto' {
  const value = vscode.workspace.getConfiguration('headlight').get<unknown>('embeddings.format');
  return parseFormatSetting(typeof value === 'string' ? value : undefined) ?? 'auto';
}

/** Files at least this big get a progress notification (with Cancel) while they load. */
const PROGRESS_NOTIFICATION_BYTES = 1024 * 1024;
/** A file rewritten while it was being read is read again, at most this many times. */
const MAX_STALE_RETRIES = 2;

export interface LoadedEmbFile {
  readonly parsed: ParsedEmb;
  /** mtime and size at load time: the identity of the bytes the index was built from. */
  readonly stamp: string;
  readonly bytes: number;
  readonly milliseconds: number;
}

interface SharedLoad {
  readonly stamp: string;
  readonly promise: Promise<LoadedEmbFile>;
  readonly controller: AbortController;
  users: number;
}

interface CachedLoad {
  readonly stamp: string;
  readonly ref: WeakRef<LoadedEmbFile>;
}

/** True for the errors a cancelled or superseded load ends with. */
export function isCancellation(error: unknown): boolean {
  return (
    error instanceof vscode.CancellationError ||
    (error instanceof Error && (error.name === 'AbortError' || error.name === 'Canceled'))
  );
}

function abortedPromise(signal: AbortSignal): { promise: Promise<never>; detach: () => void } {
  let detach = () => {};
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) {
      reject(new vscode.CancellationError());
      return;
    }
    const onAbort = () => reject(new vscode.CancellationError());
    signal.addEventListener('abort', onAbort, { once: true });
    detach = () => signal.removeEventListener('abort', onAbort);
  });
  promise.catch(() => {});
  return { promise, detach };
}

/**
 * Loads `.emb` files from disk (any size) for the index service and the active set. Two callers
 * asking for the same unchanged file share one load and one parsed result: in-flight loads are
 * shared with a user count (aborted only when every caller gave up), finished ones are remembered
 * through a WeakRef so a 160 MB store is never held twice and never kept alive by this cache.
 * Local files go through src/emb's `loadEmbFile` (off the extension host thread); other schemes
 * (virtual workspaces) through `vscode.workspace.fs`.
 */
export class EmbFileLoader implements vscode.Disposable {
  private readonly shared = new Map<string, SharedLoad>();
  private readonly done = new Map<string, CachedLoad>();
  /** Sets parsed elsewhere (the Explorer's worker) for the next load of their file; held until it takes them. */
  private readonly adopted = new Map<string, LoadedEmbFile>();
  private disposed = false;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** Stops every load in flight (their workers end with them), ends the idle parse workers and forgets what was loaded. */
  dispose(): void {
    this.disposed = true;
    for (const load of this.shared.values()) load.controller.abort();
    this.shared.clear();
    this.done.clear();
    this.adopted.clear();
    void closeParseWorkers();
  }

  /** Loads in flight right now (for tests of disposal). */
  get loadsInFlight(): number {
    return this.shared.size;
  }

  async stamp(uri: vscode.Uri): Promise<{ stamp: string; size: number }> {
    const stat = await vscode.workspace.fs.stat(uri);
    return { stamp: `${stat.mtime}:${stat.size}`, size: stat.size };
  }

  /**
   * A set already parsed by someone else (the Embedding Explorer's worker) becomes what the next
   * load of `uri` returns, as long as the file has not changed since: "Use as Active Set" on a
   * 3.6 GB file must not read it a second time.
   */
  async adopt(uri: vscode.Uri, parsed: ParsedEmb, startedAt: number): Promise<void> {
    const { stamp, size } = await this.stamp(uri);
    const loaded: LoadedEmbFile = { parsed, stamp, bytes: size, milliseconds: performance.now() - startedAt };
    const key = uri.toString();
    this.adopted.set(key, loaded);
    this.done.set(key, { stamp, ref: new WeakRef(loaded) });
  }

  async load(uri: vscode.Uri, signal?: AbortSignal): Promise<LoadedEmbFile> {
    if (this.disposed) throw new vscode.CancellationError();
    const key = uri.toString();
    const { stamp, size } = await this.stamp(uri);
    const adopted = this.adopted.get(key);
    this.adopted.delete(key);
    if (adopted?.stamp === stamp) {
      this.log.info(`emb: ${uri.fsPath || key}: using the set the Embedding Explorer indexed (no second read)`);
      return adopted;
    }
    const cached = this.done.get(key);
    const hit = cached?.stamp === stamp ? cached.ref.deref() : undefined;
    if (hit !== undefined) {
      this.log.debug(`emb: ${uri.fsPath || key}: reusing the index already in memory`);
      return hit;
    }

    let load = this.shared.get(key);
    if (load === undefined || load.stamp !== stamp) {
      load?.controller.abort();
      load = this.start(uri, key, stamp, size);
    }
    const mine = load;
    mine.users++;
    if (signal === undefined) return mine.promise;

    const aborted = abortedPromise(signal);
    const onAbort = () => {
      mine.users--;
      if (mine.users <= 0) mine.controller.abort();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await Promise.race([mine.promise, aborted.promise]);
    } finally {
      aborted.detach();
      signal.removeEventListener('abort', onAbort);
    }
  }

  private start(uri: vscode.Uri, key: string, stamp: string, size: number): SharedLoad {
    const controller = new AbortController();
    const name = path.posix.basename(uri.path);
    const load: SharedLoad = { stamp, controller, users: 0, promise: this.read(uri, name, stamp, size, controller) };
    load.promise.catch(() => {});
    this.shared.set(key, load);
    void load.promise
      .then((loaded) => this.done.set(key, { stamp: loaded.stamp, ref: new WeakRef(loaded) }))
      .catch(() => {})
      .finally(() => {
        if (this.shared.get(key) === load) this.shared.delete(key);
      });
    return load;
  }

  private async read(uri: vscode.Uri, name: string, stamp: string, size: number, controller: AbortController): Promise<LoadedEmbFile> {
    const signal = controller.signal;
    if (size < PROGRESS_NOTIFICATION_BYTES) {
      return this.readChecked(uri, name, stamp, size, signal, () => {});
    }
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Headlight: indexing ${name}`, cancellable: true },
      async (progress, token) => {
        const cancel = token.onCancellationRequested(() => {
          this.log.info(`emb: ${name}: indexing cancelled by the user`);
          // The user said "stop indexing this file": every caller of this load stops.
          controller.abort();
        });
        let reported = 0;
        const megabytes = (size / (1024 * 1024)).toFixed(1);
        try {
          return await this.readChecked(uri, name, stamp, size, signal, (fraction) => {
            const percent = Math.floor(Math.min(1, Math.max(0, fraction)) * 100);
            if (percent <= reported) return;
            progress.report({ increment: percent - reported, message: `${percent}% of ${megabytes} MB` });
            reported = percent;
          });
        } finally {
          cancel.dispose();
        }
      },
    );
  }

  private async readChecked(
    uri: vscode.Uri,
    name: string,
    stamp: string,
    size: number,
    signal: AbortSignal,
    onProgress: (fraction: number) => void,
  ): Promise<LoadedEmbFile> {
    let expected = stamp;
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      const parsed = await this.readOnce(uri, name, signal, onProgress);
      if (signal.aborted) throw new vscode.CancellationError();
      // A file rewritten while it was read may have given us half of each version: read again.
      const after = await this.stamp(uri);
      if (after.stamp === expected || attempt >= MAX_STALE_RETRIES) {
        const milliseconds = performance.now() - started;
        this.log.info(
          `emb: ${name}: indexed ${formatCount(parsed.store.count)} × ${parsed.store.dim} from disk ` +
            `(${(size / (1024 * 1024)).toFixed(1)} MB) in ${milliseconds.toFixed(0)} ms, ${parsed.problems.length} problem(s)`,
        );
        return { parsed, stamp: after.stamp, bytes: after.size, milliseconds };
      }
      this.log.info(`emb: ${name}: changed on disk while it was read; reading it again`);
      expected = after.stamp;
    }
  }

  private async readOnce(uri: vscode.Uri, name: string, signal: AbortSignal, onProgress: (fraction: number) => void): Promise<ParsedEmb> {
    if (uri.scheme === 'file') {
      return loadEmbFile(uri.fsPath, { signal, onProgress, keepWorkersWarm: true, format: configuredFormat() });
    }
    // Virtual workspaces: no local path to stream from, so read the bytes and parse them in slices.
    const bytes = await vscode.workspace.fs.readFile(uri);
    if (signal.aborted) throw new vscode.CancellationError();
    const configured = configuredFormat();
    const format = configured === 'auto' ? detectFormat(bytes.subarray(0, DETECT_BYTES)).format : configured;
    if (format !== 'text') return parseEmbFileBytesSliced(bytes, { name, format, signal, onProgress });
    return parseEmbBytesSliced(bytes, { name, signal, onProgress });
  }
}
