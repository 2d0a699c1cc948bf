/**
 * One-click association for `.vec` and `.txt` files that look like embeddings: when such a file
 * opens as plain text, an information message offers "Open as Embeddings" (this document gets the
 * `emb` language: hovers, diagnostics, Compare Words) and, for `.vec`, "Always for *.vec" (a
 * `files.associations` entry in the workspace settings). Asked once per file per session; never
 * for `.txt` as a whole (most text files are not embeddings).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { looksLikeEmbeddingLines } from '../../emb/formats/text/sniff';
import { Disposable } from '../disposable';

/** The first lines looked at (a header, comments and a few rows fit). */
const HEAD_LINES = 12;
const OFFERED_EXTENSIONS = new Set(['.vec', '.txt']);
const ALWAYS_EXTENSIONS = new Set(['.vec']);

export const OPEN_AS_EMBEDDINGS = 'Open as Embeddings';

export class EmbeddingsAssociationOffer extends Disposable {
  private readonly asked = new Set<string>();

  constructor(private readonly log: vscode.LogOutputChannel) {
    super();
    this.register(vscode.workspace.onDidOpenTextDocument((document) => void this.consider(document)));
    for (const document of vscode.workspace.textDocuments) void this.consider(document);
  }

  /** Whether `document` is a plain-text .vec/.txt whose first lines are embedding rows. */
  static candidate(document: vscode.TextDocument): boolean {
    if (document.uri.scheme !== 'file' || document.languageId !== 'plaintext') return false;
    if (!OFFERED_EXTENSIONS.has(path.extname(document.uri.fsPath).toLowerCase())) return false;
    const lines: string[] = [];
    for (let i = 0; i < Math.min(HEAD_LINES, document.lineCount); i++) lines.push(document.lineAt(i).text);
    return looksLikeEmbeddingLines(lines);
  }

  private async consider(document: vscode.TextDocument): Promise<void> {
    const key = document.uri.toString();
    if (this.isDisposed || this.asked.has(key) || !EmbeddingsAssociationOffer.candidate(document)) return;
    this.asked.add(key);
    const extension = path.extname(document.uri.fsPath).toLowerCase();
    const always = ALWAYS_EXTENSIONS.has(extension) ? `Always for *${extension}` : undefined;
    const name = path.basename(document.uri.fsPath);
    const choice = await vscode.window.showInformationMessage(
      `${name} looks like an embedding file. Open it as Embeddings for hovers, problems and Compare Words?`,
      ...[OPEN_AS_EMBEDDINGS, ...(always ? [always] : [])],
    );
    if (choice === undefined || this.isDisposed) return;
    if (choice === always) {
      const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
      const files = vscode.workspace.getConfiguration('files');
      const current = files.get<Record<string, string>>('associations') ?? {};
      await files.update('associations', { ...current, [`*${extension}`]: 'emb' }, target);
      this.log.info(`emb: files.associations["*${extension}"] = "emb" (${target === vscode.ConfigurationTarget.Workspace ? 'workspace' : 'user'} settings)`);
    }
    if (!document.isClosed && document.languageId !== 'emb') await vscode.languages.setTextDocumentLanguage(document, 'emb');
  }
}
