/**
 * CSV and JSON of the matrices the panel shows. Pure, so the exact bytes are unit-tested.
 *
 * Numbers are printed in the shortest form that reads back to the same Float32 (0.4, not
 * 0.4000000059604645): what the core computed, no more, no less. Masked entries (−∞ scores) are
 * `-inf` in CSV (numpy and pandas read it) and `null` in JSON (which has no infinity).
 * Labels are tokens from files the user may not have written: CSV fields are quoted per
 * RFC 4180, and a label a spreadsheet would run as a formula (= + - @, tab, CR) gets a leading
 * apostrophe.
 */
import type { BreakdownEntry } from './protocol';
import type { DenseMatrix } from './wire';

/** Shortest decimal that round-trips through Float32; `-inf`/`inf` for infinities. */
export function formatFloat32(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  const target = Math.fround(value);
  if (target === 0) return '0';
  for (let digits = 1; digits <= 9; digits++) {
    const text = target.toPrecision(digits);
    if (Math.fround(Number(text)) === target) return String(Number(text));
  }
  return String(target);
}

function jsonNumber(value: number): number | null {
  return Number.isFinite(value) ? Number(formatFloat32(value)) : null;
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV field: formula-looking labels defused, quoted when it holds a comma, quote or newline. */
export function csvField(text: string): string {
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csvLine(fields: readonly string[]): string {
  return fields.join(',') + '\r\n';
}

export interface LabelledMatrix {
  /** What it is, e.g. "attention weights, head 1". */
  readonly name: string;
  readonly matrix: DenseMatrix;
  readonly rowLabels: readonly string[];
  readonly colLabels: readonly string[];
  /** Name of the row/column axes for the corner cell ("query \\ key"). */
  readonly corner: string;
}

function checkLabels(m: LabelledMatrix): void {
  if (m.rowLabels.length !== m.matrix.rows || m.colLabels.length !== m.matrix.cols) {
    throw new Error(`${m.name}: ${m.rowLabels.length}×${m.colLabels.length} labels for a ${m.matrix.rows}×${m.matrix.cols} matrix`);
  }
}

/** A header row of column labels, then one row per matrix row led by its label. */
export function matrixToCsv(m: LabelledMatrix): string {
  checkLabels(m);
  let out = csvLine([csvField(m.corner), ...m.colLabels.map(csvField)]);
  for (let i = 0; i < m.matrix.rows; i++) {
    const fields = [csvField(m.rowLabels[i] ?? '')];
    for (let j = 0; j < m.matrix.cols; j++) fields.push(formatFloat32(m.matrix.data[i * m.matrix.cols + j] ?? Number.NaN));
    out += csvLine(fields);
  }
  return out;
}

export interface MatrixJson {
  readonly name: string;
  readonly shape: readonly [number, number];
  readonly rows: readonly string[];
  readonly cols: readonly string[];
  /** Row-major; null where an entry is masked (−∞). */
  readonly values: readonly (readonly (number | null)[])[];
}

export function matrixToJsonValue(m: LabelledMatrix): MatrixJson {
  checkLabels(m);
  const values: (number | null)[][] = [];
  for (let i = 0; i < m.matrix.rows; i++) {
    const row: (number | null)[] = [];
    for (let j = 0; j < m.matrix.cols; j++) row.push(jsonNumber(m.matrix.data[i * m.matrix.cols + j] ?? Number.NaN));
    values.push(row);
  }
  return { name: m.name, shape: [m.matrix.rows, m.matrix.cols], rows: [...m.rowLabels], cols: [...m.colLabels], values };
}

export function matrixToJson(m: LabelledMatrix, extra: Readonly<Record<string, unknown>> = {}): string {
  return JSON.stringify({ ...extra, ...matrixToJsonValue(m) }, null, 2) + '\n';
}

/**
 * Several same-shaped matrices (every head's weights) as tidy CSV: one line per entry,
 * `head,query_index,query,key_index,key,weight`, which pandas pivots back in one call.
 */
export function stackToCsv(layers: readonly LabelledMatrix[], layerName: string, valueName: string): string {
  let out = csvLine([layerName, 'query_index', 'query', 'key_index', 'key', valueName]);
  layers.forEach((m, layer) => {
    checkLabels(m);
    for (let i = 0; i < m.matrix.rows; i++) {
      const query = csvField(m.rowLabels[i] ?? '');
      for (let j = 0; j < m.matrix.cols; j++) {
        out += csvLine([String(layer + 1), String(i), query, String(j), csvField(m.colLabels[j] ?? ''), formatFloat32(m.matrix.data[i * m.matrix.cols + j] ?? Number.NaN)]);
      }
    }
  });
  return out;
}

export function stackToJson(layers: readonly LabelledMatrix[], extra: Readonly<Record<string, unknown>> = {}): string {
  return JSON.stringify({ ...extra, layers: layers.map((m) => matrixToJsonValue(m)) }, null, 2) + '\n';
}

/** One softmax row step by step, the way the panel's table shows it. */
export interface BreakdownTable {
  readonly query: string;
  readonly scaleDivisor: number;
  readonly entries: readonly Omit<BreakdownEntry, 'masked'>[];
  readonly max: number;
  readonly sum: number;
  readonly line: string;
}

export function breakdownToCsv(b: BreakdownTable): string {
  let out = csvLine(['key', 'raw', `scaled (÷${formatFloat32(b.scaleDivisor)})`, 'minus_max', 'exp', 'probability']);
  for (const e of b.entries) {
    out += csvLine([csvField(e.key), formatFloat32(e.raw), formatFloat32(e.scaled), formatFloat32(e.minusMax), formatFloat32(e.exp), formatFloat32(e.probability)]);
  }
  out += csvLine(['max', '', formatFloat32(b.max), '', '', '']);
  out += csvLine(['sum', '', '', '', formatFloat32(b.sum), '']);
  return out;
}

export function breakdownToJson(b: BreakdownTable): string {
  return (
    JSON.stringify(
      {
        query: b.query,
        line: b.line,
        scaleDivisor: jsonNumber(b.scaleDivisor),
        max: jsonNumber(b.max),
        sum: jsonNumber(b.sum),
        entries: b.entries.map((e) => ({
          key: e.key,
          raw: jsonNumber(e.raw),
          scaled: jsonNumber(e.scaled),
          minusMax: jsonNumber(e.minusMax),
          exp: jsonNumber(e.exp),
          probability: jsonNumber(e.probability),
        })),
      },
      null,
      2,
    ) + '\n'
  );
}
