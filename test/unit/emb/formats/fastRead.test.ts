/**
 * The word2vec fast path (formats/word2vec/fastRead.ts, used by the binary worker) against the
 * careful reader (word2vec/read.ts) on the files made by real tools (gensim without row newlines,
 * word2vec.c with them) and on files with the odd rows the fast path must either read the same way
 * or hand back (returning undefined): tokens, every float bit, norms, problems. Small row blocks
 * make the rows cross block boundaries and the window move inside a block.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assembleBinary, rowNorm, type RowsToAssemble } from '../../../../src/emb/formats/binaryRows';
import { readBytes } from '../../../../src/emb/formats/byteWindow';
import { readWord2vecFileFast } from '../../../../src/emb/formats/word2vec/fastRead';
import { readWord2vecBinary } from '../../../../src/emb/formats/word2vec/read';
import { allocateRows, scanMemoryOf, sharedRowsSupported } from '../../../../src/emb/rowMemory';
import { copyAllRows } from '../../../../src/emb/store';
import type { ParsedEmb } from '../../../../src/emb/types';

const BIN = path.join(__dirname, '..', '..', '..', 'fixtures', 'emb', 'bin');
const encoder = new TextEncoder();
let dir = '';

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headlight-fastread-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function fast(bytes: Uint8Array, rowsPerBlock?: number): ParsedEmb | undefined {
  const file = path.join(dir, `f${Math.random().toString(36).slice(2)}.bin`);
  fs.writeFileSync(file, bytes);
  const fd = fs.openSync(file, 'r');
  try {
    const rows: RowsToAssemble | undefined = readWord2vecFileFast(fd, bytes.length, { name: 'embeddings', rowsPerBlock });
    return rows && readBytes(new Uint8Array(0), () => assembleBinary(rows));
  } finally {
    fs.closeSync(fd);
  }
}

function careful(bytes: Uint8Array): ParsedEmb {
  return readBytes(bytes, (w) => readWord2vecBinary(w, { name: 'embeddings' }));
}

function assertSame(actual: ParsedEmb, expected: ParsedEmb): void {
  assert.deepEqual(actual.store.vocabulary.toArray(), expected.store.vocabulary.toArray());
  const bits = (p: ParsedEmb) => Array.from(new Uint32Array(copyAllRows(p.store).buffer));
  assert.deepEqual(bits(actual), bits(expected));
  assert.deepEqual(Array.from(actual.store.norms), Array.from(expected.store.norms));
  assert.deepEqual(actual.problems, expected.problems);
  for (const token of expected.store.vocabulary.toArray().slice(0, 50)) {
    assert.equal(actual.store.indexOf(token), expected.store.indexOf(token));
    assert.equal(actual.store.lookup(token.toUpperCase()), expected.store.lookup(token.toUpperCase()));
  }
}

function word2vec(rows: readonly [string | Uint8Array, readonly number[]][], options: { newline?: boolean; tail?: string } = {}): Uint8Array {
  const dim = rows[0]![1].length;
  const parts: Uint8Array[] = [encoder.encode(`${rows.length} ${dim}\n`)];
  for (const [token, values] of rows) {
    parts.push(typeof token === 'string' ? encoder.encode(token) : token, Uint8Array.of(0x20), new Uint8Array(Float32Array.from(values).buffer));
    if (options.newline) parts.push(Uint8Array.of(0x0a));
  }
  if (options.tail) parts.push(encoder.encode(options.tail));
  return Buffer.concat(parts);
}

const skip = !sharedRowsSupported() && 'needs shared wasm memory';

test('gensim and word2vec.c binaries: the fast path reads what the careful reader reads, across small blocks', { skip }, () => {
  for (const name of ['gensim.bin', 'word2vec-c.bin']) {
    const bytes = new Uint8Array(fs.readFileSync(path.join(BIN, name)));
    const expected = careful(bytes);
    for (const per of [undefined, 1, 7, 64]) {
      const actual = fast(bytes, per);
      assert.ok(actual, `${name}, ${per ?? 'default'} rows a block: the fast path read it`);
      assertSame(actual, expected);
    }
  }
});

test('duplicates, case variants, non-ASCII, invalid UTF-8, NaN rows and trailing bytes read as the careful reader reads them', { skip }, () => {
  const rows: [string | Uint8Array, number[]][] = [];
  for (let i = 0; i < 300; i++) {
    const values = Array.from({ length: 5 }, (_, d) => Math.sin(i * 7 + d) * (d + 1));
    const token =
      i % 50 === 7 ? `w${i - 5}` // a duplicate
        : i % 31 === 3 ? `Apple${i % 2 ? '' : i}`
          : i % 23 === 1 ? `naïve-${i}-😀`
            : i % 41 === 2 ? Uint8Array.of(0x77, 0xff, 0x30 + (i % 10), 0x78)
              : i === 101 ? '\uFEFFbom'
                : `w${i}`;
    if (i % 67 === 9) values[2] = Number.NaN;
    rows.push([token, values]);
  }
  for (const newline of [false, true]) {
    for (const tail of [undefined, '\n\n', 'junk']) {
      const bytes = word2vec(rows, { newline, tail });
      const actual = fast(bytes, 16);
      assert.ok(actual, `newline ${newline}, tail ${tail}: read by the fast path`);
      assertSame(actual, careful(bytes));
    }
  }
});

test('files the fast path hands back to the careful reader: truncated, a lying header, an empty token, control bytes', { skip }, () => {
  const rows: [string, number[]][] = Array.from({ length: 40 }, (_, i) => [`w${i}`, [i, 1, 2, 3]]);
  const whole = word2vec(rows);
  assert.equal(fast(whole.subarray(0, whole.length - 3)), undefined);
  assert.equal(fast(Buffer.concat([encoder.encode('41 4\n'), whole.subarray(whole.indexOf(0x0a) + 1)])), undefined);
  assert.equal(fast(word2vec([...rows.slice(0, 5), ['', [1, 2, 3, 4]], ...rows.slice(5)])), undefined);
  assert.equal(fast(word2vec([...rows.slice(0, 5), ['a\u0001b', [1, 2, 3, 4]]])), undefined);
});

test('the preview: the header and the first tokens in file order, before the read ends', { skip }, () => {
  const bytes = new Uint8Array(fs.readFileSync(path.join(BIN, 'word2vec-c.bin')));
  const expected = careful(bytes);
  const file = path.join(dir, 'preview.bin');
  fs.writeFileSync(file, bytes);
  const fd = fs.openSync(file, 'r');
  const previews: { count: number; dim: number; tokens: readonly string[] }[] = [];
  try {
    readWord2vecFileFast(fd, bytes.length, { name: 'embeddings', previewRows: 40, onPreview: (p) => previews.push(p) });
  } finally {
    fs.closeSync(fd);
  }
  assert.equal(previews.length, 1);
  assert.equal(previews[0]!.count, expected.store.count);
  assert.equal(previews[0]!.dim, expected.store.dim);
  assert.deepEqual(previews[0]!.tokens, expected.store.vocabulary.toArray().slice(0, 40));
});

test('the scan kernel\'s norms give rowNorm\'s bits (every dim mod 4, tiny, huge and negative values)', { skip }, () => {
  let seed = 7;
  const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  for (const dim of [1, 2, 3, 4, 5, 7, 8, 9, 16, 299, 300, 301]) {
    const rows = 64;
    const block = allocateRows(rows, dim, { shared: true });
    for (let i = 0; i < block.length; i++) block[i] = random() * 10 ** Math.round(random() * 30);
    const kernel = scanMemoryOf(block);
    assert.ok(kernel?.spare, 'a shared block has a spare scratch area');
    kernel.norms(0, rows, dim, kernel.spare.offset);
    const got = new Float32Array(block.buffer, kernel.spare.offset, rows);
    for (let r = 0; r < rows; r++) assert.equal(got[r], Math.fround(rowNorm(block, r * dim, dim)), `dim ${dim}, row ${r}`);
  }
});
