/**
 * Byte-level helpers shared by the preamble scan and the chunk parser: field separators, line
 * breaks as VS Code counts them (\n, \r\n and a lone \r), UTF-16 columns, and token decoding.
 * (The chunk parser finds line ends in the same pass as the fields, for speed; the preamble scan,
 * which reads at most 1 MiB, walks lines with LineWalker.)
 */

/** Space, tab, vertical tab, form feed: what separates a token from its values. */
export function isSeparator(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c;
}

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** bytes[start, end) as text (invalid UTF-8 becomes U+FFFD, as in the editor). */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (bytes[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii && end - start < 64) {
    let text = '';
    for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
    return text;
  }
  return utf8.decode(bytes.subarray(start, end));
}

/** The UTF-16 length of bytes[start, end): a column offset the editor understands. */
export function utf16Length(bytes: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    if (bytes[i]! >= 0x80) return i - start + utf8.decode(bytes.subarray(i, end)).length;
  }
  return end - start;
}

export const UTF8_BOM_LENGTH = 3;

export function hasUtf8Bom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/**
 * Walks the lines of bytes[start, length). Calls `visit(contentStart, contentEnd, line)` for every
 * complete line (content excludes the break). A last line without a break counts only when
 * `final`; returns the offset just after the last visited line's break (where to resume) and the
 * number of breaks seen in `breaks`.
 */
export class LineWalker {
  breaks = 0;

  walk(bytes: Uint8Array, start: number, final: boolean, visit: (s: number, e: number, line: number) => void): number {
    const length = bytes.length;
    let pos = start;
    // The next \r and \n at or after pos, each searched again only once passed (a file of lone
    // \r line breaks would otherwise rescan to the end for every line).
    let nextCR = -1;
    let nextLF = -1;
    while (pos < length) {
      if (nextCR < pos) {
        const cr = bytes.indexOf(0x0d, pos);
        nextCR = cr < 0 ? Infinity : cr;
      }
      if (nextLF < pos) {
        const lf = bytes.indexOf(0x0a, pos);
        nextLF = lf < 0 ? Infinity : lf;
      }
      let contentEnd: number;
      let next: number;
      if (nextCR < nextLF) {
        contentEnd = nextCR;
        if (contentEnd + 1 < length) next = bytes[contentEnd + 1] === 0x0a ? contentEnd + 2 : contentEnd + 1;
        else if (final) next = contentEnd + 1;
        else break; // a \r at the end of the block: its \n may come next
      } else if (nextLF !== Infinity) {
        contentEnd = nextLF;
        next = nextLF + 1;
      } else if (final) {
        visit(pos, length, this.breaks);
        return length;
      } else {
        break;
      }
      visit(pos, contentEnd, this.breaks);
      this.breaks++;
      pos = next;
    }
    return pos;
  }
}
