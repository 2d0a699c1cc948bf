/**
 * Bad binary input: every problem is located by byte offset, nothing throws, and the rows before
 * the damage still load. The damaged files are cut or patched from the committed fixtures here
 * (test/fixtures/emb/bin, made by real tools); the expected offsets follow from the layout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readBytes } from '../../../../src/emb/formats/byteWindow';
import { detectFormat } from '../../../../src/emb/formats/detect';
import { readWord2vecBinary } from '../../../../src/emb/formats/word2vec/read';
import { copyAllRows } from '../../../../src/emb/store';
import { parseEmbFileBytes } from '../../../../src/emb/loadFile';
import type { ParsedEmb } from '../../../../src/emb/types';

const BIN = path.join(__dirname, '..', '..', '..', 'fixtures', 'emb', 'bin');
const read = (name: string) => new Uint8Array(readFileSync(path.join(BIN, name)));
const gensimBin = read('gensim.bin');
const encoder = new TextEncoder();

function errors(parsed: ParsedEmb) {
  return parsed.problems.filter((p) => p.severity === 'error');
}

/** A word2vec binary written here from rows, gensim's layout (no newline after a row). */
function word2vec(rows: readonly [string | Uint8Array, readonly number[]][], header?: string): Uint8Array {
  const dim = rows[0]![1].length;
  const parts: Uint8Array[] = [encoder.encode(header ?? `${rows.length} ${dim}\n`)];
  for (const [token, values] of rows) {
    parts.push(typeof token === 'string' ? encoder.encode(token) : token, Uint8Array.of(0x20), new Uint8Array(Float32Array.from(values).buffer));
  }
  return Buffer.concat(parts);
}

/** Offset where row r starts in a gensim.bin-layout file (header, then token + space + 4·dim bytes a row). */
function rowOffsets(bytes: Uint8Array, count: number, dim: number): number[] {
  const offsets: number[] = [];
  let at = bytes.indexOf(0x0a) + 1;
  for (let r = 0; r < count; r++) {
    offsets.push(at);
    at = bytes.indexOf(0x20, at) + 1 + 4 * dim;
  }
  return offsets;
}

test('a truncated word2vec file: the complete rows load, one error at the byte where the cut row starts', () => {
  const whole = parseEmbFileBytes(gensimBin);
  const offsets = rowOffsets(gensimBin, whole.store.count, whole.store.dim);
  const cut = gensimBin.subarray(0, offsets[100]! + 7); // inside row 101's token or floats
  const parsed = parseEmbFileBytes(cut);
  assert.equal(parsed.store.count, 100);
  const [error, ...more] = errors(parsed);
  assert.equal(more.length, 0);
  assert.equal(error!.code, 'truncated');
  assert.equal(error!.byteOffset, offsets[100]);
  assert.match(error!.message, /^The header says 300 rows of 16 float32 values, but the file ends within row 101 \(100 complete rows loaded\)/);
  assert.deepEqual(Array.from(parsed.store.vector(99)), Array.from(whole.store.vector(99)));
});

test('a lying header: more rows announced than the file holds is an error at the end; fewer is a warning on the extra bytes', () => {
  const body = gensimBin.subarray(gensimBin.indexOf(0x0a) + 1);
  const more = parseEmbFileBytes(Buffer.concat([encoder.encode('1000000000 16\n'), body]));
  assert.equal(more.store.count, 300, 'every row there is, and no allocation for the rows that are not');
  assert.equal(errors(more)[0]!.code, 'truncated');
  assert.equal(errors(more)[0]!.byteOffset, gensimBin.length - gensimBin.indexOf(0x0a) - 1 + '1000000000 16\n'.length);
  const fewer = parseEmbFileBytes(Buffer.concat([encoder.encode('200 16\n'), body]));
  assert.equal(fewer.store.count, 200);
  assert.deepEqual(errors(fewer), []);
  const warning = fewer.problems.find((p) => p.code === 'header-count');
  assert.ok(warning && warning.byteOffset === rowOffsets(gensimBin, 300, 16)[200]! - gensimBin.indexOf(0x0a) - 1 + '200 16\n'.length);
  const wrongDim = parseEmbFileBytes(Buffer.concat([encoder.encode('300 24\n'), body]));
  assert.ok(errors(wrongDim).length === 1 && wrongDim.store.count < 300, 'a wrong dimension ends in one located error');
  assert.ok(errors(wrongDim)[0]!.byteOffset! > 0);
  const noHeader = parseEmbFileBytes(encoder.encode('hello\u0000world'), { format: 'word2vec' });
  assert.equal(errors(noHeader)[0]!.code, 'binary-header');
  assert.equal(errors(noHeader)[0]!.byteOffset, 0);
});

test('a zero-length token, a duplicate, a non-UTF-8 token, a NaN row and a token with a line break are each located', () => {
  const bytes = word2vec([
    ['apple', [1, 0]],
    ['', [0, 1]],
    ['apple', [5, 5]],
    [Uint8Array.of(0x62, 0xff, 0x63), [2, 2]],
    ['nan', [Number.NaN, 1]],
    ['line\nbreak', [3, 1]],
    ['pear', [0, 2]],
  ]);
  const parsed = parseEmbFileBytes(bytes);
  assert.equal(parsed.format, 'word2vec');
  assert.deepEqual(parsed.store.vocabulary.toArray(), ['apple', 'b\uFFFDc', 'line\u2424break', 'pear']);
  assert.deepEqual(Array.from(parsed.store.vector(parsed.store.indexOf('apple'))), [1, 0], 'the first row of a duplicate wins');
  assert.deepEqual(Array.from(parsed.store.vector(3)), [0, 2]);
  const row = (r: number) => 4 + [0, 14, 23, 37, 49, 61][r]!; // "7 2\n" then token + space + 8 bytes a row
  assert.deepEqual(
    parsed.problems.map((p) => [p.code, p.byteOffset]),
    [
      ['empty-token', row(1)],
      ['duplicate-token', row(2)],
      ['invalid-utf8', row(3)],
      ['non-finite', row(4)],
      ['token-newline', row(5)],
    ],
  );
});

test('fastText: a supervised classifier and a quantised .ftz (both made by the fasttext CLI) are refused with the reason', () => {
  const supervised = parseEmbFileBytes(read('supervised.bin'));
  assert.equal(supervised.format, 'fasttext');
  assert.equal(supervised.store.count, 0);
  assert.equal(errors(supervised)[0]!.code, 'unsupported-model');
  assert.match(errors(supervised)[0]!.message, /supervised fastText model \(a text classifier/);
  const quantised = parseEmbFileBytes(read('quantised.ftz'));
  assert.equal(quantised.format, 'fasttext');
  assert.equal(errors(quantised)[0]!.code, 'unsupported-model');
  assert.match(errors(quantised)[0]!.message, /supervised|quantised/);
  // The quant flag alone (an unsupervised model with the flag set) is refused as quantised.
  const model = read('skipgram.bin');
  const whole = parseEmbFileBytes(model);
  const flagAt = quantFlagOffset(model);
  const patched = model.slice();
  patched[flagAt] = 1;
  const refused = parseEmbFileBytes(patched);
  assert.equal(errors(refused)[0]!.byteOffset, flagAt);
  assert.match(errors(refused)[0]!.message, /quantised fastText model \(\.ftz/);
  assert.ok(whole.store.count > 500);
});

test('fastText: a truncated model and an unknown version are located errors', () => {
  const model = read('skipgram.bin');
  const cut = parseEmbFileBytes(model.subarray(0, model.length - 300_000 > 0 ? model.length - 300_000 : Math.floor(model.length / 2)));
  assert.equal(errors(cut)[0]!.code, 'truncated');
  const version = model.slice();
  new DataView(version.buffer).setInt32(4, 99, true);
  const unknown = parseEmbFileBytes(version);
  assert.equal(errors(unknown)[0]!.byteOffset, 4);
  assert.match(errors(unknown)[0]!.message, /version 99/);
});

test('detection by content: fastText magic, word2vec binary, text (.vec by fastText, word2vec text header)', () => {
  assert.equal(detectFormat(read('skipgram.bin')).format, 'fasttext');
  assert.equal(detectFormat(read('supervised.bin')).format, 'fasttext');
  assert.equal(detectFormat(read('gensim.bin')).format, 'word2vec');
  assert.equal(detectFormat(read('word2vec-c.bin')).format, 'word2vec');
  assert.equal(detectFormat(read('skipgram.vec')).format, 'text', 'a .vec starts with "V D\\n" too, followed by text');
  assert.equal(detectFormat(encoder.encode('apple 0.1 0.2\n')).format, 'text');
  assert.equal(detectFormat(new Uint8Array(0)).format, 'text');
  // The older fastText layout: no magic, dim and ws first.
  const old = oldFormat(read('skipgram.bin'));
  assert.equal(detectFormat(old).format, 'fasttext');
});

test('the older fastText layout without magic (no version, no pruneidx, no quant flag) reads as the new one', () => {
  const model = read('skipgram.bin');
  const a = parseEmbFileBytes(model);
  const b = parseEmbFileBytes(oldFormat(model));
  assert.deepEqual(b.problems, []);
  assert.deepEqual(b.store.vocabulary.toArray(), a.store.vocabulary.toArray());
  for (let i = 0; i < a.store.count; i += 50) assert.deepEqual(Array.from(b.store.vector(i)), Array.from(a.store.vector(i)));
  assert.deepEqual(Array.from(b.store.vectorFor('headlight')!.vector), Array.from(a.store.vectorFor('headlight')!.vector));
});

/** The dictionary's end in a new-format model: after the header, the entries and the pruneidx table. */
function dictionaryEnd(model: Uint8Array): { entriesAt: number; pruneAt: number; end: number } {
  const view = new DataView(model.buffer, model.byteOffset, model.byteLength);
  const dictionaryAt = 8 + 48 + 8;
  const size = view.getInt32(dictionaryAt, true);
  const pruneidx = Number(view.getBigInt64(dictionaryAt + 20, true));
  let at = dictionaryAt + 28;
  const entriesAt = at;
  for (let i = 0; i < size; i++) at = model.indexOf(0, at) + 1 + 9;
  return { entriesAt, pruneAt: at, end: at + Math.max(0, pruneidx) * 8 };
}

function quantFlagOffset(model: Uint8Array): number {
  return dictionaryEnd(model).end;
}

/** Rewrites a new-format model in the older layout (what fastText before 0.2 wrote). */
function oldFormat(model: Uint8Array): Uint8Array {
  const { entriesAt, pruneAt, end } = dictionaryEnd(model);
  const args = model.subarray(8, 8 + 56); // dim, ws, … t
  const dictionaryHeader = model.subarray(64, 64 + 20); // size, nwords, nlabels, ntokens (no pruneidx size)
  void pruneAt;
  return Buffer.concat([args, dictionaryHeader, model.subarray(entriesAt, end - 0), model.subarray(end + 1)]);
}

test('rows across many blocks (7 rows a block) read exactly as in one block: no row twice, none lost, neighbours the same', () => {
  for (const name of ['gensim.bin', 'word2vec-c.bin']) {
    const bytes = read(name);
    const one = readBytes(bytes, (w) => readWord2vecBinary(w));
    const many = readBytes(bytes, (w) => readWord2vecBinary(w, { rowsPerBlock: 7 }));
    assert.equal(many.store.blocks.length, Math.ceil(300 / 7));
    assert.deepEqual(many.problems, []);
    assert.deepEqual(many.store.vocabulary.toArray(), one.store.vocabulary.toArray());
    assert.deepEqual(Array.from(copyAllRows(many.store)), Array.from(copyAllRows(one.store)));
    assert.deepEqual(Array.from(many.store.norms), Array.from(one.store.norms));
  }
  // A duplicate and a dropped row across block boundaries compact the same way too.
  const rows = Array.from({ length: 30 }, (_, i): [string, number[]] => [i === 17 ? 't3' : `t${i}`, [i, i === 9 ? Number.NaN : 1]]);
  const file = word2vec(rows);
  const a = readBytes(file, (w) => readWord2vecBinary(w));
  const b = readBytes(file, (w) => readWord2vecBinary(w, { rowsPerBlock: 4 }));
  assert.deepEqual(b.store.vocabulary.toArray(), a.store.vocabulary.toArray());
  assert.deepEqual(Array.from(copyAllRows(b.store)), Array.from(copyAllRows(a.store)));
  assert.deepEqual(b.problems.map((p) => p.code), ['non-finite', 'duplicate-token']);
});
