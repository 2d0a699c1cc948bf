/**
 * JSON text with located errors: a parse failure says the line, column and byte offset where the
 * text stops being JSON (V8's own message often names no position: "Unexpected token '}', ... is
 * not valid JSON"), so the scanner below finds it.
 *
 * Contract: `parseJsonText(text, file)` returns JSON.parse(text) or throws a ModelError naming
 * `file`, the line and column (1-based, UTF-16 columns as editors count them), the UTF-8 byte
 * offset, and what was expected there.
 */
import { ModelError } from '../errors';

export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    const { offset, expected } = findJsonError(text);
    const line = lineColumn(text, offset);
    const found = offset >= text.length ? 'the end of the file' : JSON.stringify(text.slice(offset, offset + 1));
    throw new ModelError(
      file,
      `is not valid JSON: at line ${line.line}, column ${line.column} (byte ${utf8Length(text, offset)}) expected ${expected}, found ${found}`,
      { cause: error },
    );
  }
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function utf8Length(text: string, end: number): number {
  return new TextEncoder().encode(text.slice(0, end)).length;
}

class JsonStop extends Error {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {
    super(expected);
  }
}

/** The first offset at which `text` is not JSON, and what the grammar wanted there. */
export function findJsonError(text: string): { offset: number; expected: string } {
  let i = 0;
  const stop = (expected: string): never => {
    throw new JsonStop(i, expected);
  };
  const space = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) stop(`"${word}"`);
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      const unit = text.charCodeAt(i);
      if (unit < 0x20) stop('a closing quote (control characters must be escaped in a string)');
      if (text[i] === '\\') {
        i++;
        const escape = text[i];
        if (escape === 'u') {
          for (let k = 1; k <= 4; k++) {
            if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) {
              i += k;
              stop('four hex digits after \\u');
            }
          }
          i += 5;
        } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) {
          i++;
        } else {
          stop('an escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
        }
      } else {
        i++;
      }
    }
    if (i >= text.length) stop('a closing quote');
    i++;
  };
  const number = () => {
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    match.lastIndex = i;
    const m = match.exec(text);
    if (!m || m[0].length === 0 || m[0] === '-') stop('a number');
    i += (m as RegExpExecArray)[0].length;
  };
  const value = (depth: number): void => {
    if (depth > 10000) stop('less nesting');
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      space();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] !== '"') stop('a property name in double quotes');
        string();
        space();
        if (text[i] !== ':') stop("':' after a property name");
        i++;
        value(depth + 1);
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        stop("',' or '}' after a property value");
      }
    }
    if (c === '[') {
      i++;
      space();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        stop("',' or ']' after an array element");
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    stop('a value (object, array, string, number, true, false or null)');
  };
  try {
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    value(0);
    space();
    if (i < text.length) stop('the end of the file after the top-level value');
    return { offset: text.length, expected: 'valid JSON' };
  } catch (error) {
    if (error instanceof JsonStop) return { offset: Math.min(error.offset, text.length), expected: error.expected };
    throw error;
  }
}
