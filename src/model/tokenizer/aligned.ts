/**
 * Aligned text: a string whose every UTF-16 unit knows the range of the user's original text it
 * came from. It is how offsets survive normalization (lower-casing, accent stripping, NFD/NFKC,
 * the ▁ of SentencePiece) and the byte-to-unicode table of byte-level BPE.
 *
 * Contract: `starts[i]`, `ends[i]` are the original UTF-16 range [start, end) of unit i of `text`.
 * Both units of a surrogate pair carry the same range; a unit produced from several original
 * units (a composed character, a replacement) carries their union; an inserted unit (a prepended
 * "▁" or " ") carries the range of the character it was inserted before, as the Rust tokenizers'
 * `NormalizedString::prepend` does (tokenizers/src/tokenizer/normalizer.rs). Ranges never go
 * backwards along the text, so the union over any slice is [starts[first], ends[last]) up to
 * rounding, and `rangeOf` takes the min/max to be safe.
 *
 * Legend: n = text.length (UTF-16 units); "original" = the string passed to encode().
 */

export interface AlignedText {
  readonly text: string;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

/** Builds an AlignedText unit by unit. */
export class AlignedBuilder {
  private parts: string[] = [];
  private length = 0;
  private starts = new Int32Array(16);
  private ends = new Int32Array(16);

  /** Appends `text`, every unit of which maps to the original range [start, end). */
  push(text: string, start: number, end: number): void {
    this.reserve(text.length);
    this.parts.push(text);
    this.starts.fill(start, this.length, this.length + text.length);
    this.ends.fill(end, this.length, this.length + text.length);
    this.length += text.length;
  }

  /** Appends units [from, to) of `source` with their own ranges. */
  pushSlice(source: AlignedText, from: number, to: number): void {
    if (to <= from) return;
    this.reserve(to - from);
    this.parts.push(source.text.slice(from, to));
    this.starts.set(source.starts.subarray(from, to), this.length);
    this.ends.set(source.ends.subarray(from, to), this.length);
    this.length += to - from;
  }

  build(): AlignedText {
    return { text: this.parts.join(''), starts: this.starts.slice(0, this.length), ends: this.ends.slice(0, this.length) };
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.starts.length) return;
    const size = Math.max(this.starts.length * 2, this.length + extra);
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    starts.set(this.starts.subarray(0, this.length));
    ends.set(this.ends.subarray(0, this.length));
    this.starts = starts;
    this.ends = ends;
  }
}

/** Units [from, to) of the original text, each mapped to itself (a surrogate pair to its pair). */
export function alignedOriginal(text: string, from = 0, to = text.length): AlignedText {
  const n = to - from;
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  for (let i = from; i < to; i++) {
    const unit = text.charCodeAt(i);
    const pairedHigh = unit >= 0xd800 && unit <= 0xdbff && i + 1 < to && isLowSurrogate(text.charCodeAt(i + 1));
    if (pairedHigh) {
      starts[i - from] = i;
      ends[i - from] = i + 2;
      starts[i + 1 - from] = i;
      ends[i + 1 - from] = i + 2;
      i++;
    } else {
      starts[i - from] = i;
      ends[i - from] = i + 1;
    }
  }
  return { text: text.slice(from, to), starts, ends };
}

export function sliceAligned(source: AlignedText, from: number, to: number): AlignedText {
  return { text: source.text.slice(from, to), starts: source.starts.slice(from, to), ends: source.ends.slice(from, to) };
}

/** The original range covered by units [from, to) of `source`; undefined for an empty slice. */
export function rangeOf(source: AlignedText, from: number, to: number): [number, number] | undefined {
  if (to <= from) return undefined;
  let start = source.starts[from];
  let end = source.ends[from];
  for (let i = from + 1; i < to; i++) {
    if (source.starts[i] < start) start = source.starts[i];
    if (source.ends[i] > end) end = source.ends[i];
  }
  return [start, end];
}

export function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** UTF-16 length of the code point starting at `at` (2 for a surrogate pair, else 1). */
export function codePointLength(text: string, at: number): number {
  const unit = text.charCodeAt(at);
  return unit >= 0xd800 && unit <= 0xdbff && at + 1 < text.length && isLowSurrogate(text.charCodeAt(at + 1)) ? 2 : 1;
}

/**
 * Aligns `expected` (what a transformation really produced) to `candidate` (our per-character
 * reconstruction of it, aligned) when the two differ — e.g. a context-sensitive lower-casing
 * (final sigma) or a normalizer we cannot replay piecewise. Equal units align one to one; at a
 * difference we look ahead for the nearest point where both agree again (window `WINDOW`) and give
 * the differing stretch of `expected` the union range of the differing stretch of `candidate`.
 * Returns the aligned `expected` and how many units of `candidate` were consumed.
 */
export function alignByResync(candidate: AlignedText, expected: string): { aligned: AlignedText; consumed: number } {
  const WINDOW = 24;
  const out = new AlignedBuilder();
  const c = candidate.text;
  let i = 0;
  let j = 0;
  const lastRange = (): [number, number] => {
    if (i < c.length) return [candidate.starts[i], candidate.starts[i]];
    const end = c.length > 0 ? candidate.ends[c.length - 1] : 0;
    return [end, end];
  };
  while (j < expected.length) {
    if (i < c.length && c[i] === expected[j]) {
      out.push(expected[j], candidate.starts[i], candidate.ends[i]);
      i++;
      j++;
      continue;
    }
    // Nearest resync point (di, dj), smallest di + dj first.
    let found: [number, number] | undefined;
    for (let total = 1; total <= 2 * WINDOW && !found; total++) {
      for (let di = Math.max(0, total - WINDOW); di <= Math.min(total, WINDOW); di++) {
        const dj = total - di;
        if (i + di < c.length && j + dj < expected.length && c[i + di] === expected[j + dj]) {
          found = [di, dj];
          break;
        }
        if (i + di >= c.length && j + dj >= expected.length) {
          found = [c.length - i, expected.length - j];
          break;
        }
      }
    }
    const [di, dj] = found ?? [c.length - i, expected.length - j];
    const range = rangeOf(candidate, i, i + di) ?? lastRange();
    if (dj > 0) out.push(expected.slice(j, j + dj), range[0], range[1]);
    i += di;
    j += dj;
    if (di === 0 && dj === 0) break;
  }
  return { aligned: out.build(), consumed: i };
}
