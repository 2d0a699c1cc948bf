/**
 * Whether the start of a `.txt` file looks like embeddings (so a big one opens in the Explorer
 * rather than as text). Pure. An embeddings text file starts, after `#` comments, with either a
 * word2vec header (`count dim`) or a row: one token and at least two numbers, nothing else.
 */
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

export function looksLikeEmbeddingText(head: string): boolean {
  const lines = head.split(/\r?\n/);
  // The last line may be cut off mid-row.
  if (lines.length > 1) lines.pop();
  for (const raw of lines) {
    const line = raw.trim();
    if (line.length === 0 || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    if (fields.length === 2 && fields.every((f) => /^\d+$/.test(f))) return true;
    return fields.length >= 3 && fields.slice(1).every((f) => NUMBER.test(f));
  }
  return false;
}
