/**
 * `headlight.attention.*`, read once per use and checked: a hand-edited settings.json with a
 * string where a number belongs falls back to the default instead of reaching the core.
 * The defaults reproduce the deck: cosine similarity on the lesson set, no projections,
 * temperature 1, so "orange apple and an" reads orange → 0.40 orange + 0.30 apple + 0.15 and + 0.15 an.
 */
import * as vscode from 'vscode';
import type { Measure } from '../../core/types';
import { MEASURE_VALUES, SOURCE_KINDS, type PanelOptions, type SourceKind } from '../../shared/protocol';

export const SECTION = 'headlight.attention';

export interface AttentionSettings {
  readonly lowercase: boolean;
  readonly punctuation: 'drop' | 'keep';
  readonly maxTokens: number;
  readonly options: PanelOptions;
  /** `headlight.attention.weightsFile`: a .safetensors path ('' for none). */
  readonly weightsFile: string;
  /** `headlight.attention.weightsLayer`: the key prefix of the layer to use ('' when the file holds one). */
  readonly weightsLayer: string;
  /** Two dimension names for the embedding plot; empty: the first two principal components. */
  readonly plotDimensions: readonly string[];
  readonly printValuesUpTo: number;
}

export const DEFAULT_OPTIONS: PanelOptions = {
  measure: 'cosine',
  source: 'lesson',
  heads: 4,
  seed: 42,
  causal: false,
  scale: true,
  temperature: 1,
};

function integer(value: unknown, fallback: number, min: number, max: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : fallback;
}

function oneOf<T extends string>(value: unknown, values: readonly T[], fallback: T): T {
  return typeof value === 'string' && (values as readonly string[]).includes(value) ? (value as T) : fallback;
}

export function readSettings(scope?: vscode.ConfigurationScope): AttentionSettings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const temperature = c.get<unknown>('temperature');
  const plotDimensions = c.get<unknown>('plotDimensions');
  return {
    lowercase: c.get<unknown>('lowercase') !== false,
    punctuation: oneOf(c.get<unknown>('punctuation'), ['drop', 'keep'] as const, 'drop'),
    maxTokens: integer(c.get<unknown>('maxTokens'), 512, 1, 4096),
    options: {
      measure: oneOf<Measure>(c.get<unknown>('measure'), MEASURE_VALUES, DEFAULT_OPTIONS.measure),
      source: oneOf<SourceKind>(c.get<unknown>('source'), SOURCE_KINDS, DEFAULT_OPTIONS.source),
      heads: integer(c.get<unknown>('heads'), DEFAULT_OPTIONS.heads, 1, 64),
      seed: integer(c.get<unknown>('seed'), DEFAULT_OPTIONS.seed, 0, 0xffffffff),
      causal: c.get<unknown>('causal') === true,
      scale: c.get<unknown>('scale') !== false,
      temperature: typeof temperature === 'number' && Number.isFinite(temperature) && temperature >= 0.01 && temperature <= 100 ? temperature : 1,
    },
    weightsFile: typeof c.get<unknown>('weightsFile') === 'string' ? (c.get<string>('weightsFile') ?? '').trim() : '',
    weightsLayer: typeof c.get<unknown>('weightsLayer') === 'string' ? (c.get<string>('weightsLayer') ?? '').trim() : '',
    plotDimensions: Array.isArray(plotDimensions) ? plotDimensions.filter((d): d is string => typeof d === 'string').slice(0, 2) : [],
    printValuesUpTo: integer(c.get<unknown>('printValuesUpTo'), 16, 0, 32),
  };
}
