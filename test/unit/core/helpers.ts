/**
 * Shared by the core unit tests and the safetensors fuzz script: matrices from nested arrays,
 * tolerance checks that name the failing entry, the committed fixtures, and a by-hand
 * safetensors writer (the format's own definition, not our reader run backwards).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Matrix } from '../../../src/core';

export const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'core');

export function fixtureJson<T>(name: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as T;
}

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(FIXTURES, name)));
}

/** A matrix from rows of numbers; null stands for −Infinity (a masked score in the fixtures). */
export function mat(rows: readonly (readonly (number | null)[])[]): Matrix {
  const cols = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * cols);
  rows.forEach((row, i) => {
    assert.equal(row.length, cols, `row ${i} has ${row.length} values, expected ${cols}`);
    row.forEach((v, j) => (data[i * cols + j] = v === null ? Number.NEGATIVE_INFINITY : v));
  });
  return { rows: rows.length, cols, data };
}

/** Entry (i, j) of m. */
export function at(m: Matrix, i: number, j: number): number {
  return m.data[i * m.cols + j]!;
}

/** Row i of m as plain numbers. */
export function row(m: Matrix, i: number): number[] {
  return Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols));
}

/** |actual − expected| ≤ tol entry by entry (−Infinity must meet −Infinity), naming the first miss. */
export function assertMatrixClose(actual: Matrix, expected: readonly (readonly (number | null)[])[], tol: number, label: string): void {
  assert.equal(actual.rows, expected.length, `${label}: ${actual.rows} rows, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i]!;
    assert.equal(actual.cols, want.length, `${label}: ${actual.cols} columns, expected ${want.length}`);
    for (let j = 0; j < want.length; j++) {
      const got = at(actual, i, j);
      const w = want[j]!;
      if (w === null) {
        assert.equal(got, Number.NEGATIVE_INFINITY, `${label}[${i}, ${j}] = ${got}, expected −Infinity`);
      } else {
        assert.ok(Math.abs(got - w) <= tol, `${label}[${i}, ${j}] = ${got}, expected ${w} (±${tol})`);
      }
    }
  }
}

export function assertClose(actual: number, expected: number, tol: number, label: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${label} = ${actual}, expected ${expected} (±${tol})`);
}

/** Rounds to the deck's two decimals. */
export function r2(x: number): number {
  return Math.round(x * 100) / 100;
}

export interface RawTensor {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

/**
 * A safetensors file as the format defines it: u64 little-endian header length, the JSON
 * header (padded with spaces to a multiple of 8), then the tensors' bytes in order.
 * `header` may replace the computed header object (to write broken files on purpose).
 */
export function writeSafetensors(
  tensors: readonly RawTensor[],
  opts: { metadata?: Record<string, unknown>; header?: (computed: Record<string, unknown>) => unknown } = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (opts.metadata) header['__metadata__'] = opts.metadata;
  let offset = 0;
  for (const t of tensors) {
    // defineProperty, so a tensor named "__proto__" is a key like any other.
    Object.defineProperty(header, t.name, {
      value: { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    offset += t.bytes.length;
  }
  let text = Buffer.from(JSON.stringify(opts.header ? opts.header(header) : header), 'utf8');
  const pad = (8 - (text.length % 8)) % 8;
  text = Buffer.concat([text, Buffer.alloc(pad, 0x20)]);
  const out = new Uint8Array(8 + text.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  let at = 8 + text.length;
  for (const t of tensors) {
    out.set(t.bytes, at);
    at += t.bytes.length;
  }
  return out;
}

/** Float32 little-endian bytes of the values. */
export function f32Bytes(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return out;
}

/** An nn.MultiheadAttention state_dict (packed layout) with E = e, values i/100 − 0.5 …, as F32. */
export function mhaTensors(e: number, prefix = '', opts: { bias?: boolean } = {}): RawTensor[] {
  const fill = (count: number, start: number) => Array.from({ length: count }, (_, i) => ((start + i) % 97) / 97 - 0.5);
  const out: RawTensor[] = [{ name: `${prefix}in_proj_weight`, dtype: 'F32', shape: [3 * e, e], bytes: f32Bytes(fill(3 * e * e, 1)) }];
  if (opts.bias !== false) out.push({ name: `${prefix}in_proj_bias`, dtype: 'F32', shape: [3 * e], bytes: f32Bytes(fill(3 * e, 7)) });
  out.push({ name: `${prefix}out_proj.weight`, dtype: 'F32', shape: [e, e], bytes: f32Bytes(fill(e * e, 3)) });
  if (opts.bias !== false) out.push({ name: `${prefix}out_proj.bias`, dtype: 'F32', shape: [e], bytes: f32Bytes(fill(e, 5)) });
  return out;
}
