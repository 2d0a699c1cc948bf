/**
 * Loading a file for the Explorer: src/emb's `loadEmbFile` (format detection, parse workers for
 * big text files, progress), and what the Explorer shows of the result (format, problems, subword
 * vectors). Pure of `vscode`: it runs inside the Explorer's worker thread.
 */
import * as path from 'node:path';
import { loadEmbFile } from '../../emb/loadFile';
import type { EmbLayout, ParsedEmb } from '../../emb/types';
import { EXPLORER_LIMITS, type ExplorerPreview } from '../../shared/explorerProtocol';
import type { LoadedEmbeddings } from './engine';

const LAYOUT_LABELS: Readonly<Record<EmbLayout, string>> = {
  glove: 'GloVe text',
  word2vec: 'word2vec text',
  table: '.emb table',
  'word2vec-binary': 'word2vec binary',
  'fasttext-bin': 'fastText .bin',
};

export interface ExplorerLoadOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (fraction: number) => void;
  /** The header and the first tokens while the rest loads (word2vec binaries read by the fast path). */
  readonly onPreview?: (preview: ExplorerPreview) => void;
}

export async function loadForExplorer(file: string, options: ExplorerLoadOptions = {}): Promise<LoadedEmbeddings> {
  const parsed = await loadEmbFile(file, {
    signal: options.signal,
    onProgress: options.onProgress,
    onPreview: options.onPreview && ((p) => options.onPreview!({ count: p.count, dim: p.dim, format: LAYOUT_LABELS['word2vec-binary'], tokens: p.tokens.slice(0, EXPLORER_LIMITS.maxRows) })),
  });
  return describeParsed(parsed, path.basename(file));
}

/** The Explorer's view of a parsed file. */
export function describeParsed(parsed: ParsedEmb, name: string): LoadedEmbeddings {
  const { store } = parsed;
  const subwords = store.subwords;
  return {
    store,
    format: LAYOUT_LABELS[parsed.layout] ?? parsed.layout,
    problems: parsed.problems.length + parsed.problemsOmitted,
    problemLines: parsed.problems
      .slice(0, 16)
      .map((p) => `${name} ${p.byteOffset !== undefined ? `byte ${p.byteOffset}` : `line ${p.range.line + 1}`}: ${p.message}`),
    subwordVector: subwords ? (word) => subwords.vectorOf(word) : undefined,
    parsed,
  };
}
