/**
 * The focused head's heatmap as an SVG document (Export Heatmap as SVG): one <rect> a cell, rows
 * are queries and columns keys, the tokens as text on both axes. Pure: no vscode, no DOM, no
 * node, so the exact text is unit-tested and the host writes it through the export path.
 *
 * Contract:
 *   heatmapSvgChunks(input)  the document in pieces (a header, then one row of cells a piece, then
 *                            the end), so the host can encode a 512 × 512 head (262,144 cells,
 *                            ~20 MB) in slices and never hold its thread for long.
 *   Every cell: <rect data-row="i" data-col="j" data-weight="w">, w in the shortest form that
 *   reads back to the same float32 (formatFloat32: the weight the core computed, exactly); up to
 *   TITLED_CELLS_MAX tokens also a <title> (a viewer's tooltip), beyond that the file would double.
 *   Tokens come from files the user did not write: every label and title is XML-escaped, and
 *   characters XML 1.0 cannot hold (C0 controls, lone surrogates, U+FFFE/U+FFFF) become U+FFFD,
 *   so the document always parses. Colours are a fixed white → blue scale of weight / the head's
 *   largest weight (an export goes into documents, whatever the editor's theme).
 */
import { formatFloat32 } from './exportFormat';

export interface HeatmapSvgInput {
  /** What the document's <title> says, e.g. "Attention weights — L1 H3 of gpt2 (query × key)". */
  readonly title: string;
  /** Query labels (one a row) and key labels (one a column), as the panel shows them. */
  readonly rows: readonly string[];
  readonly cols: readonly string[];
  /** Row-major [rows.length, cols.length]. */
  readonly weights: ArrayLike<number>;
}

/** Up to this many tokens a side, each cell also carries a <title>. */
export const TITLED_CELLS_MAX = 64;

/** A label drawn longer than this is cut with "…" (the whole label is in its <title>). */
const LABEL_CHARS = 16;

// Characters XML 1.0 allows: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text or an attribute value, escaped for XML (quotes too: the same function serves both). */
export function xmlText(text: string): string {
  return text
    .replace(NOT_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function cut(label: string): string {
  const chars = [...label];
  return chars.length > LABEL_CHARS ? `${chars.slice(0, LABEL_CHARS - 1).join('')}…` : label;
}

/** White → #08306b by t ∈ [0, 1]. */
function fill(t: number): string {
  const c = (from: number, to: number) => Math.round(from + (to - from) * Math.min(1, Math.max(0, t)));
  const hex = (v: number) => v.toString(16).padStart(2, '0');
  return `#${hex(c(255, 8))}${hex(c(255, 48))}${hex(c(255, 107))}`;
}

export function* heatmapSvgChunks(input: HeatmapSvgInput): Generator<string> {
  const n = input.rows.length, m = input.cols.length;
  if (input.weights.length !== n * m) throw new Error(`heatmapSvg: ${input.weights.length} weights for ${n} × ${m}`);
  const side = Math.max(n, m, 1);
  const cell = Math.max(3, Math.min(28, Math.floor(640 / side)));
  const font = Math.max(3, Math.min(11, cell - 1));
  const longest = Math.max(1, ...[...input.rows, ...input.cols].map((l) => [...cut(l)].length));
  const margin = Math.ceil(8 + longest * font * 0.62);
  const width = margin + m * cell + 8, height = margin + n * cell + 8;
  let max = 0;
  for (let at = 0; at < input.weights.length; at++) if (input.weights[at]! > max) max = input.weights[at]!;
  const titled = n <= TITLED_CELLS_MAX && m <= TITLED_CELLS_MAX;

  yield `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="${font}">\n` +
    `<title>${xmlText(input.title)}</title>\n` +
    `<desc>Rows are queries, columns are keys. Each cell's weight is its data-weight attribute (the float32 value, exactly); the colour is weight / ${xmlText(formatFloat32(max))}, the largest.</desc>\n` +
    `<rect width="${width}" height="${height}" fill="#ffffff"/>\n`;

  const keys: string[] = ['<g class="keys">'];
  input.cols.forEach((label, j) => {
    const x = margin + j * cell + cell / 2;
    keys.push(`<text data-col="${j}" transform="translate(${x} ${margin - 4}) rotate(-90)" dominant-baseline="middle">${xmlText(cut(label))}<title>${xmlText(label)}</title></text>`);
  });
  keys.push('</g>\n<g class="queries" text-anchor="end">');
  input.rows.forEach((label, i) => {
    keys.push(`<text data-row="${i}" x="${margin - 4}" y="${margin + i * cell + cell / 2}" dominant-baseline="middle">${xmlText(cut(label))}<title>${xmlText(label)}</title></text>`);
  });
  keys.push('</g>\n<g class="cells">\n');
  yield keys.join('\n');

  for (let i = 0; i < n; i++) {
    const row: string[] = [];
    const y = margin + i * cell;
    for (let j = 0; j < m; j++) {
      const w = input.weights[i * m + j]!;
      const value = formatFloat32(w);
      const attrs = `x="${margin + j * cell}" y="${y}" width="${cell}" height="${cell}" fill="${fill(max > 0 ? w / max : 0)}" data-row="${i}" data-col="${j}" data-weight="${value}"`;
      row.push(titled ? `<rect ${attrs}><title>${xmlText(`query “${input.rows[i]}” → key “${input.cols[j]}”: ${value}`)}</title></rect>` : `<rect ${attrs}/>`);
    }
    yield `${row.join('')}\n`;
  }
  yield '</g>\n</svg>\n';
}
