/**
 * What every CLI command shares: output sinks, usage errors, and opening the embedding set
 * (a user file or the bundled lesson set) with its problems said on stderr.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadEmbFile, lessonSamplePath, parseFormatSetting } from '../emb/loadFile';
import type { EmbFormat, EmbProblem, ParsedEmb } from '../emb/types';

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly version: string;
}

/** A usage or input error: printed as one line on stderr, never as a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** The folder holding package.json and samples/, from dist/cli.js or from src/cli under tsx. */
export function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(dir, 'samples', 'lesson.emb'))) return dir;
    dir = path.dirname(dir);
  }
  throw new CliError('cannot find the bundled samples/lesson.emb next to the CLI', 1);
}

/**
 * "file:line:col: severity: message" — the located form editors and CI logs understand; binary
 * files' problems are located by byte offset ("file: byte N: severity: message").
 */
export function formatProblem(file: string, problem: EmbProblem): string {
  if (problem.byteOffset !== undefined) return `${file}: byte ${problem.byteOffset}: ${problem.severity}: ${problem.message}`;
  return `${file}:${problem.range.line + 1}:${problem.range.startColumn + 1}: ${problem.severity}: ${problem.message}`;
}

/** --format text|word2vec|fasttext|auto (default auto: detected from the content). */
export function parseFormatOption(value: string | undefined): EmbFormat | 'auto' {
  const format = parseFormatSetting(value);
  if (format === undefined) throw new CliError(`--format: expected auto, text, word2vec or fasttext, got "${value}"`);
  return format;
}

export interface OpenedEmbeddings {
  readonly parsed: ParsedEmb;
  readonly file: string;
}

/** Loads --emb FILE or the lesson set; a file with errors still serves its valid rows, with a warning. */
export async function openEmbeddings(file: string | undefined, io: CliIo, format: EmbFormat | 'auto' = 'auto'): Promise<OpenedEmbeddings> {
  const target = file ?? lessonSamplePath(packageRoot());
  if (!fs.existsSync(target)) {
    throw new CliError(`${target}: no such file`, 1);
  }
  const parsed = await loadEmbFile(target, { format });
  const refusal = parsed.store.count === 0 ? parsed.problems.find((p) => p.code === 'unsupported-model') : undefined;
  if (refusal) throw new CliError(`${target}: ${refusal.message}`, 1);
  const errors = parsed.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    io.err(`headlight: ${target} has ${errors.length} error(s); using its ${parsed.store.count} valid rows (run "headlight check ${target}")`);
  }
  if (parsed.store.count === 0) {
    throw new CliError(`${target}: no usable embedding rows`, 1);
  }
  return { parsed, file: target };
}

/** Fixed-width table for people: first column left-aligned, the rest right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function fixed(value: number, digits = 4): string {
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  if (value === Number.POSITIVE_INFINITY) return 'inf';
  return value.toFixed(digits);
}

export function parseMeasure(value: string | undefined, fallback: 'dot' | 'cosine' | 'scaled'): 'dot' | 'cosine' | 'scaled' {
  if (value === undefined) return fallback;
  if (value === 'dot' || value === 'cosine' || value === 'scaled') return value;
  throw new CliError(`--measure: expected dot, cosine or scaled, got "${value}"`);
}

export function parsePositiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${name}: expected a whole number ≥ 1, got "${value}"`);
  return n;
}
