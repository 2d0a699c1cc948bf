/**
 * Whether the first lines of a text file look like embeddings (for the host's "Open as
 * Embeddings" offer on .vec and .txt files). Pure.
 *
 * Contract: after `#` comments and blank lines, an optional word2vec header ("count dim"), then
 * at least two rows (all the lines given, when fewer), each one token followed by two or more
 * numbers, every row with the same number of fields. A file of prose, a CSV or a log never passes:
 * the second field of a line must already be a number.
 */
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$|^[-+]?(?:nan|inf|infinity)$/i;
const HEADER = /^\d+\s+\d+$/;

export function looksLikeEmbeddingLines(lines: readonly string[]): boolean {
  let fields = -1;
  let rows = 0;
  let seenContent = false;
  for (const raw of lines) {
    const line = raw.trim();
    if (line.length === 0 || line.startsWith('#')) continue;
    if (!seenContent && HEADER.test(line)) {
      seenContent = true;
      continue;
    }
    seenContent = true;
    const parts = line.split(/\s+/);
    if (parts.length < 3 || !parts.slice(1).every((p) => NUMBER.test(p))) return false;
    if (fields >= 0 && parts.length !== fields) return false;
    fields = parts.length;
    rows++;
  }
  return rows >= 2;
}
