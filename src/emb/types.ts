/**
 * Shapes of the `.emb` format layer, shared by the parser, the store, the CLI and the host.
 * Positions are 0-based (line, UTF-16 column) like VS Code's; printers add 1 for people.
 */

export type EmbProblemCode =
  | 'empty-file'
  | 'value-count'
  | 'not-a-number'
  | 'non-finite'
  | 'duplicate-token'
  | 'header-count'
  | 'header-dim'
  | 'dims-names'
  | 'bad-header';

export interface EmbRange {
  readonly line: number;
  readonly startColumn: number;
  readonly endColumn: number;
}

/** An edit that repairs a problem: replace `range` (whole lines when endColumn is past the end) by `text`. */
export interface EmbFix {
  readonly title: string;
  readonly range: EmbRange;
  /** For deleting whole lines: the line range [startLine, endLine) to remove, newline included. */
  readonly deleteLines?: { readonly startLine: number; readonly endLine: number };
  readonly text: string;
}

export interface EmbProblem {
  readonly code: EmbProblemCode;
  readonly severity: 'error' | 'warning' | 'info';
  readonly range: EmbRange;
  /** A plain sentence: what was expected, what was found. */
  readonly message: string;
  readonly fix?: EmbFix;
}

/** Where the file came from, so a message can name it. */
export type EmbLayout = 'glove' | 'word2vec' | 'table';
