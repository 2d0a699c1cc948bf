/**
 * Decimal numbers straight from UTF-8 bytes, without building a string per value.
 *
 * Contract: `scanNumber(bytes, start, end)` reads one field (from start to the next separator) and gives exactly
 * Math.fround(parseFloat(field)) for every field that is a strict decimal number
 * ([+-]digits[.digits][(e|E)[+-]digits], or .digits), and a status otherwise.
 * How it stays exact: the significant digits are gathered into an integer m (at most 15 digits,
 * so m < 2^53 is exact in a double) with a power of ten p; when |p| ≤ 22, 10^|p| is also exact, and
 * one IEEE multiplication or division of two exact doubles is correctly rounded — the same double
 * parseFloat returns (Clinger's fast path). Longer mantissas and larger exponents fall back to
 * parseFloat on the field's characters; GloVe and word2vec values never need it.
 */

export const enum NumberStatus {
  Ok = 0,
  /** Not a decimal number at all ("abc", "1,5", "1e", "0x1f"). */
  NotANumber = 1,
  /** nan / inf / infinity spelled out (any case, any sign). */
  NonFiniteLiteral = 2,
  /** A decimal number whose magnitude rounds to Infinity in float32 (beyond ±3.4028235e38). */
  OutOfRange = 3,
}

const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const MAX_FAST_DIGITS = 15;

/** Result slots of the last scan (module state avoids an object per value). */
export const scanned = { value: 0.5, status: NumberStatus.Ok as NumberStatus, end: 0 };

function isSeparator(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c;
}

/**
 * Parses the field that starts at `start` and ends at the first separator (space, tab, \v, \f)
 * or at `end`, into `scanned` (value, status, and `end`: the offset just after the field).
 */
export function scanNumber(bytes: Uint8Array, start: number, end: number): void {
  let i = start;
  let c = bytes[i]!;
  let negative = false;
  if (c === 0x2d || c === 0x2b) {
    negative = c === 0x2d;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let exponent = 0;
  let sawDigit = false;
  let slow = false;
  // 1. Integer part; leading zeros carry no information.
  while (i < end) {
    c = bytes[i]! - 0x30;
    if (c < 0 || c > 9) break;
    sawDigit = true;
    if (digits < MAX_FAST_DIGITS) {
      if (mantissa !== 0 || c !== 0) {
        mantissa = mantissa * 10 + c;
        digits++;
      }
    } else {
      slow = true;
    }
    i++;
  }
  // 2. Fraction: each kept digit lowers the power of ten by one.
  if (i < end && bytes[i] === 0x2e) {
    i++;
    while (i < end) {
      c = bytes[i]! - 0x30;
      if (c < 0 || c > 9) break;
      sawDigit = true;
      if (digits < MAX_FAST_DIGITS) {
        if (mantissa !== 0 || c !== 0) digits++;
        mantissa = mantissa * 10 + c;
        exponent--;
      } else if (c !== 0) {
        slow = true;
      }
      i++;
    }
  }
  if (!sawDigit) {
    const fieldEnd = fieldEndFrom(bytes, i, end);
    scanned.status = isNonFiniteWord(bytes, i, fieldEnd) ? NumberStatus.NonFiniteLiteral : NumberStatus.NotANumber;
    scanned.value = Number.NaN;
    scanned.end = fieldEnd;
    return;
  }
  // 3. Exponent: at least one digit after e/E; huge exponents are clamped (they over/underflow anyway).
  if (i < end && (bytes[i] === 0x65 || bytes[i] === 0x45)) {
    i++;
    let exponentNegative = false;
    if (i < end && (bytes[i] === 0x2d || bytes[i] === 0x2b)) {
      exponentNegative = bytes[i] === 0x2d;
      i++;
    }
    let value = 0;
    let exponentDigits = 0;
    while (i < end) {
      c = bytes[i]! - 0x30;
      if (c < 0 || c > 9) break;
      if (value < 100000) value = value * 10 + c;
      exponentDigits++;
      i++;
    }
    if (exponentDigits === 0) {
      scanned.status = NumberStatus.NotANumber;
      scanned.value = Number.NaN;
      scanned.end = fieldEndFrom(bytes, i, end);
      return;
    }
    exponent += exponentNegative ? -value : value;
  }
  if (i !== end && !isSeparator(bytes[i]!)) {
    scanned.status = NumberStatus.NotANumber;
    scanned.value = Number.NaN;
    scanned.end = fieldEndFrom(bytes, i, end);
    return;
  }
  scanned.end = i;
  let value: number;
  if (slow || exponent < -22 || exponent > 22) {
    value = parseFloat(asciiString(bytes, start, i));
  } else {
    value = mantissa === 0 ? 0 : exponent < 0 ? mantissa / POW10[-exponent]! : mantissa * POW10[exponent]!;
    if (negative) value = -value;
  }
  const single = Math.fround(value);
  if (single === Number.POSITIVE_INFINITY || single === Number.NEGATIVE_INFINITY) {
    scanned.status = NumberStatus.OutOfRange;
    scanned.value = single;
    return;
  }
  scanned.status = NumberStatus.Ok;
  scanned.value = single;
}

/** True when the field bytes[start, end) is a strict decimal number (finite or not in float32). */
export function isNumberField(bytes: Uint8Array, start: number, end: number): boolean {
  scanNumber(bytes, start, end);
  return scanned.end === end && (scanned.status === NumberStatus.Ok || scanned.status === NumberStatus.OutOfRange);
}

function fieldEndFrom(bytes: Uint8Array, i: number, end: number): number {
  while (i < end && !isSeparator(bytes[i]!)) i++;
  return i;
}

/** "nan", "inf", "infinity" in any case, from i (after any sign) to end. */
function isNonFiniteWord(bytes: Uint8Array, i: number, end: number): boolean {
  const length = end - i;
  if (length !== 3 && length !== 8) return false;
  let word = '';
  for (let k = i; k < end; k++) word += String.fromCharCode(bytes[k]! | 0x20);
  return word === 'nan' || word === 'inf' || word === 'infinity';
}

function asciiString(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let k = start; k < end; k++) text += String.fromCharCode(bytes[k]!);
  return text;
}
