/**
 * The TextMate grammar (syntaxes/emb.tmLanguage.json) run by the same engine VS Code uses
 * (vscode-textmate + vscode-oniguruma), checked against the format (docs/emb-format.md) and
 * against the parser: on every line that holds an entry, the text the grammar scopes as the token
 * is exactly the token the parser stores.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';
import { parseEmb } from '../../../src/emb/formats/text/parse';

const ROOT = path.join(__dirname, '..', '..', '..');
const TOKEN = 'entity.name.tag.token.emb';
const NUMBER = 'constant.numeric.float.emb';
let grammar: textmate.IGrammar;

before(async () => {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text: string) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName: string) => {
      const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { grammars: { scopeName: string; path: string }[] } };
      const entry = manifest.contributes.grammars.find((g) => g.scopeName === scopeName);
      if (!entry) return null;
      const file = path.join(ROOT, entry.path);
      return textmate.parseRawGrammar(fs.readFileSync(file, 'utf8'), file);
    },
  });
  const loaded = await registry.loadGrammar('source.emb');
  assert.ok(loaded, 'package.json contributes the source.emb grammar');
  grammar = loaded;
});

/** Each line's pieces as [text, innermost scope] (whitespace-only pieces dropped). */
function tokenize(text: string): [string, string][][] {
  let state = textmate.INITIAL;
  return text.split(/\r\n|\n|\r/).map((line) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    return result.tokens
      .map((t): [string, string] => [line.slice(t.startIndex, t.endIndex), t.scopes[t.scopes.length - 1]!])
      .filter(([piece]) => piece.trim() !== '');
  });
}

function scopedText(pieces: [string, string][], scope: string): string[] {
  return pieces.filter(([, s]) => s === scope).map(([piece]) => piece);
}

test('GloVe and word2vec lines: the token, then numbers; a word2vec header is a count and a dim', () => {
  const [header, glove, negative] = tokenize('400000 3\nthe 0.418 0.24968 -0.41242\n, 1e-3 .5 -2\n');
  assert.deepEqual(header, [['400000', 'constant.numeric.integer.count.emb'], ['3', 'constant.numeric.integer.dim.emb']]);
  assert.deepEqual(glove, [['the', TOKEN], ['0.418', NUMBER], ['0.24968', NUMBER], ['-0.41242', NUMBER]]);
  assert.deepEqual(negative, [[',', TOKEN], ['1e-3', NUMBER], ['.5', NUMBER], ['-2', NUMBER]]);
});

test('# dims names the dimensions; other # lines are comments unless they are tokens such as #1 followed by numbers', () => {
  const [dims, comment, hashToken] = tokenize('# dims: Tech Fruitness Other\n# a comment 1 2\n#1 0.5 0.25 1\n');
  assert.deepEqual(scopedText(dims!, 'variable.parameter.dimension.emb'), ['Tech', 'Fruitness', 'Other']);
  assert.deepEqual(scopedText(dims!, 'keyword.other.dims.emb'), ['dims']);
  assert.ok(comment!.every(([, scope]) => scope.startsWith('comment.line') || scope.startsWith('punctuation.definition.comment')), JSON.stringify(comment));
  assert.deepEqual(hashToken, [['#1', TOKEN], ['0.5', NUMBER], ['0.25', NUMBER], ['1', NUMBER]]);
});

test('a table\'s header row names the dimensions; NaN and Infinity are marked invalid', () => {
  const [row, entry, bad] = tokenize('word\tTech\tFruit\nApple\t1\t4\nOrange\t0\tNaN\n');
  assert.deepEqual(row, [['word', 'entity.name.tag.header-cell.emb'], ['Tech', 'variable.parameter.dimension.emb'], ['Fruit', 'variable.parameter.dimension.emb']]);
  assert.deepEqual(entry, [['Apple', TOKEN], ['1', NUMBER], ['4', NUMBER]]);
  assert.deepEqual(bad, [['Orange', TOKEN], ['0', NUMBER], ['NaN', 'invalid.illegal.non-finite.emb']]);
  assert.deepEqual(tokenize('x 1\ny -inf 2\n')[1], [['y', TOKEN], ['-inf', 'invalid.illegal.non-finite.emb'], ['2', NUMBER]]);
});

test('the grammar\'s token is the parser\'s token on every entry line (the samples, spaced tokens, # tokens, numeric tokens)', () => {
  const crafted = [
    'the 0.1 0.2 0.3',
    '. . . 0.4 0.5 0.6',
    'at&t corp 1 2 3',
    '#1 1 2 3',
    '2 0.5 0.5 0.5',
    '1 2 3 4 5 6', // a numeric token whose line is all numbers: the first field, as the parser reads it
    'café 1e2 -1e-2 +.5',
  ].join('\n');
  const files = fs.readdirSync(path.join(ROOT, 'samples')).filter((f) => f.endsWith('.emb')).map((f) => [f, fs.readFileSync(path.join(ROOT, 'samples', f), 'utf8')] as const);
  let checked = 0;
  for (const [name, text] of [...files, ['crafted', crafted] as const]) {
    const parsed = parseEmb(text);
    const lines = tokenize(text);
    for (let row = 0; row < parsed.store.count; row++) {
      const line = parsed.lineOfToken[row]!;
      assert.deepEqual(scopedText(lines[line]!, TOKEN), [parsed.store.token(row)], `${name}, line ${line + 1}`);
      assert.equal(scopedText(lines[line]!, NUMBER).length, parsed.store.dim, `${name}, line ${line + 1}: every value is a number`);
      checked++;
    }
  }
  assert.ok(checked > 400, `${checked} entry lines checked`);
});
