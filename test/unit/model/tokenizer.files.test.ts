/**
 * Tokenizer files: bad input gets a clear, located error; the fixture model folders load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelError } from '../../../src/model/errors';
import { loadTokenizer, tokenizerFromJson } from '../../../src/model/tokenizer';
import { gpt2TokenizerJson, HARD_CASES } from './tokenizerSources';

function withFolder(files: Record<string, string>, run: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'headlight-tokenizer-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function throwsModelError(run: () => unknown, file: string, problem: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ModelError, `a ModelError, got ${String(error)}`);
    assert.equal(error.file, file);
    assert.match(error.problem, problem);
    assert.ok(error.message.startsWith(file));
    return true;
  });
}

const small = (overrides: Record<string, unknown>) => ({
  ...{ version: '1.0', added_tokens: [], normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null },
  model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', vocab: { '[UNK]': 0, a: 1 } },
  ...overrides,
});

test('a folder without tokenizer.json: the file, and the slow-tokenizer files it has instead', () => {
  withFolder({ 'vocab.txt': '[UNK]\na\n', 'config.json': '{}' }, (dir) => {
    throwsModelError(() => loadTokenizer(dir), join(dir, 'tokenizer.json'), /^not found: .*tokenizer\.json.*vocab\.txt/);
  });
});

test('invalid JSON is located by line, column and byte', () => {
  const text = '{\n  "version": "1.0",\n  "model": { "type": "BPE", }\n}\n';
  withFolder({ 'tokenizer.json': text }, (dir) => {
    throwsModelError(() => loadTokenizer(dir), join(dir, 'tokenizer.json'), /^is not valid JSON: at line 3, column 29 \(byte 50\) expected a property name in double quotes, found "}"/);
  });
  withFolder({ 'tokenizer.json': JSON.stringify(small({})), 'tokenizer_config.json': '{"bos_token": "é' }, (dir) => {
    throwsModelError(() => loadTokenizer(dir), join(dir, 'tokenizer_config.json'), /^is not valid JSON: at line 1, column 17 \(byte 17\) expected a closing quote, found the end of the file/);
  });
});

test('an unsupported model type names the supported ones', () => {
  throwsModelError(
    () => tokenizerFromJson(small({ model: { type: 'WordLevel', vocab: { a: 0 }, unk_token: 'a' } }), undefined, 'm/tokenizer.json'),
    'm/tokenizer.json',
    /^model\.type "WordLevel" is not a tokenizer model Headlight can run \(supported: BPE, WordPiece, Unigram\)$/,
  );
  throwsModelError(() => tokenizerFromJson(small({ model: undefined }), undefined, 'm/tokenizer.json'), 'm/tokenizer.json', /has no "model" object/);
  throwsModelError(() => tokenizerFromJson([], undefined, 'm/tokenizer.json'), 'm/tokenizer.json', /top level must be a JSON object/);
});

test('an unsupported component is named by its JSON path, with the supported list', () => {
  throwsModelError(
    () => tokenizerFromJson(small({ pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Whitespace' }, { type: 'UnicodeScripts' }] } }), undefined, 'm/tokenizer.json'),
    'm/tokenizer.json',
    /^pre_tokenizer\.pretokenizers\[1\]\.type "UnicodeScripts" is not a pre-tokenizer Headlight can run \(supported: BertPreTokenizer, .*Metaspace, ByteLevel/,
  );
  throwsModelError(() => tokenizerFromJson(small({ normalizer: { type: 'Nmt' } }), undefined, 'm/tokenizer.json'), 'm/tokenizer.json', /^normalizer\.type "Nmt" is not a normalizer/);
  throwsModelError(
    () => tokenizerFromJson(small({ pre_tokenizer: { type: 'Split', pattern: { String: '-' }, behavior: 'MergedWithPrevious', invert: false } }), undefined, 'm/tokenizer.json'),
    'm/tokenizer.json',
    /^pre_tokenizer\.behavior "MergedWithPrevious" is not supported .*\(supported: Isolated, Removed\)/,
  );
  throwsModelError(() => tokenizerFromJson(small({ added_tokens: [{ id: 'x' }] }), undefined, 'm/tokenizer.json'), 'm/tokenizer.json', /^added_tokens\[0\] must have/);
});

test('a regex the library cannot translate becomes a ModelError naming the file', () => {
  const json = { ...gpt2TokenizerJson(), pre_tokenizer: { type: 'Split', pattern: { Regex: '[[:^alpha:]&&' }, behavior: 'Isolated', invert: false } };
  throwsModelError(() => tokenizerFromJson(json, undefined, 'g/tokenizer.json'), 'g/tokenizer.json', /^@huggingface\/tokenizers cannot build this tokenizer: /);
});

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'models');
const KINDS: Record<string, string> = { gpt2: 'BPE', roberta: 'BPE', qwen2: 'BPE', llama: 'BPE', mistral: 'BPE', bert: 'WordPiece', distilbert: 'WordPiece' };

test('every fixture model folder loads; its ids equal the library’s and its offsets stay inside the text', () => {
  const folders = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((d) => existsSync(join(FIXTURES, d, 'tokenizer.json'))) : [];
  assert.ok(folders.length >= 5, `fixture folders with a tokenizer: ${folders.join(', ')}`);
  for (const folder of folders) {
    const dir = join(FIXTURES, folder);
    const tokenizer = loadTokenizer(dir);
    if (KINDS[folder]) assert.equal(tokenizer.kind, KINDS[folder], folder);
    const configFile = join(dir, 'tokenizer_config.json');
    const library = new Tokenizer(JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')), existsSync(configFile) ? JSON.parse(readFileSync(configFile, 'utf8')) : {});
    for (const text of HARD_CASES) {
      const encoded = tokenizer.encode(text);
      assert.deepEqual(encoded.ids, library.encode(text).ids, `${folder}: ${JSON.stringify(text.slice(0, 40))}`);
      for (const offset of encoded.offsets) if (offset) assert.ok(offset[0] >= 0 && offset[0] <= offset[1] && offset[1] <= text.length);
      assert.ok(encoded.ids.every((id) => id >= 0 && id < tokenizer.vocabSize), `${folder}: ids below vocabSize ${tokenizer.vocabSize}`);
    }
  }
});
