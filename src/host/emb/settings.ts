import * as vscode from 'vscode';
import type { Measure } from '../../core';

/**
 * The `headlight.*` settings the `.emb` features read, with their package.json defaults and bounds
 * enforced again here (a hand-edited settings.json can hold anything).
 */
export interface EmbSettings {
  /** headlight.hover.neighbors: nearest tokens listed in a hover. */
  readonly hoverNeighbors: number;
  /** headlight.neighbors.measure: the measure neighbours are ranked by (all three are shown). */
  readonly measure: Measure;
  /** headlight.neighbors.count: results of Find Nearest Words and Word Analogy. */
  readonly neighborCount: number;
  /** headlight.index.largeFileThresholdMB, in bytes: bigger files are indexed from disk, in the background. */
  readonly largeFileBytes: number;
  /** headlight.index.debounceMs: quiet time after an edit before re-parsing. */
  readonly debounceMs: number;
  /** headlight.diagnostics.maxProblems: problems reported per file. */
  readonly maxProblems: number;
  /** headlight.embeddings.file: the default active set ('' = the bundled lesson set). */
  readonly embeddingsFile: string;
}

function clampInt(value: unknown, fallback: number, min: number, max: number): number {
  const n = typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : fallback;
  return Math.min(max, Math.max(min, n));
}

function clampNumber(value: unknown, fallback: number, min: number, max: number): number {
  const n = typeof value === 'number' && Number.isFinite(value) ? value : fallback;
  return Math.min(max, Math.max(min, n));
}

export function readEmbSettings(scope?: vscode.ConfigurationScope): EmbSettings {
  const config = vscode.workspace.getConfiguration('headlight', scope);
  const measure = config.get<string>('neighbors.measure');
  const file = config.get<unknown>('embeddings.file');
  return {
    hoverNeighbors: clampInt(config.get('hover.neighbors'), 5, 1, 50),
    measure: measure === 'dot' || measure === 'scaled' || measure === 'cosine' ? measure : 'cosine',
    neighborCount: clampInt(config.get('neighbors.count'), 10, 1, 100),
    largeFileBytes: clampNumber(config.get('index.largeFileThresholdMB'), 1, 0.1, 50) * 1024 * 1024,
    debounceMs: clampInt(config.get('index.debounceMs'), 300, 0, 5000),
    maxProblems: clampInt(config.get('diagnostics.maxProblems'), 1000, 1, 10000),
    embeddingsFile: typeof file === 'string' ? file.trim() : '',
  };
}
