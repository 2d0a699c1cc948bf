import * as vscode from 'vscode';
import type { EmbFix, EmbProblem, EmbRange } from '../../emb/types';
import { formatCount } from './display';
import type { EmbIndex, EmbIndexService } from './indexService';

/** The `source` of every Headlight diagnostic, and the DiagnosticCollection's name. */
export const DIAGNOSTIC_SOURCE = 'headlight';

const SEVERITY: Record<EmbProblem['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

export function toRange(range: EmbRange): vscode.Range {
  return new vscode.Range(range.line, range.startColumn, range.line, Math.max(range.startColumn, range.endColumn));
}

export function toDiagnostic(problem: EmbProblem): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(toRange(problem.range), problem.message, SEVERITY[problem.severity]);
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = problem.code;
  return diagnostic;
}

/**
 * The problems of an index as diagnostics, at most `maxProblems` of them: a broken 400,000-line
 * file must not flood the Problems view. When some are left out, a last diagnostic says how many
 * and names the setting.
 */
export function indexDiagnostics(index: EmbIndex, maxProblems: number): vscode.Diagnostic[] {
  const problems = index.parsed.problems;
  const shown = problems.slice(0, maxProblems).map(toDiagnostic);
  // The parser itself stops listing after its own cap and counts the rest.
  const hidden = problems.length - shown.length + index.parsed.problemsOmitted;
  if (hidden > 0) {
    const first = problems[0];
    const note = new vscode.Diagnostic(
      first === undefined ? new vscode.Range(0, 0, 0, 0) : toRange(first.range),
      `${formatCount(hidden)} more problem(s) not shown (headlight.diagnostics.maxProblems is ${formatCount(maxProblems)}).`,
      vscode.DiagnosticSeverity.Information,
    );
    note.source = DIAGNOSTIC_SOURCE;
    note.code = 'more-problems';
    shown.push(note);
  }
  return shown;
}

/** The edit of one EmbFix, clamped to the document (a fix range may run past the end of a line). */
export function fixEdit(document: vscode.TextDocument, fix: EmbFix): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  if (fix.deleteLines !== undefined) {
    const { startLine, endLine } = fix.deleteLines;
    const end = endLine >= document.lineCount ? document.lineAt(document.lineCount - 1).range.end : new vscode.Position(endLine, 0);
    // Deleting the last line(s): take the newline before them instead, so no empty line remains.
    const start =
      endLine >= document.lineCount && startLine > 0 ? document.lineAt(startLine - 1).range.end : new vscode.Position(startLine, 0);
    edit.delete(document.uri, document.validateRange(new vscode.Range(start, end)));
  } else {
    edit.replace(document.uri, document.validateRange(toRange(fix.range)), fix.text);
  }
  return edit;
}

function sameDiagnostic(d: vscode.Diagnostic, problem: EmbProblem): boolean {
  const code = typeof d.code === 'object' ? d.code.value : d.code;
  return d.source === DIAGNOSTIC_SOURCE && code === problem.code && d.range.start.line === problem.range.line && d.message === problem.message;
}

/**
 * Quick fixes from the parser's EmbFix suggestions (remove a duplicate, correct the header), only
 * against an index that matches the document exactly as it is now.
 */
export class EmbCodeActionProvider implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly indexes: EmbIndexService) {}

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const index = this.indexes.currentIndex(document);
    if (index === undefined) return [];
    const actions: vscode.CodeAction[] = [];
    for (const problem of index.parsed.problems) {
      if (problem.fix === undefined) continue;
      if (problem.range.line < range.start.line || problem.range.line > range.end.line) continue;
      const action = new vscode.CodeAction(problem.fix.title, vscode.CodeActionKind.QuickFix);
      action.edit = fixEdit(document, problem.fix);
      const diagnostic = context.diagnostics.find((d) => sameDiagnostic(d, problem));
      action.diagnostics = [diagnostic ?? toDiagnostic(problem)];
      actions.push(action);
    }
    if (actions.length === 1 && actions[0] !== undefined) actions[0].isPreferred = true;
    return actions;
  }
}
