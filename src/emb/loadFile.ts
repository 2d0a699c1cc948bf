/**
 * Loading an embedding file from disk (node:fs; no vscode).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEmbBytes, type ParsedEmb } from './parse';

export interface LoadOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (fraction: number) => void;
}

export async function loadEmbFile(file: string, options: LoadOptions = {}): Promise<ParsedEmb> {
  options.signal?.throwIfAborted();
  const bytes = await fs.promises.readFile(file);
  options.signal?.throwIfAborted();
  const parsed = parseEmbBytes(bytes, { name: path.basename(file) });
  options.onProgress?.(1);
  return parsed;
}

/** The bundled lesson set: `<root>/samples/lesson.emb` (root = the extension folder). */
export function lessonSamplePath(root: string): string {
  return path.join(root, 'samples', 'lesson.emb');
}
