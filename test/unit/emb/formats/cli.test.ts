/**
 * The CLI on binary files: neighbors, similarity, analogy, vector and check, against gensim's
 * readings (expected.json) and the fixtures' known damage; --format overrides detection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../../../src/cli/main';
import type { CliIo } from '../../../../src/cli/io';
import { looksLikeEmbeddingLines } from '../../../../src/emb/formats/text/sniff';

const BIN = path.join(__dirname, '..', '..', '..', 'fixtures', 'emb', 'bin');
const expected = JSON.parse(fs.readFileSync(path.join(BIN, 'expected.json'), 'utf8')) as Record<string, { neighbours: Record<string, [string, number][]>; oov: Record<string, number[]> }>;

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), version: 'test' };
  const code = await main(argv, io);
  return { code, out, err };
}

test('neighbors --emb file.bin WORD --json: gensim\'s top-10 words (word2vec binary and fastText .bin)', async () => {
  for (const name of ['gensim.bin', 'skipgram.bin']) {
    const [word, want] = Object.entries(expected[name]!.neighbours)[3]!;
    const { code, out } = await run('neighbors', '--emb', path.join(BIN, name), word, '--json');
    assert.equal(code, 0);
    const got = JSON.parse(out) as { neighbors: { word: string; score: number }[] };
    assert.deepEqual(new Set(got.neighbors.map((n) => n.word)), new Set(want.map(([w]) => w)), `${name} ${word}`);
  }
});

test('vector and similarity on a fastText .bin accept words outside the vocabulary and say so', async () => {
  const [word, vector] = Object.entries(expected['skipgram.bin']!.oov)[0]!;
  const v = await run('vector', '--emb', path.join(BIN, 'skipgram.bin'), word, '--json');
  assert.equal(v.code, 0);
  const parsed = JSON.parse(v.out) as { word: string; vector: number[]; inVocabulary: boolean };
  assert.equal(parsed.inVocabulary, false);
  parsed.vector.forEach((x, d) => assert.ok(Math.abs(x - vector[d]!) < 1e-5));
  const s = await run('similarity', '--emb', path.join(BIN, 'skipgram.bin'), word, 'the');
  assert.equal(s.code, 0);
  assert.match(s.out, /is not in the vocabulary: its vector was built from subwords/);
  const missing = await run('neighbors', '--emb', path.join(BIN, 'gensim.bin'), 'headlight');
  assert.equal(missing.code, 1, 'a word2vec binary has no subwords: an unknown word exits 1');
  assert.match(missing.err, /"headlight" is not in the embeddings \(300 words\)/);
});

test('check reports a binary file\'s problems by byte offset and exits 1 on errors; refused models say why', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headlight-bin-'));
  try {
    const cut = path.join(dir, 'cut.bin');
    const whole = fs.readFileSync(path.join(BIN, 'gensim.bin'));
    fs.writeFileSync(cut, whole.subarray(0, whole.length - 10));
    const human = await run('check', cut);
    assert.equal(human.code, 1);
    assert.match(human.out, /cut\.bin: byte \d+: error: The header says 300 rows of 16 float32 values, but the file ends within row 300/);
    const json = await run('check', cut, '--json');
    const report = JSON.parse(json.out) as { format: string; count: number; problems: { byteOffset: number; code: string }[] };
    assert.equal(report.format, 'word2vec');
    assert.equal(report.count, 299);
    assert.equal(report.problems[0]!.code, 'truncated');
    assert.ok(report.problems[0]!.byteOffset > whole.length - 200);
    const supervised = await run('neighbors', '--emb', path.join(BIN, 'supervised.bin'), 'the');
    assert.equal(supervised.code, 1);
    assert.match(supervised.err, /supervised fastText model/);
    const forced = await run('check', path.join(BIN, 'gensim.bin'), '--format', 'text');
    assert.equal(forced.code, 1, 'read as text, a binary file is full of errors');
    const bad = await run('check', path.join(BIN, 'gensim.bin'), '--format', 'glove');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--format: expected auto, text, word2vec or fasttext/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the "Open as Embeddings" sniff: rows of a token and numbers, with or without a header; not prose or CSV', () => {
  const vec = fs.readFileSync(path.join(BIN, 'skipgram.vec'), 'utf8').split('\n').slice(0, 12);
  assert.equal(looksLikeEmbeddingLines(vec), true);
  assert.equal(looksLikeEmbeddingLines(['# dims: a b', 'apple 0.1 0.2', 'pear -1 2e-3']), true);
  assert.equal(looksLikeEmbeddingLines(['The quick brown fox', 'jumps over']), false);
  assert.equal(looksLikeEmbeddingLines(['a,b,c', '1,2,3']), false);
  assert.equal(looksLikeEmbeddingLines(['apple 0.1 0.2', 'pear 1 2 3']), false, 'rows of different widths');
  assert.equal(looksLikeEmbeddingLines(['3 2']), false, 'a header alone');
});
