/**
 * Markdown of the results documents of the word commands. Pure (no `vscode`); every token and
 * every string that contains one goes through the escaping helpers of display.ts.
 */
import { formatCount, formatScore, formatValue, markdownText, markdownToken } from './display';
import type { AnalogyResult, CompareResult, NearestResult } from './wordQueries';

/** Rows of the per-dimension table before it says "… and 290 more". */
export const RESULT_DIMENSIONS_SHOWN = 50;

function setLine(set: string, count: number | undefined, dim: number | undefined): string {
  const size = count === undefined || dim === undefined ? '' : ` — ${formatCount(count)} words × ${formatCount(dim)} dimensions`;
  return `_Embeddings: ${markdownToken(set)}${size}_`;
}

/** Said whenever a word's vector was built from its character n-grams (fastText .bin). */
export function subwordNote(token: string): string {
  return `_${markdownToken(token)} is not in the vocabulary: its vector was built from its character n-grams (subwords), as fastText does._`;
}

export function compareMarkdown(result: CompareResult, count?: number): string {
  const a = markdownToken(result.a.token);
  const b = markdownToken(result.b.token);
  const lines = [
    `# ${a} · ${b}`,
    '',
    setLine(result.set, count, result.dim),
    '',
    // The deck's chain: the dot product, then the same number divided by √d.
    `**${markdownText(`${result.worked.dot} → ${result.worked.scaled}`)}**`,
    '',
    '| measure | worked arithmetic | value |',
    '| :-- | :-- | --: |',
    `| dot | ${markdownText(result.worked.dot)} | ${formatScore(result.dot)} |`,
    `| scaled dot (÷√d) | ${markdownText(result.worked.scaled)} | ${formatScore(result.scaled)} |`,
    `| cosine | ${markdownText(result.worked.cosine)} | ${formatScore(result.cosine)} |`,
  ];
  if (result.zeroVector) {
    lines.push('', '_One of the two vectors is all zeros: it has no direction, so its cosine is reported as 0._');
  }
  for (const word of [result.a, result.b]) if (word.fromSubwords) lines.push('', subwordNote(word.token));
  const shown = result.dims.slice(0, RESULT_DIMENSIONS_SHOWN);
  lines.push('', `| dimension | ${a} | ${b} | product |`, '| :-- | --: | --: | --: |');
  for (const d of shown) {
    lines.push(`| ${markdownToken(d.name, 32)} | ${markdownText(formatValue(d.a))} | ${markdownText(formatValue(d.b))} | ${markdownText(formatValue(d.a * d.b))} |`);
  }
  if (result.dims.length > shown.length) {
    lines.push('', `_… and ${formatCount(result.dims.length - shown.length)} more dimensions._`);
  }
  return `${lines.join('\n')}\n`;
}

export function nearestMarkdown(result: NearestResult): string {
  const lines = [
    `# Nearest to ${markdownToken(result.word.token)} by ${result.measure}`,
    '',
    setLine(result.set, undefined, undefined),
    '',
    ...(result.word.fromSubwords ? [subwordNote(result.word.token), ''] : []),
    '| # | word | cosine | dot | scaled dot (÷√d) |',
    '| --: | :-- | --: | --: | --: |',
    ...result.neighbors.map((n, i) => `| ${i + 1} | ${markdownToken(n.token)} | ${formatScore(n.cosine)} | ${formatScore(n.dot)} | ${formatScore(n.scaled)} |`),
  ];
  return `${lines.join('\n')}\n`;
}

export function analogyMarkdown(result: AnalogyResult): string {
  const [a = '', c = ''] = result.positive;
  const [b = ''] = result.negative;
  const lines = [
    `# ${markdownToken(a)} − ${markdownToken(b)} + ${markdownToken(c)}`,
    '',
    setLine(result.set, undefined, undefined),
    '',
    '| # | word | cosine |',
    '| --: | :-- | --: |',
    ...result.neighbors.map((n, i) => `| ${i + 1} | ${markdownToken(n.token)} | ${formatScore(n.score)} |`),
  ];
  return `${lines.join('\n')}\n`;
}
