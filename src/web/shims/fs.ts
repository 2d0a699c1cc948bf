/**
 * `node:fs` for the browser bundle. There is no local disk in VS Code for the Web:
 * - `existsSync` is false, so nobody looks for a worker script (workers cannot start here anyway);
 * - `promises.open(path)` reads the whole file through `vscode.workspace.fs` (as a `file:` URI)
 *   and serves `read`/`stat`/`close` from memory, which is all src/emb/loadFile.ts asks of a
 *   FileHandle. Other schemes never get here: the host reads them through `vscode.workspace.fs`.
 */
import * as vscode from 'vscode';

export function existsSync(_path: string): boolean {
  return false;
}

class MemoryFileHandle {
  constructor(private bytes: Uint8Array | undefined) {}

  async stat(): Promise<{ size: number }> {
    return { size: this.data().length };
  }

  async read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number; buffer: Uint8Array }> {
    const data = this.data();
    const start = Math.min(Math.max(0, position), data.length);
    const end = Math.min(data.length, start + Math.max(0, length));
    buffer.set(data.subarray(start, end), offset);
    return { bytesRead: end - start, buffer };
  }

  async close(): Promise<void> {
    this.bytes = undefined;
  }

  private data(): Uint8Array {
    if (this.bytes === undefined) throw new Error('the file handle is closed');
    return this.bytes;
  }
}

async function open(path: string, _flags?: string): Promise<MemoryFileHandle> {
  return new MemoryFileHandle(await vscode.workspace.fs.readFile(vscode.Uri.file(path)));
}

export const promises = { open };
export default { existsSync, promises };
