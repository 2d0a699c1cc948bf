/**
 * Files the Explorer cannot read from this machine's disk — virtual workspaces, and every file in
 * VS Code for the Web — read whole through `vscode.workspace.fs` and parsed on this thread in
 * time-budgeted slices (as the host's EmbFileLoader reads them), then handed to an in-process
 * engine. Such a read holds the whole file in memory once, so it is refused above
 * VIRTUAL_MAX_BYTES with a sentence saying where the file can be opened instead.
 */
import * as vscode from 'vscode';
import { DETECT_BYTES, detectFormat } from '../../emb/formats/detect';
import { parseEmbFileBytesSliced } from '../../emb/loadFile';
import { parseEmbBytesSliced } from '../emb/backgroundParse';
import { configuredFormat } from '../emb/fileLoader';
import type { LoadedEmbeddings } from './engine';
import { describeParsed } from './load';

export const VIRTUAL_MAX_BYTES = 1 << 30;

export async function readVirtualForExplorer(uri: vscode.Uri, label: string, onProgress: (fraction: number) => void): Promise<LoadedEmbeddings> {
  const { size } = await vscode.workspace.fs.stat(uri);
  if (size > VIRTUAL_MAX_BYTES) {
    throw new Error(
      `${label} is ${(size / (1 << 20)).toFixed(0)} MB, and a file that is not on this machine's disk is read whole into memory, which stops at ${VIRTUAL_MAX_BYTES / (1 << 20)} MB here; open it in desktop VS Code, where it is read from disk in pieces`,
    );
  }
  const bytes = await vscode.workspace.fs.readFile(uri);
  const configured = configuredFormat();
  const format = configured === 'auto' ? detectFormat(bytes.subarray(0, DETECT_BYTES)).format : configured;
  const parsed = format === 'text' ? await parseEmbBytesSliced(bytes, { name: label, onProgress }) : await parseEmbFileBytesSliced(bytes, { name: label, format, onProgress });
  return describeParsed(parsed, label);
}
