/**
 * Splitting the user's text into the words that are looked up in an embedding set.
 *
 * Contract: tokens carry UTF-16 offsets [start, end) into the original text, so the editor can
 * highlight them; `text` is the looked-up form (lower-cased when asked). A word is a run of
 * letters, digits and marks, with inner apostrophes and hyphens kept ("don't", "state-of-the-art").
 * Punctuation ('keep') becomes one token per character; whitespace never does.
 */

export interface TextToken {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

export interface TokenizeOptions {
  readonly lowercase: boolean;
  readonly punctuation: 'drop' | 'keep';
}

const WORD = /[\p{L}\p{N}\p{M}_]+(?:['’-][\p{L}\p{N}\p{M}_]+)*/uy;
const PUNCTUATION = /[\p{P}\p{S}]/uy;
const SPACE = /\s+/uy;

export function tokenize(text: string, options: TokenizeOptions): TextToken[] {
  const tokens: TextToken[] = [];
  let at = 0;
  while (at < text.length) {
    SPACE.lastIndex = at;
    if (SPACE.test(text)) {
      at = SPACE.lastIndex;
      continue;
    }
    WORD.lastIndex = at;
    const word = WORD.exec(text);
    if (word) {
      const raw = word[0];
      tokens.push({ text: options.lowercase ? raw.toLowerCase() : raw, start: at, end: at + raw.length });
      at += raw.length;
      continue;
    }
    // One code point that is neither a word character nor space: punctuation, a symbol, or other.
    const codePoint = text.codePointAt(at)!;
    const width = codePoint > 0xffff ? 2 : 1;
    PUNCTUATION.lastIndex = at;
    if (options.punctuation === 'keep' && PUNCTUATION.test(text)) {
      tokens.push({ text: text.slice(at, at + width), start: at, end: at + width });
    }
    at += width;
  }
  return tokens;
}

/**
 * The sentence holding `offset`: bounded by . ! ? … (with any closing quotes or brackets) followed
 * by whitespace, or by a line break; leading and trailing whitespace excluded. UTF-16 offsets.
 */
export function sentenceAround(text: string, offset: number): { start: number; end: number } {
  const at = Math.max(0, Math.min(text.length, offset));
  const boundary = /[.!?…]+["'”’)\]]*(?=\s|$)|\r?\n/gu;
  let start = 0;
  let end = text.length;
  for (let m = boundary.exec(text); m; m = boundary.exec(text)) {
    const lineBreak = m[0].endsWith('\n');
    const sentenceEnd = lineBreak ? m.index : m.index + m[0].length;
    const nextStart = m.index + m[0].length;
    // A caret right after the full stop still belongs to the sentence it ends.
    if (at < nextStart || (!lineBreak && at === sentenceEnd)) {
      end = sentenceEnd;
      break;
    }
    start = nextStart;
  }
  while (start < end && /\s/u.test(text[start]!)) start++;
  while (end > start && /\s/u.test(text[end - 1]!)) end--;
  return { start, end };
}
