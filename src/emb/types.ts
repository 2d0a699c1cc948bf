/**
 * Shapes of the `.emb` format layer, shared by the parser, the store, the CLI and the host.
 * Positions are 0-based (line, UTF-16 column) like VS Code's; printers add 1 for people.
 */
import type { EmbeddingStore } from './store';

export type EmbProblemCode =
  | 'empty-file'
  | 'value-count'
  | 'not-a-number'
  | 'non-finite'
  | 'duplicate-token'
  | 'header-count'
  | 'header-dim'
  | 'dims-names'
  | 'bad-header'
  // binary formats (formats/word2vec, formats/fasttext): located by byteOffset
  | 'binary-header'
  | 'truncated'
  | 'invalid-utf8'
  | 'empty-token'
  | 'token-newline'
  | 'unsupported-model';

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
  /**
   * Byte offset in the file (binary formats, where lines mean nothing; `range` is then line 0,
   * column 0). Printers show "byte N" instead of line:column when it is set.
   */
  readonly byteOffset?: number;
}

/** Where the file came from, so a message can name it (the text layouts, then the binary formats). */
export type EmbLayout = 'glove' | 'word2vec' | 'table' | 'word2vec-binary' | 'fasttext-bin';

/** The file formats formats/detect.ts tells apart (and `--format` / headlight.embeddings.format name). */
export type EmbFormat = 'text' | 'word2vec' | 'fasttext';

/** What every format's loader returns (formats/text/parse.ts, formats/word2vec, formats/fasttext). */
export interface ParsedEmb {
  readonly store: EmbeddingStore;
  /** Sorted by line, then column (text) or by byte offset (binary). */
  readonly problems: readonly EmbProblem[];
  readonly layout: EmbLayout;
  readonly format: EmbFormat;
  readonly dimNames: readonly string[] | undefined;
  /** 0-based line of each stored token. Shape [count] for text; empty for binary files (no lines). */
  readonly lineOfToken: Int32Array;
  /** Token indices whose token contains spaces (read deliberately: more fields than 1 + dim). */
  readonly spaced: ReadonlySet<number>;
  /** Problems beyond MAX_PROBLEMS, counted but not listed. */
  readonly problemsOmitted: number;
}

/** At most this many problems are listed (a binary file opened by mistake has millions). */
export const MAX_PROBLEMS = 10_000;
