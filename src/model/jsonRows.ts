/**
 * Rows of numbers as JSON text with 7 significant digits, fast: `attention --model --json` writes
 * n² numbers per head (47 M for 12 × 12 heads at 574 tokens), where Number.prototype.toPrecision
 * costs ~3 µs a number. Values in [1e-6, 1) (almost every attention weight) are written digit by
 * digit into a byte buffer; anything else goes through toPrecision.
 *
 * Contract: formatRow(values) → "[v₀,v₁,…]" where JSON.parse gives, for each entry,
 * Number(v.toPrecision(7)) exactly (null for NaN and ±Infinity, which JSON cannot hold).
 */

/** 10^(7 + e): scales a value in [10^−(e+1), 10^−e) to its 7 significant digits. */
const SCALE = [1e7, 1e8, 1e9, 1e10, 1e11, 1e12];
const LOWER = [0.1, 0.01, 0.001, 1e-4, 1e-5, 1e-6];

export function formatNumber(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(7))) : 'null';
}

export class RowFormatter {
  private buffer = new Uint8Array(1 << 16);
  private readonly digits = new Uint8Array(7);

  formatRow(values: ArrayLike<number>, from = 0, to = values.length): string {
    // Worst case per entry: "0.0000009999999" or a toPrecision form (≤ 15 bytes) and a comma.
    const needed = (to - from) * 16 + 2;
    if (this.buffer.length < needed) this.buffer = new Uint8Array(needed);
    const b = this.buffer;
    let at = 0;
    b[at++] = 0x5b; // [
    for (let i = from; i < to; i++) {
      if (i > from) b[at++] = 0x2c; // ,
      at = this.write(values[i]!, at);
    }
    b[at++] = 0x5d; // ]
    return Buffer.from(b.buffer, 0, at).toString('latin1');
  }

  private write(v: number, at: number): number {
    const b = this.buffer;
    if (v >= 1e-6 && v < 1) {
      let e = 0;
      while (v < LOWER[e]!) e++;
      const scaled = v * SCALE[e]!;
      // The product is rounded; within 1e-6 of a tie, let toPrecision decide from the exact value.
      if (Math.abs(scaled - Math.floor(scaled) - 0.5) < 1e-6) return this.writeText(formatNumber(v), at);
      let digits = Math.round(scaled);
      if (digits >= 1e7) {
        // Rounded up to the next power of ten: one significant digit fewer after the point.
        if (e === 0) {
          b[at] = 0x31; // "1"
          return at + 1;
        }
        e--;
        digits = Math.round(v * SCALE[e]!);
      }
      b[at++] = 0x30; // 0
      b[at++] = 0x2e; // .
      for (let z = 0; z < e; z++) b[at++] = 0x30;
      const d = this.digits;
      for (let k = 6; k >= 0; k--) {
        d[k] = 0x30 + (digits % 10);
        digits = Math.floor(digits / 10);
      }
      let end = 7;
      while (end > 1 && d[end - 1] === 0x30) end--;
      for (let k = 0; k < end; k++) b[at++] = d[k]!;
      return at;
    }
    return this.writeText(v === 0 ? '0' : formatNumber(v), at);
  }

  private writeText(text: string, at: number): number {
    const b = this.buffer;
    for (let k = 0; k < text.length; k++) b[at++] = text.charCodeAt(k);
    return at;
  }
}
