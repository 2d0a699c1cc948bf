/**
 * Writing exports: where the user chooses in a save dialog (defaulting to the workspace folder),
 * or to a target URI a caller passes (integration tests, scripts): a file, or an existing folder
 * that gets the file under the name the dialog would have offered. A target that already exists
 * is refused: only the save dialog, which asks before replacing, may overwrite a file.
 */
import * as os from 'node:os';
import * as vscode from 'vscode';

export interface SaveRequest {
  readonly bytes: Uint8Array;
  readonly fileName: string;
  readonly filters: Record<string, string[]>;
  readonly title: string;
  /** Skip the dialog and write here, or into this folder as `fileName` (never over an existing file). */
  readonly target?: vscode.Uri;
}

export class ExportExistsError extends Error {
  override readonly name = 'ExportExistsError';
}

async function kindOf(uri: vscode.Uri): Promise<'none' | 'folder' | 'file'> {
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    return (stat.type & vscode.FileType.Directory) !== 0 ? 'folder' : 'file';
  } catch {
    return 'none';
  }
}

function defaultFolder(): vscode.Uri | undefined {
  const editor = vscode.window.activeTextEditor?.document.uri;
  const folder = (editor && vscode.workspace.getWorkspaceFolder(editor)) ?? vscode.workspace.workspaceFolders?.[0];
  return folder?.uri;
}

/** Writes the bytes; resolves to where, or undefined when the user cancelled the dialog. */
export async function saveExport(request: SaveRequest): Promise<vscode.Uri | undefined> {
  let target = request.target;
  if (target) {
    if ((await kindOf(target)) === 'folder') target = vscode.Uri.joinPath(target, request.fileName);
    if ((await kindOf(target)) !== 'none') {
      throw new ExportExistsError(`${target.fsPath || target.toString()} already exists; Headlight replaces files only through the save dialog.`);
    }
  } else {
    const folder = defaultFolder();
    target = await vscode.window.showSaveDialog({
      title: request.title,
      saveLabel: 'Export',
      filters: request.filters,
      defaultUri: vscode.Uri.joinPath(folder ?? vscode.Uri.file(os.homedir()), request.fileName),
    });
    if (!target) return undefined;
  }
  await vscode.workspace.fs.writeFile(target, request.bytes);
  return target;
}
