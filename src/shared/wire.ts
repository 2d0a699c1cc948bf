/**
 * Packing matrices for postMessage and unpacking them on the other side. Pure: host, webview and
 * tests share it. Float32 stays Float32 end to end (what the core computes in), copied once into
 * a fresh ArrayBuffer of exactly the right size so a subarray view never drags its parent along.
 */
import type { WireMatrix, WireThumb } from './protocol';

/** A row-major Float32 matrix as the webview holds it. */
export interface DenseMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

export function packFloats(values: ArrayLike<number>): ArrayBuffer {
  const out = new Float32Array(values.length);
  out.set(values);
  return out.buffer;
}

export function toWire(m: DenseMatrix): WireMatrix {
  return { rows: m.rows, cols: m.cols, data: packFloats(m.data.subarray(0, m.rows * m.cols)) };
}

export function fromWire(w: WireMatrix): DenseMatrix {
  return { rows: w.rows, cols: w.cols, data: new Float32Array(w.data) };
}

/**
 * Shrinks an attention matrix to at most `maxSide` × `maxSide` cells for the small multiples.
 * Max-pooling, not averaging: a sharp diagonal or one attended token must stay visible when 8×8
 * cells become one (averaging would dim a weight of 1 to 1/8). Intensities are relative to the
 * head's largest weight so faint heads still show their pattern; `max` says what 255 stands for.
 * Masked entries (weight 0) are 0.
 */
export function thumbnail(weights: DenseMatrix, maxSide = 64): WireThumb {
  const rows = Math.min(weights.rows, maxSide);
  const cols = Math.min(weights.cols, maxSide);
  const pooled = new Float32Array(rows * cols);
  let max = 0;
  for (let i = 0; i < weights.rows; i++) {
    const ti = Math.floor((i * rows) / weights.rows);
    for (let j = 0; j < weights.cols; j++) {
      const value = weights.data[i * weights.cols + j] ?? 0;
      if (!(value > 0)) continue;
      const tj = Math.floor((j * cols) / weights.cols);
      const at = ti * cols + tj;
      if (value > (pooled[at] ?? 0)) pooled[at] = value;
      if (value > max) max = value;
    }
  }
  const bytes = new Uint8Array(rows * cols);
  if (max > 0) {
    for (let at = 0; at < bytes.length; at++) bytes[at] = Math.round(((pooled[at] ?? 0) / max) * 255);
  }
  return { rows, cols, data: bytes.buffer, max };
}

/** x, y pairs as Float32 [n, 2]. */
export function unpackPoints(buffer: ArrayBuffer): Float32Array {
  return new Float32Array(buffer);
}
