/**
 * The attention panel's model picture as kept across a window reload (workspaceState): the
 * folder, the text, what the user focused, and where the text came from (the document and its
 * offsets, so cursor and hover linking resume after the reload). Read back defensively: the
 * stored value may be from an older version or damaged, and is then ignored (the panel restores
 * without it); a picture saved before `origin` existed restores without linking.
 *
 * Pure module: no vscode (the unit tests read it in Node).
 */
import type { ModelViewOptions } from '../../shared/modelView';

export interface SavedPicture {
  readonly dir: string;
  readonly name: string;
  readonly text: string;
  readonly layer: number;
  readonly head: number;
  readonly query: number | undefined;
  readonly rolloutUpTo: number | undefined;
  readonly options: ModelViewOptions;
  /** The document the text was read from: its URI (as a string), the text's start offset and its length there. */
  readonly origin?: SavedOrigin;
}

export interface SavedOrigin {
  readonly uri: string;
  readonly start: number;
  readonly length: number;
}

/**
 * A stored value as a SavedPicture, or why it is not one (the first field that is wrong, named
 * as it is stored); `undefined` stored: nothing saved.
 */
export function readSavedPicture(value: unknown): { readonly picture: SavedPicture } | { readonly reason: string } | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { reason: 'the saved picture is not an object' };
  const v = value as Record<string, unknown>;
  const isIndex = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
  for (const field of ['dir', 'name', 'text'] as const) {
    if (typeof v[field] !== 'string' || v[field] === '') return { reason: `${field}: expected a non-empty string` };
  }
  for (const field of ['layer', 'head'] as const) if (!isIndex(v[field])) return { reason: `${field}: expected an index (an integer ≥ 0)` };
  for (const field of ['query', 'rolloutUpTo'] as const) {
    if (v[field] !== undefined && !isIndex(v[field])) return { reason: `${field}: expected an index (an integer ≥ 0) or nothing` };
  }
  const o = v.options;
  if (typeof o !== 'object' || o === null) return { reason: 'options: expected an object' };
  const { hideSpecial, renormalize, aggregate } = o as Record<string, unknown>;
  if (typeof hideSpecial !== 'boolean' || typeof renormalize !== 'boolean') return { reason: 'options.hideSpecial, options.renormalize: expected true or false' };
  if (aggregate !== 'tokens' && aggregate !== 'words') return { reason: 'options.aggregate: expected "tokens" or "words"' };
  let origin: SavedOrigin | undefined;
  if (v.origin !== undefined) {
    const g = v.origin as Record<string, unknown> | null;
    if (typeof g !== 'object' || g === null || typeof g.uri !== 'string' || g.uri === '' || !isIndex(g.start) || !isIndex(g.length)) {
      return { reason: 'origin: expected { uri: a non-empty string, start and length: indices } or nothing' };
    }
    origin = { uri: g.uri, start: g.start, length: g.length };
  }
  return {
    picture: {
      dir: v.dir as string,
      name: v.name as string,
      text: v.text as string,
      layer: v.layer as number,
      head: v.head as number,
      query: v.query as number | undefined,
      rolloutUpTo: v.rolloutUpTo as number | undefined,
      options: { hideSpecial, renormalize, aggregate },
      ...(origin ? { origin } : {}),
    },
  };
}
