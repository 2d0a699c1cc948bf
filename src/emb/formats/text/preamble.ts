/**
 * The preamble scan: reads the start of a `.emb` file (at most 1 MiB) to learn what the row parser
 * needs before it can run anywhere — the layout, the dimension, a word2vec header or a column-header
 * row to skip, and the dimension names.
 *
 * How the dimension is found: the most common value count among the first 200 entries, a tie going
 * to the count seen first (so a GloVe 840B file whose first token contains spaces, or a broken first
 * row, does not decide it), falling back to the header's dimension, then to the number of names,
 * then 0 (no values at all).
 */
import { LineWalker, decodeUtf8, hasUtf8Bom, isSeparator, utf16Length, UTF8_BOM_LENGTH } from './lines';
import { isNumberField } from './numbers';
import type { EmbLayout, EmbRange } from '../../types';

export const PREAMBLE_BYTES = 1 << 20;
const SAMPLED_ENTRIES = 200;

export interface WordVecHeader {
  readonly line: number;
  readonly count: number;
  readonly dim: number;
  readonly countRange: EmbRange;
  readonly dimRange: EmbRange;
  /** UTF-16 length of the header line's content (the fix replaces all of it). */
  readonly lineLength: number;
}

export interface Preamble {
  readonly layout: EmbLayout;
  readonly dim: number;
  /** Byte offset where line 0 starts (3 after a UTF-8 byte-order mark). */
  readonly start: number;
  /** The line the row parser skips (word2vec header, column-header row); −1 for none. */
  readonly skipLine: number;
  readonly header: WordVecHeader | undefined;
  /** Names from `# dims:` (preferred) or a column-header row, before checking them against dim. */
  readonly names: readonly string[] | undefined;
  readonly namesRange: EmbRange | undefined;
  readonly namesSource: 'dims-comment' | 'column-header' | undefined;
  /** Average bytes per entry line in the sample (for sizing buffers); 0 when there were none. */
  readonly bytesPerEntry: number;
}

interface Field {
  readonly start: number;
  readonly end: number;
}

function splitFields(bytes: Uint8Array, start: number, end: number): Field[] {
  const fields: Field[] = [];
  let i = start;
  for (;;) {
    while (i < end && isSeparator(bytes[i]!)) i++;
    if (i >= end) return fields;
    const fieldStart = i;
    while (i < end && !isSeparator(bytes[i]!)) i++;
    fields.push({ start: fieldStart, end: i });
  }
}

function isWholeNumber(bytes: Uint8Array, field: Field): boolean {
  if (field.end - field.start > 15) return false;
  for (let i = field.start; i < field.end; i++) {
    const c = bytes[i]!;
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

const DIMS_COMMENT = /^#\s*dims\s*:/i;

/** Scans the start of `bytes` (the whole file, or its first block when `final` is false). */
export function scanPreamble(bytes: Uint8Array, final: boolean): Preamble {
  const start = hasUtf8Bom(bytes) ? UTF8_BOM_LENGTH : 0;
  const limit = Math.min(bytes.length, PREAMBLE_BYTES);
  const view = bytes.subarray(0, limit);
  const complete = final && limit === bytes.length;

  let header: WordVecHeader | undefined;
  let columnHeader: { line: number; names: string[]; range: EmbRange } | undefined;
  let dims: { names: string[]; range: EmbRange } | undefined;
  let sawContent = false;
  let sawTab = false;
  let entryBytes = 0;
  const counts: number[] = [];

  const walker = new LineWalker();
  walker.walk(view.subarray(0), start, complete, (s, e, line) => {
    if (counts.length >= SAMPLED_ENTRIES) return;
    let i = s;
    while (i < e && isSeparator(view[i]!)) i++;
    if (i === e) return;
    const column = (offset: number) => utf16Length(view, s, offset);
    if (view[i] === 0x23) {
      const text = decodeUtf8(view, i, e);
      if (counts.length === 0 && !dims && DIMS_COMMENT.test(text)) {
        const colon = text.indexOf(':');
        const namesText = text.slice(colon + 1);
        const names = namesText.split(/[ \t\v\f]+/).filter((n) => n.length > 0);
        const lineEnd = column(i) + text.trimEnd().length;
        const first = column(i) + colon + 1 + (namesText.length - namesText.trimStart().length);
        // With no names at all, the whole comment is the place to point at.
        const startColumn = names.length > 0 ? first : column(i);
        dims = { names, range: { line, startColumn, endColumn: Math.max(startColumn, lineEnd) } };
      }
      return;
    }
    const fields = splitFields(view, s, e);
    if (!sawContent) {
      sawContent = true;
      // A word2vec / fastText header: exactly two whole numbers, "count dim".
      if (fields.length === 2 && isWholeNumber(view, fields[0]!) && isWholeNumber(view, fields[1]!)) {
        const [countField, dimField] = fields as [Field, Field];
        header = {
          line,
          count: Number(decodeUtf8(view, countField.start, countField.end)),
          dim: Number(decodeUtf8(view, dimField.start, dimField.end)),
          countRange: { line, startColumn: column(countField.start), endColumn: column(countField.end) },
          dimRange: { line, startColumn: column(dimField.start), endColumn: column(dimField.end) },
          lineLength: column(e),
        };
        return;
      }
      // A column-header row ("Word<TAB>Tech<TAB>Fruitness", or "<TAB>Tech<TAB>Fruitness" with an
      // empty first cell): no field after the first is a number.
      const rest = fields.slice(1);
      if (rest.length > 0 && rest.every((f) => !isNumberField(view, f.start, f.end) && !isNonFiniteWord(view, f))) {
        const emptyFirstCell = s < e && isSeparator(view[s]!);
        const nameFields = emptyFirstCell ? fields : rest;
        columnHeader = {
          line,
          names: nameFields.map((f) => decodeUtf8(view, f.start, f.end)),
          range: { line, startColumn: column(nameFields[0]!.start), endColumn: column(nameFields[nameFields.length - 1]!.end) },
        };
        return;
      }
    }
    if (counts.length === 0) {
      for (let k = s; k < e; k++) if (view[k] === 0x09) sawTab = true;
    }
    entryBytes += e - s + 1;
    counts.push(fields.length - 1);
  });

  const dim = mostCommonPositive(counts) ?? header?.dim ?? dims?.names.length ?? columnHeader?.names.length ?? 0;
  const layout: EmbLayout = header ? 'word2vec' : columnHeader || sawTab ? 'table' : 'glove';
  const names = dims ?? columnHeader;
  return {
    layout,
    dim,
    start,
    skipLine: header?.line ?? columnHeader?.line ?? -1,
    header,
    names: names?.names,
    namesRange: names?.range,
    namesSource: dims ? 'dims-comment' : columnHeader ? 'column-header' : undefined,
    bytesPerEntry: counts.length > 0 ? entryBytes / counts.length : 0,
  };
}

/** The most frequent positive count; a tie goes to the count seen first. */
function mostCommonPositive(counts: readonly number[]): number | undefined {
  const tally = new Map<number, number>();
  for (const c of counts) if (c > 0) tally.set(c, (tally.get(c) ?? 0) + 1);
  let best: number | undefined;
  let bestVotes = 0;
  for (const [count, votes] of tally) {
    if (votes > bestVotes) {
      best = count;
      bestVotes = votes;
    }
  }
  return best;
}

function isNonFiniteWord(bytes: Uint8Array, field: Field): boolean {
  const text = decodeUtf8(bytes, field.start, field.end).toLowerCase().replace(/^[+-]/, '');
  return text === 'nan' || text === 'inf' || text === 'infinity';
}

/** Rows expected in `bytes` bytes of body, from the sampled average entry line, with a little margin. */
export function estimateRows(bytes: number, preamble: Preamble): number {
  if (preamble.bytesPerEntry <= 0) return 1024;
  return Math.ceil((bytes / preamble.bytesPerEntry) * 1.02) + 64;
}
