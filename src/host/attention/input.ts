/**
 * What Show Attention attends over: the words of the selection (or of the sentence around the
 * cursor), looked up in the active embedding set — or, in an `.emb` file, the tokens of the
 * selected lines with that file's own vectors.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { matrix } from '../../core/linalg';
import type { Matrix } from '../../core/types';
import { parseEmb, type ParsedEmb } from '../../emb/formats/text/parse';
import type { EmbeddingStore } from '../../emb/store';
import { sentenceAround, tokenize } from '../../emb/tokenize';
import type { ActiveEmbeddings } from '../activeEmbeddings';
import type { AttentionSettings } from './settings';

/** The set the words were looked up in. */
export interface LookupSet {
  readonly label: string;
  /** '' for the active set; the .emb file's URI when the tokens came from its lines. */
  readonly setUri: string;
  readonly store: EmbeddingStore;
}

/** The words in order and where they came from; lookup happens in `resolveInput`. */
export interface AttentionRequest {
  readonly words: readonly string[];
  readonly set: LookupSet;
}

/** The input ready for the core. */
export interface ResolvedInput {
  readonly words: readonly { readonly text: string; readonly known: boolean }[];
  /** Known words, in order: the tokens that go into attention. */
  readonly tokens: readonly string[];
  /** Unknown words, first occurrence order, deduplicated. */
  readonly oov: readonly string[];
  /** Words outside the vocabulary whose vectors were built from subwords (fastText .bin), deduplicated. */
  readonly fromSubwords: readonly string[];
  /** [n, d] */
  readonly x: Matrix;
  readonly set: LookupSet;
}

/** A refusal with a sentence the user can act on. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

export function isEmbDocument(document: vscode.TextDocument): boolean {
  return document.languageId === 'emb' || document.uri.path.toLowerCase().endsWith('.emb');
}

function tooMany(count: number, settings: AttentionSettings): InputError {
  return new InputError(
    `The selection has ${count} tokens; Headlight attends over at most ${settings.maxTokens} (setting headlight.attention.maxTokens). Select less text or raise the setting.`,
  );
}

/** Words of the selection, or of the sentence around the cursor when nothing is selected. */
export function wordsFromText(document: vscode.TextDocument, selection: vscode.Selection, settings: AttentionSettings): string[] {
  let text: string;
  if (selection.isEmpty) {
    const full = document.getText();
    const around = sentenceAround(full, document.offsetAt(selection.active));
    text = full.slice(around.start, around.end);
  } else {
    text = document.getText(selection);
  }
  return tokenize(text, { lowercase: settings.lowercase, punctuation: settings.punctuation }).map((t) => t.text);
}

/** Tokens stored on the selected lines of an `.emb` file, in line order. */
export function tokensOnLines(parsed: ParsedEmb, firstLine: number, lastLine: number): string[] {
  const out: string[] = [];
  const lines = parsed.lineOfToken;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line >= firstLine && line <= lastLine) out.push(parsed.store.token(i));
  }
  return out;
}

/** Reads the request from the editor: which words, and which set to look them up in. */
export async function requestFromEditor(
  editor: vscode.TextEditor,
  embeddings: ActiveEmbeddings,
  settings: AttentionSettings,
  signal: AbortSignal,
): Promise<AttentionRequest> {
  const { document, selection } = editor;
  if (isEmbDocument(document) && !selection.isEmpty) {
    // The document's own rows: the editor text when it has unsaved edits, else the shared loader.
    const name = path.posix.basename(document.uri.path);
    const parsed =
      document.isDirty || document.isUntitled || document.uri.scheme !== 'file'
        ? parseEmb(document.getText(), { name })
        : (await embeddings.files.load(document.uri, signal)).parsed;
    const last = selection.end.character === 0 && selection.end.line > selection.start.line ? selection.end.line - 1 : selection.end.line;
    const words = tokensOnLines(parsed, selection.start.line, last);
    if (words.length === 0) {
      throw new InputError(`No embedding rows on lines ${selection.start.line + 1}–${last + 1} of ${name}: select the lines of the tokens to attend over.`);
    }
    if (words.length > settings.maxTokens) throw tooMany(words.length, settings);
    return { words, set: { label: name, setUri: document.uri.toString(), store: parsed.store } };
  }
  const words = wordsFromText(document, selection, settings);
  if (words.length === 0) {
    throw new InputError(
      selection.isEmpty ? 'There are no words around the cursor: select a sentence, then run Headlight: Show Attention.' : 'The selection holds no words to attend over.',
    );
  }
  if (words.length > settings.maxTokens) throw tooMany(words.length, settings);
  const active = await embeddings.get();
  return { words, set: { label: active.label, setUri: '', store: active.store } };
}

/** Looks the words up; refuses when none is known (attention needs at least one row). */
export function resolveInput(request: AttentionRequest, settings: AttentionSettings): ResolvedInput {
  if (request.words.length > settings.maxTokens) throw tooMany(request.words.length, settings);
  const store = request.set.store;
  const tokens: string[] = [];
  const words: { text: string; known: boolean }[] = [];
  const oov: string[] = [];
  const fromSubwords: string[] = [];
  const rows: Float32Array[] = [];
  const seen = new Set<string>();
  for (const word of request.words) {
    // A row, or (fastText .bin) a vector built from the word's character n-grams.
    const found = store.vectorFor(word);
    words.push({ text: word, known: found !== undefined });
    if (found) {
      rows.push(found.vector);
      tokens.push(word);
      if (found.fromSubwords && !seen.has(word)) {
        seen.add(word);
        fromSubwords.push(word);
      }
    } else if (!seen.has(word)) {
      seen.add(word);
      oov.push(word);
    }
  }
  if (rows.length === 0) {
    const shown = oov.slice(0, 8).map((w) => `“${w}”`).join(', ');
    throw new InputError(`None of the words is in ${request.set.label}: ${shown}${oov.length > 8 ? ', …' : ''}. Use an embedding set that has them (Headlight: Use Embeddings File…).`);
  }
  if (store.dim === 0) throw new InputError(`${request.set.label} has no dimensions.`);
  const x = new Float32Array(rows.length * store.dim);
  rows.forEach((row, r) => x.set(row, r * store.dim));
  return { words, tokens, oov, fromSubwords, x: matrix(rows.length, store.dim, x), set: request.set };
}
