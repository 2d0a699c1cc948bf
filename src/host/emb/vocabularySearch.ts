/**
 * Filtering a vocabulary of hundreds of thousands of words as the user types, without ever building
 * one item per word. Pure (no `vscode`).
 *
 * Order of the matches: the exact word, then words that start with the query, then words that
 * contain it; inside each group, file order (GloVe and word2vec files list frequent words first,
 * so file order is a good popularity order). Case-insensitive.
 */

/** Lower-cased copies of a vocabulary, built once per store and reused for every keystroke. */
const loweredCache = new WeakMap<readonly string[], readonly string[]>();

export function loweredVocabulary(tokens: readonly string[]): readonly string[] {
  let lowered = loweredCache.get(tokens);
  if (lowered === undefined) {
    lowered = tokens.map((t) => t.toLowerCase());
    loweredCache.set(tokens, lowered);
  }
  return lowered;
}

/**
 * Indices of at most `limit` tokens matching `query`, best first. An empty query gives the first
 * `limit` tokens. One pass over the vocabulary; once `limit` prefix matches are in hand the rest
 * of the pass only looks for the exact word (contains-matches can no longer make the list).
 */
export function searchVocabulary(tokens: readonly string[], query: string, limit: number): number[] {
  const max = Math.max(0, Math.floor(limit));
  if (max === 0) return [];
  const needle = query.trim().toLowerCase();
  if (needle.length === 0) {
    return Array.from({ length: Math.min(max, tokens.length) }, (_, i) => i);
  }
  const lowered = loweredVocabulary(tokens);
  const exact: number[] = [];
  const prefix: number[] = [];
  const contains: number[] = [];
  let i = 0;
  for (; i < lowered.length && prefix.length < max; i++) {
    const word = lowered[i] ?? '';
    if (word.length < needle.length) continue;
    const at = word.indexOf(needle);
    if (at < 0) continue;
    if (at === 0 && word.length === needle.length) {
      exact.push(i);
    } else if (at === 0) {
      prefix.push(i);
    } else if (contains.length < max) {
      contains.push(i);
    }
  }
  // Enough prefix matches: only an exact match later in the file could still rank above them.
  for (; i < lowered.length; i++) {
    if (lowered[i] === needle) exact.push(i);
  }
  // The exact (case-insensitive) matches put the exact-case spelling first.
  exact.sort((a, b) => Number(tokens[b] === query.trim()) - Number(tokens[a] === query.trim()) || a - b);
  return [...exact, ...prefix, ...contains].slice(0, max);
}
