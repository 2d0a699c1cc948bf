import * as vscode from 'vscode';
import { HOVER_SELECTED_MAX, tokenHoverMarkdown, valueHoverMarkdown } from './hoverContent';
import type { EmbIndex, EmbIndexService } from './indexService';
import { entryPartAt } from './lineFields';
import { readEmbSettings } from './settings';

/** What the last hover showed, for the integration tests. */
export interface HoverRecord {
  readonly uri: string;
  readonly line: number;
  readonly kind: 'token' | 'value';
  /** Index of the hovered token in the store. */
  readonly tokenIndex: number;
  /** The hovered dimension (0-based) for a value hover. */
  readonly dim: number | undefined;
  readonly markdown: string;
}

/**
 * An untrusted MarkdownString: no command links, no HTML, no `$(icon)` syntax. The content is
 * escaped already (hoverContent.ts); this is the second wall.
 */
export function untrustedMarkdown(value: string): vscode.MarkdownString {
  const markdown = new vscode.MarkdownString(value, false);
  markdown.isTrusted = false;
  markdown.supportHtml = false;
  return markdown;
}

/**
 * Hovers in `.emb` files: on a token, its dimensions, norm, nearest tokens (cosine, dot, scaled
 * dot side by side) and its similarity to the words selected in the editor; on a value, its
 * dimension's name and rank. Served only from an index that matches the document's version.
 */
export class EmbHoverProvider implements vscode.HoverProvider {
  lastHover: HoverRecord | undefined;

  constructor(private readonly indexes: EmbIndexService) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const index = await this.indexes.indexFor(document, token);
    if (index === undefined || token.isCancellationRequested || index.version !== document.version) return undefined;
    const tokenIndex = index.tokenAtLine(position.line);
    if (tokenIndex < 0) return undefined;
    const part = entryPartAt(document.lineAt(position.line).text, position.character, index.store.dim);
    if (part === undefined) return undefined;

    const settings = readEmbSettings(document.uri);
    const markdown =
      part.kind === 'token'
        ? tokenHoverMarkdown({
            store: index.store,
            index: tokenIndex,
            spaced: part.spaced || index.parsed.spaced.has(tokenIndex),
            k: settings.hoverNeighbors,
            measure: settings.measure,
            selected: selectedTokens(document, index, tokenIndex),
          })
        : valueHoverMarkdown(index.store, tokenIndex, part.dim);
    this.lastHover = {
      uri: document.uri.toString(),
      line: position.line,
      kind: part.kind,
      tokenIndex,
      dim: part.kind === 'value' ? part.dim : undefined,
      markdown,
    };
    const range = new vscode.Range(position.line, part.span.start, position.line, part.span.end);
    return new vscode.Hover(untrustedMarkdown(markdown), range);
  }
}

/**
 * The tokens the user selected in editors of this document: a selection that is exactly a word of
 * the file, or every entry line a selection touches.
 */
export function selectedTokens(document: vscode.TextDocument, index: EmbIndex, hovered: number): number[] {
  const found: number[] = [];
  const add = (i: number) => {
    if (i >= 0 && i !== hovered && !found.includes(i)) found.push(i);
  };
  for (const editor of vscode.window.visibleTextEditors) {
    if (editor.document !== document) continue;
    for (const selection of editor.selections) {
      if (selection.isEmpty) continue;
      if (selection.isSingleLine) {
        const exact = index.store.indexOf(document.getText(selection).trim());
        if (exact >= 0) {
          add(exact);
          continue;
        }
      }
      // A selection of whole lines ends at column 0 of the next line, which it does not select.
      const endLine = selection.end.character === 0 ? selection.end.line - 1 : selection.end.line;
      const last = Math.min(endLine, selection.start.line + HOVER_SELECTED_MAX * 4);
      for (let line = selection.start.line; line <= last && found.length < HOVER_SELECTED_MAX; line++) {
        add(index.tokenAtLine(line));
      }
    }
  }
  return found.slice(0, HOVER_SELECTED_MAX);
}
