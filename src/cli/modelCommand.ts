/**
 * `headlight model DIR` (what a Hugging Face model folder holds) and
 * `headlight attention --model DIR --text "…"` (every layer's and head's attention of that model
 * on the text, computed by the core's forward pass).
 *
 * The JSON of `attention --model` is written as a stream of lines (one row of weights a line):
 * at bench size it is far longer than Node's longest string. Numbers carry 7 significant digits.
 *   {"model": {"type", "layers", "heads", "kvHeads", "hidden"},
 *    "tokens": [...], "ids": [...], "offsets": [[start, end] | null],
 *    "layers": [{"heads": [{"weights": [[...]]}]}],       one entry per layer; heads [] outside --layers
 *    "next": [{"id", "token", "p"}],                      causal LMs: top 10 at the last position
 *    "masks": [{"position", "top": [{"id", "token", "p"}]}], masked LMs: each mask token's top 10
 *    "timings": {"loadMs", "tokenizeMs", "forwardMs"}}
 * forwardMs is the forward pass alone: the time spent writing each layer out is subtracted.
 */
import { parseArgs } from 'node:util';
import { explainRow } from '../core/attention';
import { forward, type ComputedHead, type ForwardResult, type TokenProbability } from '../core/models';
import type { Matrix } from '../core/types';
import { loadModel, readModelConfig, type LoadedModel, type ModelSummary } from '../model';
import { gemmWorkerBeside, ParallelEngine } from '../model/parallel';
import type { EncodedText } from '../model/tokenizer';
import { CliError, fixed, table, type CliIo } from './io';
import { formatNumber, RowFormatter } from '../model/jsonRows';

const MODEL_HELP = `Usage: headlight model DIR [--json]

  DIR      a Hugging Face model folder: config.json, model.safetensors (or
           model.safetensors.index.json and its shards), tokenizer.json
  --json   machine-readable output

Prints the model type, layers, heads, key/value heads, hidden size, parameters, dtype,
tokenizer and special tokens.`;

export async function runModelCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.out(MODEL_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError(`model: give exactly one model folder\n\n${MODEL_HELP}`);
  const started = performance.now();
  const loaded = loadModel(positionals[0]!);
  const loadMs = performance.now() - started;
  const s = loaded.summary;
  if (values.json) {
    io.out(JSON.stringify({ ...s, loadMs: round(loadMs) }));
    return 0;
  }
  io.out(summaryLines(s).join('\n'));
  return 0;
}

function summaryLines(s: ModelSummary): string[] {
  const kb = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`);
  const specials = s.specialTokens.map((t) => `${t.content} (${t.id})`).join(', ') || 'none';
  const head = { lm_head: 'next-token predictions', mlm: 'masked-token predictions', none: 'none (attention only)' }[s.head];
  const rows: [string, string][] = [
    ['folder', s.dir],
    ['type', `${s.type}${s.architectures.length ? ` (${s.architectures.join(', ')})` : ''}`],
    ['layers', String(s.layers)],
    ['heads', String(s.heads)],
    ['kv heads', `${s.kvHeads}${s.kvHeads < s.heads ? ` (grouped-query attention: ${s.heads / s.kvHeads} query heads per kv head)` : ''}`],
    ['hidden size', `${s.hidden} (head dim ${s.headDim})`],
    ['vocabulary', String(s.vocabSize)],
    ['parameters', s.parameters.toLocaleString('en-US')],
    ['dtype', s.dtype],
    ['checkpoint', `${s.checkpoint.files.join(', ')} (${kb(s.checkpoint.bytes)})`],
    ['tokenizer', s.tokenizer ? `${s.tokenizer.kind}, ${s.tokenizer.vocabSize} tokens` : 'none'],
    ['special tokens', specials],
    ['output head', head],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
}

export interface ModelAttentionArgs {
  readonly model: string;
  readonly text: string;
  readonly json: boolean;
  readonly layer?: string;
  readonly head?: string;
  readonly layers?: string;
  readonly threads?: string;
}

/**
 * The forward pass on both cores, as the extension's model worker runs it: the weights are read
 * into the parallel engine's shared arena and its helper thread takes half of every big product
 * and of every layer's heads. One thread when the helper's bundle is not beside this one (the CLI
 * run from source) or when --threads 1 asks for it. Both equal the reference within the fixtures'
 * tolerance; they may differ from each other in float32's last digits, because the arena's
 * products always run on the shared kernel (float32 sums) while linalg sums tiny products in float64.
 */
async function startEngine(threads: string | undefined): Promise<ParallelEngine | undefined> {
  const count = threads === undefined ? undefined : Number(threads);
  if (count !== undefined && !(Number.isInteger(count) && count >= 1 && count <= 8)) {
    throw new CliError(`--threads must be a whole number from 1 to 8, got "${threads}"`);
  }
  const script = gemmWorkerBeside(__dirname);
  if (count === 1 || !script) return undefined;
  return ParallelEngine.start({ threads: count, worker: { script } });
}

/** `attention --model DIR --text "…"`; attentionCommand.ts hands over when --model is given. */
const HEAD_WITH_JSON = '--head picks the head printed for people; with --json every head is written (limit layers with --layers A-B)';

export async function runModelAttention(args: ModelAttentionArgs, io: CliIo): Promise<number> {
  // Usage mistakes first, from config.json alone: no helper thread started, no weights read.
  const { config } = readModelConfig(args.model);
  if (args.json && args.head !== undefined) throw new CliError(HEAD_WITH_JSON);
  if (args.layers !== undefined) parseLayerRange(args.layers, config.layers);
  if (args.layer !== undefined) parseIndex('--layer', args.layer, config.layers);
  if (args.head !== undefined) parseIndex('--head', args.head, config.heads);
  const engine = await startEngine(args.threads);
  const restore = engine?.install();
  try {
    return attendWithModel(args, io, engine);
  } finally {
    restore?.();
    await engine?.close();
  }
}

function attendWithModel(args: ModelAttentionArgs, io: CliIo, engine: ParallelEngine | undefined): number {
  const t0 = performance.now();
  const loaded = loadModel(args.model, engine ? { allocator: engine.allocator } : {});
  const t1 = performance.now();
  const tokenizer = loaded.tokenizer!;
  const encoded = tokenizer.encode(args.text);
  const t2 = performance.now();
  const { layers: L, heads: H } = loaded.config;
  if (encoded.ids.length === 0) throw new CliError('attention: the text gives no tokens', 1);

  const range = args.layers !== undefined ? parseLayerRange(args.layers, L) : args.layer !== undefined ? single(parseIndex('--layer', args.layer, L)) : undefined;
  if (args.json) {
    if (args.head !== undefined) throw new CliError(HEAD_WITH_JSON);
    return writeJson(loaded, encoded, range ?? { from: 0, to: L - 1 }, { loadMs: t1 - t0, tokenizeMs: t2 - t1 }, io);
  }

  const layer = args.layer !== undefined ? parseIndex('--layer', args.layer, L) : range?.from ?? 0;
  const head = args.head !== undefined ? parseIndex('--head', args.head, H) : 0;
  const started = performance.now();
  const result = forward(loaded.model, encoded.ids, { layers: { from: layer, to: layer }, keep: 'scores+weights', maskTokenId: tokenizer.maskTokenId });
  const forwardMs = performance.now() - started;
  const chosen = result.layers[layer]!.heads[head]!;
  const labels = displayTokens(args.text, encoded);
  const s = loaded.summary;
  io.out(`${s.type}: ${L} layers × ${H} heads${s.kvHeads < H ? ` (${s.kvHeads} kv heads)` : ''}, hidden ${s.hidden}; ${encoded.ids.length} tokens`);
  io.out(`layer ${layer}, head ${head} (counting from 0)${s.kvHeads < H ? `, reading kv head ${Math.floor(head / (H / s.kvHeads))}` : ''}`);
  printHeadTables(io, labels, chosen.scores!, chosen.weights!);
  printPredictions(io, loaded, result, labels);
  const threads = engine?.pool.threads ?? 1;
  io.out(`\nload ${round(t1 - t0)} ms, tokenize ${round(t2 - t1)} ms, forward ${round(forwardMs)} ms (${threads} thread${threads === 1 ? '' : 's'})`);
  return 0;
}

/** The deck's view of one head: scores and weights tables, then each query's softmax line. */
export function printHeadTables(io: CliIo, tokens: readonly string[], scores: Matrix, weights: Matrix): void {
  const cell = (m: Matrix, i: number, j: number) => fixed(m.data[i * m.cols + j] ?? Number.NaN, 2);
  io.out('\nscores (before softmax)');
  io.out(table(['', ...tokens], tokens.map((t, i) => [t, ...tokens.map((_, j) => cell(scores, i, j))])));
  io.out('\nweights');
  io.out(table(['', ...tokens], tokens.map((t, i) => [t, ...tokens.map((_, j) => cell(weights, i, j))])));
  io.out('');
  for (let i = 0; i < tokens.length; i++) io.out(explainRow(weights, i, [...tokens]).text);
}

function printPredictions(io: CliIo, loaded: LoadedModel, result: ForwardResult, labels: readonly string[]): void {
  // The decoded text of each token, quoted so a leading space shows ("Ġcat" → " cat").
  // (byte-fallback pieces of a character decode to U+FFFD alone: those show as the token).
  const name = (id: number) => {
    const token = loaded.tokenizer?.idToToken(id);
    if (token === undefined) return `#${id}`;
    const text = loaded.tokenizer!.decode([id]);
    return text.length === 0 || text.includes('\uFFFD') ? token : JSON.stringify(text);
  };
  const line = (top: readonly TokenProbability[]) => top.map((t) => `${t.p.toFixed(2)} ${name(t.id)}`).join(' + ');
  if (result.next) io.out(`\nnext token → ${line(result.next)}`);
  for (const mask of result.masks ?? []) io.out(`\n${labels[mask.position]} at ${mask.position} → ${line(mask.top)}`);
}

/** Column labels for people: the text each token covers, else the token itself (specials). */
export function displayTokens(text: string, encoded: EncodedText): string[] {
  return encoded.tokens.map((token, i) => {
    const span = encoded.offsets[i];
    const covered = span && !encoded.special[i] ? text.slice(span[0], span[1]).trim() : '';
    return covered.length > 0 ? covered : token;
  });
}

function parseIndex(flag: string, value: string, count: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n >= count) throw new CliError(`${flag}: expected a whole number from 0 to ${count - 1}, got "${value}"`);
  return n;
}

function single(n: number): { from: number; to: number } {
  return { from: n, to: n };
}

/** "A-B" (inclusive, from 0) or "A". */
export function parseLayerRange(value: string, count: number): { from: number; to: number } {
  const match = /^(\d+)(?:-(\d+))?$/.exec(value);
  const from = match ? Number(match[1]) : Number.NaN;
  const to = match?.[2] !== undefined ? Number(match[2]) : from;
  if (!match || from > to || to >= count) throw new CliError(`--layers: expected A-B with 0 ≤ A ≤ B ≤ ${count - 1}, got "${value}"`);
  return { from, to };
}

// ── the streamed JSON ──────────────────────────────────────────────────────────────────────────

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function writeJson(loaded: LoadedModel, encoded: EncodedText, range: { from: number; to: number }, timings: { loadMs: number; tokenizeMs: number },
  io: CliIo): number {
  const tokenizer = loaded.tokenizer!;
  const { layers: L } = loaded.config;
  const s = loaded.summary;
  io.out(`{"model":${JSON.stringify({ type: s.type, layers: s.layers, heads: s.heads, kvHeads: s.kvHeads, hidden: s.hidden })},`);
  io.out(`"tokens":${JSON.stringify(encoded.tokens)},`);
  io.out(`"ids":${JSON.stringify(encoded.ids)},`);
  io.out(`"offsets":${JSON.stringify(encoded.offsets)},`);
  io.out('"layers":[');
  let next = 0; // the next layer index to write
  let writingMs = 0;
  const rows = new RowFormatter();
  const writeEmptyUpTo = (layer: number) => {
    for (; next < layer; next++) io.out(`{"heads":[]}${next < L - 1 ? ',' : ''}`);
  };
  const onLayer = (layer: number, heads: readonly ComputedHead[]) => {
    const start = performance.now();
    writeEmptyUpTo(layer);
    io.out('{"heads":[');
    heads.forEach((head, h) => {
      const w = head.weights;
      io.out('{"weights":[');
      for (let i = 0; i < w.rows; i++) io.out(`${rows.formatRow(w.data, i * w.cols, (i + 1) * w.cols)}${i < w.rows - 1 ? ',' : ''}`);
      io.out(`]}${h < heads.length - 1 ? ',' : ''}`);
    });
    io.out(`]}${layer < L - 1 ? ',' : ''}`);
    next = layer + 1;
    writingMs += performance.now() - start;
  };
  const started = performance.now();
  const result = forward(loaded.model, encoded.ids, { layers: range, keep: 'none', onLayer, maskTokenId: tokenizer.maskTokenId });
  const forwardMs = performance.now() - started - writingMs;
  writeEmptyUpTo(L);
  io.out('],');
  const top = (list: readonly TokenProbability[]) =>
    `[${list.map((t) => `{"id":${t.id},"token":${JSON.stringify(tokenizer.idToToken(t.id) ?? null)},"p":${formatNumber(t.p)}}`).join(',')}]`;
  if (result.next) io.out(`"next":${top(result.next)},`);
  if (result.masks) io.out(`"masks":[${result.masks.map((m) => `{"position":${m.position},"top":${top(m.top)}}`).join(',')}],`);
  io.out(`"timings":${JSON.stringify({ loadMs: round(timings.loadMs), tokenizeMs: round(timings.tokenizeMs), forwardMs: round(forwardMs) })}}`);
  return 0;
}
