/**
 * Where the cursor is on an entry line of a `.emb` file: on the token, or on the value of which
 * dimension. Pure (no `vscode`); columns are UTF-16 offsets like VS Code positions.
 *
 * An entry line is `token v_1 … v_d`, fields separated by spaces or tabs. Once d is known, a line
 * with more than 1 + d fields is a token that contains spaces: everything before the last d fields.
 */

export interface FieldSpan {
  readonly start: number;
  readonly end: number;
}

/** The whitespace-separated fields of one line, with their columns. */
export function splitFields(line: string): FieldSpan[] {
  const fields: FieldSpan[] = [];
  let start = -1;
  for (let i = 0; i <= line.length; i++) {
    const code = i < line.length ? line.charCodeAt(i) : 0x20;
    const isSpace = code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0b || code === 0x0c;
    if (isSpace) {
      if (start >= 0) fields.push({ start, end: i });
      start = -1;
    } else if (start < 0) {
      start = i;
    }
  }
  return fields;
}

export type EntryPart =
  | { readonly kind: 'token'; readonly span: FieldSpan; readonly spaced: boolean }
  | { readonly kind: 'value'; readonly span: FieldSpan; readonly dim: number };

/**
 * What sits at `column` on an entry line of a file with `dim` dimensions: the token (the whole
 * spaced token when it has several fields) or a value with its 0-based dimension. Undefined on
 * whitespace, or when the line has too few fields to be an entry.
 */
export function entryPartAt(line: string, column: number, dim: number): EntryPart | undefined {
  const fields = splitFields(line);
  if (fields.length < 2 || dim < 1) return undefined;
  // A short line (wrong value count) still has its token first and values after it.
  const tokenFieldCount = Math.max(1, fields.length - dim);
  const hit = fields.findIndex((f) => column >= f.start && column <= f.end);
  if (hit < 0) return undefined;
  if (hit < tokenFieldCount) {
    const first = fields[0];
    const last = fields[tokenFieldCount - 1];
    if (first === undefined || last === undefined) return undefined;
    return { kind: 'token', span: { start: first.start, end: last.end }, spaced: tokenFieldCount > 1 };
  }
  const span = fields[hit];
  if (span === undefined) return undefined;
  return { kind: 'value', span, dim: hit - tokenFieldCount };
}
