import * as vscode from 'vscode';

/**
 * The one ownership pattern of the host: whatever a feature subscribes to or creates is handed to
 * `register`, and disposing the owner disposes all of it, newest first. Nothing registered after
 * disposal survives: it is disposed at once.
 */
export abstract class Disposable implements vscode.Disposable {
  private readonly owned: vscode.Disposable[] = [];
  private disposedFlag = false;

  protected get isDisposed(): boolean {
    return this.disposedFlag;
  }

  protected register<T extends vscode.Disposable>(disposable: T): T {
    if (this.disposedFlag) {
      disposable.dispose();
    } else {
      this.owned.push(disposable);
    }
    return disposable;
  }

  dispose(): void {
    if (this.disposedFlag) {
      return;
    }
    this.disposedFlag = true;
    while (this.owned.length > 0) {
      this.owned.pop()?.dispose();
    }
  }
}

/** A Disposable that simply owns a list of others: for wiring that needs no class of its own. */
export class DisposableStore extends Disposable {
  add<T extends vscode.Disposable>(disposable: T): T {
    return this.register(disposable);
  }
}
