/**
 * fastText .bin models (fastText's src/fasttext.cc saveModel; gensim/models/_fasttext_bin.py load).
 *
 * Layout (little-endian): [int32 magic 793712314, int32 version 11|12 — absent in older files];
 * args: int32 dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn,
 * lrUpdateRate, float64 t (older files: the same without dim and ws first, which the magic's and
 * version's places hold); dictionary: int32 size, nwords, nlabels, int64 ntokens, [int64
 * pruneidxSize], size × (word bytes, NUL, int64 count, int8 type), [pruneidxSize × 2 int32];
 * input matrix: [bool quant], int64 rows, int64 cols, rows·cols float32, rows = nwords + bucket
 * (the words' rows, then the n-gram buckets'); then the output matrix, which we do not read.
 * Refused, with the reason: quantised models (.ftz: quant = 1; their rows are product-quantised
 * codes, not floats) and supervised classifiers (model = sup or labels in the dictionary: their
 * rows are trained for labels, not for word similarity) — as gensim refuses them.
 * Vectors: subwords.ts (in-vocabulary words: the mean of the word's row and its n-gram rows, as
 * gensim's load_facebook_vectors; other words from their n-grams, `store.vectorFor`).
 * Legend: W words (nwords), B buckets, D dims.
 */
import { allocateRowBlocks, rowsPerBlock } from '../../rowMemory';
import type { ParsedEmb } from '../../types';
import { BinaryProblems, TokenText, assembleBinary, failed, type RowsToAssemble } from '../binaryRows';
import { FASTTEXT_MAGIC, FASTTEXT_VERSIONS } from '../detect';
import { NEED_BYTES, PAUSE, type BinaryReader, type ByteWindow } from '../byteWindow';
import { FastTextSubwords, ngramBuckets } from './subwords';

export interface FastTextReadOptions {
  readonly name?: string;
  /** Rows in shared memory (a worker thread reads them for the main thread: binaryWorker.ts). */
  readonly sharedRows?: boolean;
}

export interface FastTextArgs {
  readonly dim: number;
  readonly ws: number;
  readonly epoch: number;
  readonly minCount: number;
  readonly neg: number;
  readonly wordNgrams: number;
  readonly loss: number;
  readonly model: number;
  readonly bucket: number;
  readonly minn: number;
  readonly maxn: number;
  readonly lrUpdateRate: number;
  readonly t: number;
}

const MODEL_SUPERVISED = 3;
const MAX_WORD_BYTES = 1 << 16;
const ROWS_PER_PAUSE = 512;

export function* readFastTextBin(w: ByteWindow, options: FastTextReadOptions = {}): BinaryReader<ParsedEmb> {
  const rows = yield* readFastTextRows(w, options);
  return 'store' in rows ? rows : yield* assembleBinary(rows);
}

/** The word vectors (composed) and n-gram rows, before the vocabulary (assembleBinary), or a failed result. */
export function* readFastTextRows(w: ByteWindow, options: FastTextReadOptions = {}): BinaryReader<RowsToAssemble | ParsedEmb> {
  const name = options.name ?? 'embeddings';
  const problems = new BinaryProblems();
  const fail = (code: 'binary-header' | 'truncated' | 'unsupported-model', offset: number, message: string): ParsedEmb => {
    problems.add(code, 'error', offset, message);
    return failed(name, 'fasttext-bin', 'fasttext', problems);
  };
  const offset = () => w.base + w.at;
  /** Makes n bytes available at w.at; false at the end of the file. */
  function* need(n: number): Generator<typeof NEED_BYTES, boolean> {
    while (w.end - w.at < n) {
      if (w.eof) return false;
      yield NEED_BYTES;
    }
    return true;
  }
  const view = () => new DataView(w.bytes.buffer, w.bytes.byteOffset, w.bytes.byteLength);
  const int32 = () => {
    const v = view().getInt32(w.at, true);
    w.at += 4;
    return v;
  };
  const int64 = () => {
    const v = Number(view().getBigInt64(w.at, true));
    w.at += 8;
    return v;
  };

  // 1. Magic, version, args.
  if (!(yield* need(64))) return fail('truncated', offset(), 'the file is too short for a fastText header (64 bytes).');
  const first = int32();
  const second = int32();
  const newFormat = first === FASTTEXT_MAGIC;
  if (newFormat && !FASTTEXT_VERSIONS.includes(second)) {
    return fail('unsupported-model', 4, `fastText file version ${second}; versions ${FASTTEXT_VERSIONS.join(' and ')} (and the older files without a version) can be read.`);
  }
  const ints = (n: number) => Array.from({ length: n }, () => int32());
  const [dim, ws] = newFormat ? ints(2) : [first, second];
  const [epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate] = ints(10);
  const t = view().getFloat64(w.at, true);
  w.at += 8;
  const args: FastTextArgs = { dim: dim!, ws: ws!, epoch: epoch!, minCount: minCount!, neg: neg!, wordNgrams: wordNgrams!, loss: loss!, model: model!, bucket: bucket!, minn: minn!, maxn: maxn!, lrUpdateRate: lrUpdateRate!, t };
  if (args.model === MODEL_SUPERVISED) {
    return fail('unsupported-model', newFormat ? 36 : 20, 'this is a supervised fastText model (a text classifier, model = sup): its vectors are trained to predict labels, not to place similar words together, so it is not loaded as word embeddings. Train with `fasttext skipgram` or `fasttext cbow` for word vectors.');
  }
  if (!(args.dim >= 1) || args.dim > 1 << 20 || args.bucket < 0 || args.minn < 0 || args.maxn < 0) {
    return fail('binary-header', newFormat ? 8 : 0, `the fastText header is not plausible (dim ${args.dim}, bucket ${args.bucket}, minn ${args.minn}, maxn ${args.maxn}).`);
  }

  // 2. Dictionary.
  const dictionaryAt = offset();
  if (!(yield* need(newFormat ? 28 : 20))) return fail('truncated', offset(), 'the file ends inside the dictionary header.');
  const size = int32();
  const nwords = int32();
  const nlabels = int32();
  int64(); // ntokens
  // −1 when the model was never pruned (fastText's Dictionary pruneidx_size_ default).
  const pruneidxSize = Math.max(0, newFormat ? int64() : 0);
  if (nlabels > 0) {
    return fail('unsupported-model', dictionaryAt + 8, `the dictionary has ${nlabels} label${nlabels === 1 ? '' : 's'}: this is a supervised fastText model (a text classifier), not word embeddings.`);
  }
  if (size < 0 || nwords < 0 || nwords > size || pruneidxSize < 0 || size > w.size) {
    return fail('binary-header', dictionaryAt, `the dictionary header is not plausible (${size} entries, ${nwords} words).`);
  }
  const tokens = new TokenText();
  const wordBytes: Uint8Array[] = [];
  const wordOffset = new Float64Array(nwords);
  const hasToken = new Uint8Array(nwords);
  for (let i = 0; i < size; i++) {
    const at = offset();
    let nul = -1;
    for (let searched = 0; ; ) {
      nul = w.bytes.subarray(0, w.end).indexOf(0, w.at + searched);
      if (nul >= 0 || w.eof || w.end - w.at > MAX_WORD_BYTES) break;
      searched = w.end - w.at;
      yield NEED_BYTES;
    }
    if (nul < 0) return fail('truncated', at, `the file ends inside dictionary entry ${i + 1} of ${size} (no NUL ending the word).`);
    const wordLength = nul - w.at;
    if (!(yield* need(wordLength + 10))) return fail('truncated', at, `the file ends inside dictionary entry ${i + 1} of ${size}.`);
    const start = w.at;
    if (i < nwords) {
      hasToken[i] = tokens.add(w.bytes, start, start + wordLength, at, problems) ? 1 : 0;
      wordBytes.push(w.bytes.slice(start, start + wordLength));
      wordOffset[i] = at;
    }
    w.at = start + wordLength + 1 + 8 + 1; // word, NUL, int64 count, int8 type
    if (i % ROWS_PER_PAUSE === 0) yield PAUSE;
  }
  if (!(yield* need(pruneidxSize * 8))) return fail('truncated', offset(), 'the file ends inside the pruned-index table.');
  w.at += pruneidxSize * 8;

  // 3. Input matrix header.
  const matrixAt = offset();
  if (!(yield* need(newFormat ? 17 : 16))) return fail('truncated', matrixAt, 'the file ends before the input matrix.');
  if (newFormat && w.bytes[w.at++] !== 0) {
    return fail('unsupported-model', matrixAt, 'this is a quantised fastText model (.ftz: the input matrix is product-quantised codes, not float32 rows); quantised models cannot be read. Use the .bin the model was quantised from.');
  }
  const rows = int64();
  const cols = int64();
  if (cols !== args.dim || rows !== nwords + args.bucket) {
    return fail('binary-header', matrixAt, `the input matrix is ${rows} × ${cols}; expected ${nwords + args.bucket} × ${args.dim} (${nwords} words + ${args.bucket} buckets, dim ${args.dim}).`);
  }
  const rowBytes = args.dim * 4;
  if (w.size - offset() < rows * rowBytes) {
    return fail('truncated', offset(), `the input matrix needs ${rows * rowBytes} bytes of float32 rows, but the file has ${w.size - offset()} left: it is truncated.`);
  }

  // 4. Rows: the words' into the store's blocks, the buckets' into the subword blocks.
  const D = args.dim;
  const per = rowsPerBlock(D);
  const wordBlocks = allocateRowBlocks(nwords, D, { shared: options.sharedRows });
  const bucketBlocks = allocateRowBlocks(args.bucket, D, { shared: options.sharedRows });
  for (const [blocks, count] of [[wordBlocks, nwords], [bucketBlocks, args.bucket]] as const) {
    let done = 0;
    while (done < count) {
      const available = Math.floor((w.end - w.at) / rowBytes);
      if (available === 0) {
        if (!(yield* need(rowBytes))) return fail('truncated', offset(), 'the file ends inside the input matrix.');
        continue;
      }
      const b = Math.floor(done / per);
      const inBlock = done - b * per;
      const take = Math.min(available, per - inBlock, count - done, ROWS_PER_PAUSE * 8);
      const block = blocks[b]!;
      new Uint8Array(block.buffer, block.byteOffset + inBlock * rowBytes, take * rowBytes).set(w.bytes.subarray(w.at, w.at + take * rowBytes));
      w.at += take * rowBytes;
      done += take;
      yield PAUSE;
    }
  }
  const subwords = new FastTextSubwords(D, args.minn, args.maxn, args.bucket, bucketBlocks, per);

  // 5. In-vocabulary vectors, in place: (row + Σ n-gram rows) / (1 + n), in float32 (subwords.ts).
  const norms = new Float32Array(nwords);
  const sum = new Float32Array(D);
  // Plain functions do the per-word work (the JIT optimises them at once; see word2vec/read.ts).
  for (let i = 0; i < nwords; i++) {
    const b = Math.floor(i / per);
    const o = (i - b * per) * D;
    norms[i] = composeWordVector(wordBlocks[b]!.subarray(o, o + D), wordBytes[i]!, args, subwords, sum);
    if (i % ROWS_PER_PAUSE === 0) yield PAUSE;
  }
  return {
    name,
    layout: 'fasttext-bin',
    format: 'fasttext',
    dim: D,
    tokens,
    blocks: wordBlocks,
    rowsPerBlock: per,
    rowsRead: nwords,
    hasToken,
    norms,
    rowOffset: wordOffset,
    problems,
    subwords,
  };
}

/**
 * Replaces a word's row by (row + Σ its n-gram rows) / (1 + n), summed in float32 in gensim's
 * order (subwords.ts); returns the result's ‖·‖₂. `sum` is scratch of length dim.
 */
function composeWordVector(row: Float32Array, wordBytes: Uint8Array, args: FastTextArgs, subwords: FastTextSubwords, sum: Float32Array): number {
  const D = row.length;
  const buckets = args.bucket > 0 ? ngramBuckets(wordBytes, args.minn, args.maxn, args.bucket) : [];
  if (buckets.length > 0) {
    sum.set(row);
    for (const h of buckets) {
      const ngram = subwords.row(h);
      for (let d = 0; d < D; d++) sum[d]! += ngram[d]!;
    }
    const n = buckets.length + 1;
    for (let d = 0; d < D; d++) row[d] = sum[d]! / n;
  }
  let squares = 0;
  for (let d = 0; d < D; d++) squares += row[d]! * row[d]!;
  return Math.sqrt(squares);
}
