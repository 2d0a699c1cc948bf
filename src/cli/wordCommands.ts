/**
 * `headlight similarity`, `neighbors` and `analogy`: word-level questions of one embedding set.
 * Human output shows the worked arithmetic the deck shows ("1·0 + 4·3 = 12 → 12/√2 = 8.49").
 */
import { parseArgs } from 'node:util';
import { similarity, workedArithmetic } from '../core';
import { analogy, nearest } from '../emb/neighbors';
import type { EmbeddingStore, WordVector } from '../emb/store';
import { CliError, fixed, openEmbeddings, parseFormatOption, parseMeasure, parsePositiveInt, table, type CliIo } from './io';

/** The word's vector: its row, or (fastText .bin) one built from its subwords; exit 1 when neither exists. */
function vectorOrThrow(store: EmbeddingStore, word: string): WordVector {
  const found = store.vectorFor(word);
  if (!found) throw new CliError(`"${word}" is not in the embeddings (${store.count} words)`, 1);
  return found;
}

function subwordNote(word: string): string {
  return `  ("${word}" is not in the vocabulary: its vector was built from subwords, its character n-grams)`;
}

export async function runSimilarityCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: { emb: { type: 'string' }, format: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.out('Usage: headlight similarity [--emb FILE] [--format auto|text|word2vec|fasttext] WORD WORD [--json]');
    return 0;
  }
  if (positionals.length !== 2) throw new CliError(`similarity: expected two words, got ${positionals.length}`);
  const [a = '', b = ''] = positionals;
  const { parsed } = await openEmbeddings(values.emb, io, parseFormatOption(values.format));
  const store = parsed.store;
  const foundA = vectorOrThrow(store, a);
  const foundB = vectorOrThrow(store, b);
  const va = foundA.vector;
  const vb = foundB.vector;
  const s = similarity(va, vb);
  if (values.json) {
    const built = [...(foundA.fromSubwords ? [a] : []), ...(foundB.fromSubwords ? [b] : [])];
    io.out(JSON.stringify({ a, b, dot: s.dot, cosine: s.cosine, scaled: s.scaled, ...(built.length > 0 ? { fromSubwords: built } : {}) }));
    return 0;
  }
  const worked = workedArithmetic(va, vb);
  io.out(`${a} · ${b}`);
  io.out(`  dot     ${worked.dot}`);
  io.out(`  scaled  ${worked.scaled}`);
  io.out(`  cosine  ${worked.cosine}`);
  if (s.zeroVector) io.out('  (one of the vectors is all zeros: cosine is reported as 0)');
  if (foundA.fromSubwords) io.out(subwordNote(a));
  if (foundB.fromSubwords) io.out(subwordNote(b));
  return 0;
}

export async function runNeighborsCommand(argv: readonly string[], io: CliIo, mode: 'neighbors' | 'analogy'): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      emb: { type: 'string' },
      format: { type: 'string' },
      k: { type: 'string', short: 'k' },
      measure: { type: 'string' },
      positive: { type: 'string' },
      negative: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(
      mode === 'neighbors'
        ? 'Usage: headlight neighbors [--emb FILE] [--format auto|text|word2vec|fasttext] WORD [-k N] [--measure dot|cosine|scaled] [--json]'
        : 'Usage: headlight analogy [--emb FILE] [--format auto|text|word2vec|fasttext] --positive a,b --negative c [-k N] [--json]   (a + b − c, cosine)',
    );
    return 0;
  }
  const k = parsePositiveInt('-k', values.k, 10);
  const { parsed } = await openEmbeddings(values.emb, io, parseFormatOption(values.format));
  const store = parsed.store;

  if (mode === 'analogy') {
    const split = (v: string | undefined) => (v ?? '').split(',').map((w) => w.trim()).filter((w) => w.length > 0);
    const positive = split(values.positive);
    const negative = split(values.negative);
    if (positive.length === 0) throw new CliError('analogy: --positive needs at least one word');
    for (const w of [...positive, ...negative]) vectorOrThrow(store, w);
    const found = analogy(store, positive, negative, k);
    if (values.json) {
      io.out(JSON.stringify({ positive, negative, measure: 'cosine', neighbors: found.map((n) => ({ word: n.token, score: n.score })) }));
      return 0;
    }
    io.out(`${positive.join(' + ')}${negative.map((w) => ` − ${w}`).join('')}  (cosine)`);
    io.out(table(['word', 'cosine'], found.map((n) => [n.token, fixed(n.score)])));
    return 0;
  }

  if (positionals.length !== 1) throw new CliError(`neighbors: expected one word, got ${positionals.length}`);
  const word = positionals[0] ?? '';
  const measure = parseMeasure(values.measure, 'cosine');
  const query = vectorOrThrow(store, word);
  const found = nearest(store, query.vector, k, measure, query.index >= 0 ? new Set([query.index]) : undefined);
  if (values.json) {
    io.out(JSON.stringify({ word, measure, ...(query.fromSubwords ? { fromSubwords: true } : {}), neighbors: found.map((n) => ({ word: n.token, score: n.score })) }));
    return 0;
  }
  io.out(`nearest to ${word} (${measure})`);
  if (query.fromSubwords) io.out(subwordNote(word));
  io.out(table(['word', measure], found.map((n) => [n.token, fixed(n.score)])));
  return 0;
}

/** `headlight vector WORD`: the word's vector, and whether it is a row or was built from subwords. */
export async function runVectorCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: { emb: { type: 'string' }, format: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.out('Usage: headlight vector [--emb FILE] [--format auto|text|word2vec|fasttext] WORD [--json]');
    return 0;
  }
  if (positionals.length !== 1) throw new CliError(`vector: expected one word, got ${positionals.length}`);
  const word = positionals[0] ?? '';
  const { parsed } = await openEmbeddings(values.emb, io, parseFormatOption(values.format));
  const found = vectorOrThrow(parsed.store, word);
  const inVocabulary = !found.fromSubwords;
  if (values.json) {
    io.out(JSON.stringify({ word, vector: Array.from(found.vector), inVocabulary }));
    return 0;
  }
  io.out(`${word} (${parsed.store.dim} dims${inVocabulary ? '' : ', built from subwords'})`);
  io.out(Array.from(found.vector, (v) => fixed(v, 6)).join(' '));
  return 0;
}
