/**
 * `headlight similarity`, `neighbors` and `analogy`: word-level questions of one embedding set.
 * Human output shows the worked arithmetic the deck shows ("1·0 + 4·3 = 12 → 12/√2 = 8.49").
 */
import { parseArgs } from 'node:util';
import { similarity, workedArithmetic } from '../core';
import { analogy, nearest } from '../emb/neighbors';
import type { EmbeddingStore } from '../emb/store';
import { CliError, fixed, openEmbeddings, parseMeasure, parsePositiveInt, table, type CliIo } from './io';

function indexOrThrow(store: EmbeddingStore, word: string): number {
  const index = store.lookup(word);
  if (index < 0) throw new CliError(`"${word}" is not in the embeddings (${store.count} words)`, 1);
  return index;
}

export async function runSimilarityCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: { emb: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.out('Usage: headlight similarity [--emb FILE] WORD WORD [--json]');
    return 0;
  }
  if (positionals.length !== 2) throw new CliError(`similarity: expected two words, got ${positionals.length}`);
  const [a = '', b = ''] = positionals;
  const { parsed } = await openEmbeddings(values.emb, io);
  const store = parsed.store;
  const va = store.vector(indexOrThrow(store, a));
  const vb = store.vector(indexOrThrow(store, b));
  const s = similarity(va, vb);
  if (values.json) {
    io.out(JSON.stringify({ a, b, dot: s.dot, cosine: s.cosine, scaled: s.scaled }));
    return 0;
  }
  const worked = workedArithmetic(va, vb);
  io.out(`${a} · ${b}`);
  io.out(`  dot     ${worked.dot}`);
  io.out(`  scaled  ${worked.scaled}`);
  io.out(`  cosine  ${worked.cosine}`);
  if (s.zeroVector) io.out('  (one of the vectors is all zeros: cosine is reported as 0)');
  return 0;
}

export async function runNeighborsCommand(argv: readonly string[], io: CliIo, mode: 'neighbors' | 'analogy'): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      emb: { type: 'string' },
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
        ? 'Usage: headlight neighbors [--emb FILE] WORD [-k N] [--measure dot|cosine|scaled] [--json]'
        : 'Usage: headlight analogy [--emb FILE] --positive a,b --negative c [-k N] [--json]   (a + b − c, cosine)',
    );
    return 0;
  }
  const k = parsePositiveInt('-k', values.k, 10);
  const { parsed } = await openEmbeddings(values.emb, io);
  const store = parsed.store;

  if (mode === 'analogy') {
    const split = (v: string | undefined) => (v ?? '').split(',').map((w) => w.trim()).filter((w) => w.length > 0);
    const positive = split(values.positive);
    const negative = split(values.negative);
    if (positive.length === 0) throw new CliError('analogy: --positive needs at least one word');
    for (const w of [...positive, ...negative]) indexOrThrow(store, w);
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
  const index = indexOrThrow(store, word);
  const found = nearest(store, store.vector(index), k, measure, new Set([index]));
  if (values.json) {
    io.out(JSON.stringify({ word, measure, neighbors: found.map((n) => ({ word: n.token, score: n.score })) }));
    return 0;
  }
  io.out(`nearest to ${word} (${measure})`);
  io.out(table(['word', measure], found.map((n) => [n.token, fixed(n.score)])));
  return 0;
}
