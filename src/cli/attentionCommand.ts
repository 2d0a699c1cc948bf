/**
 * `headlight attention`: tokens → embedding rows → (multi-head) attention, printed as the deck
 * prints it: score and weight tables per head, then one softmax line per token
 * ("orange → 0.40 orange + 0.30 apple + 0.15 and + 0.15 an").
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import {
  multiHeadWeightsFromSafetensors,
  runAttention,
  type Matrix,
  type MultiHeadResult,
  type WeightSource,
} from '../core';
import { tokenize } from '../emb/tokenize';
import { CliError, openEmbeddings, parseMeasure, parsePositiveInt, type CliIo } from './io';
import { printHeadTables, runModelAttention } from './modelCommand';

const HELP = `Usage: headlight attention [--emb FILE] (--text "…" | --tokens a,b,c) [options]
       headlight attention --model DIR --text "…" [--layer L --head H] [--layers A-B] [--threads N] [--json]

  --emb FILE            embeddings (.emb, GloVe, word2vec text); default: bundled lesson set
  --text "…"            a sentence; tokenized (lower-cased, punctuation dropped)
  --tokens a,b,c        the tokens themselves, comma-separated (kept as given)
  --measure M           dot | cosine | scaled (default: scaled)
  --heads N --seed S    seeded random projections with N heads (default seed 0)
  --weights FILE        a safetensors nn.MultiheadAttention state_dict (needs --heads)
  --prefix P            with --weights: the layer to use when the file holds several,
                        e.g. "layers.1.self_attn." (the error lists the prefixes found)
  --causal              mask keys after each query
  --no-scale            do not divide by √d_k
  --temperature T       softmax temperature (> 0, default 1)
  --json                machine-readable output

  --model DIR           a Hugging Face model folder (gpt2, bert, distilbert, roberta, llama,
                        mistral, qwen2): its own tokenizer and every layer's attention
  --layer L --head H    the head to print (from 0; default layer 0, head 0)
  --layers A-B          with --json: write only these layers' weights (the others: "heads": [])
  --threads N           threads for the forward pass (default 2, or 1 on a 1-core machine)`;

/** A row-major matrix as nested arrays, with −Infinity (masked) written as null for JSON. */
function rows(m: Matrix): (number | null)[][] {
  const out: (number | null)[][] = [];
  for (let i = 0; i < m.rows; i++) {
    const row: (number | null)[] = [];
    for (let j = 0; j < m.cols; j++) {
      const value = m.data[i * m.cols + j] ?? Number.NaN;
      row.push(Number.isFinite(value) ? value : null);
    }
    out.push(row);
  }
  return out;
}

export interface AttentionJson {
  readonly tokens: string[];
  readonly oov: string[];
  readonly heads: { scores: (number | null)[][]; weights: (number | null)[][]; output: (number | null)[][] }[];
  readonly output: (number | null)[][];
}

export function attentionJson(tokens: string[], oov: string[], result: MultiHeadResult): AttentionJson {
  return {
    tokens,
    oov,
    heads: result.heads.map((head) => ({ scores: rows(head.scores), weights: rows(head.weights), output: rows(head.output) })),
    output: rows(result.output),
  };
}

export async function runAttentionCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      emb: { type: 'string' },
      text: { type: 'string' },
      tokens: { type: 'string' },
      measure: { type: 'string' },
      heads: { type: 'string' },
      seed: { type: 'string' },
      weights: { type: 'string' },
      prefix: { type: 'string' },
      causal: { type: 'boolean', default: false },
      'no-scale': { type: 'boolean', default: false },
      temperature: { type: 'string' },
      json: { type: 'boolean', default: false },
      model: { type: 'string' },
      layer: { type: 'string' },
      head: { type: 'string' },
      layers: { type: 'string' },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (values.model !== undefined) {
    if (values.text === undefined || values.tokens !== undefined) throw new CliError('attention --model: give the text with --text "…" (the model\'s tokenizer splits it)');
    const other = (['emb', 'measure', 'heads', 'seed', 'weights', 'prefix', 'temperature'] as const).find((k) => values[k] !== undefined);
    if (other) throw new CliError(`attention --model: --${other} does not apply to a model (it has its own tokenizer, heads and weights)`);
    return runModelAttention({ model: values.model, text: values.text, json: values.json, layer: values.layer, head: values.head, layers: values.layers, threads: values.threads }, io);
  }
  const modelOnly = (['layer', 'head', 'layers', 'threads'] as const).find((k) => values[k] !== undefined);
  if (modelOnly) throw new CliError(`--${modelOnly} chooses a layer or head of a --model DIR`);
  if ((values.text === undefined) === (values.tokens === undefined)) {
    throw new CliError('attention: give exactly one of --text "…" or --tokens a,b,c');
  }
  const measure = parseMeasure(values.measure, 'scaled');
  const temperature = values.temperature === undefined ? 1 : Number(values.temperature);
  if (!Number.isFinite(temperature) || temperature <= 0) {
    throw new CliError(`--temperature: expected a number > 0, got "${values.temperature}"`);
  }

  const words =
    values.tokens !== undefined
      ? values.tokens.split(',').map((t) => t.trim()).filter((t) => t.length > 0)
      : tokenize(values.text ?? '', { lowercase: true, punctuation: 'drop' }).map((t) => t.text);
  if (words.length === 0) throw new CliError('attention: no tokens in the input');

  const { parsed } = await openEmbeddings(values.emb, io);
  const store = parsed.store;
  const indices: number[] = [];
  const tokens: string[] = [];
  const oov: string[] = [];
  for (const word of words) {
    const index = store.lookup(word);
    if (index < 0) {
      oov.push(word);
    } else {
      indices.push(index);
      tokens.push(word);
    }
  }
  if (oov.length > 0 && !values.json) io.err(`headlight: not in the embeddings, left out: ${oov.join(', ')}`);
  if (indices.length === 0) throw new CliError('attention: none of the words are in the embeddings', 1);

  let source: WeightSource = { kind: 'lesson' };
  if (values.prefix !== undefined && values.weights === undefined) throw new CliError('--prefix chooses a layer of a --weights file; give --weights FILE too');
  if (values.weights !== undefined) {
    if (values.heads === undefined) throw new CliError('--weights needs --heads N (safetensors files do not record the head count)');
    const heads = parsePositiveInt('--heads', values.heads, 1);
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(values.weights);
    } catch {
      throw new CliError(`${values.weights}: cannot read the weights file`, 1);
    }
    try {
      source = { kind: 'weights', weights: multiHeadWeightsFromSafetensors(bytes, heads, { prefix: values.prefix }) };
    } catch (error) {
      throw new CliError(`${values.weights}: ${error instanceof Error ? error.message : String(error)}`, 1);
    }
  } else if (values.heads !== undefined || values.seed !== undefined) {
    source = {
      kind: 'random',
      heads: parsePositiveInt('--heads', values.heads, 1),
      seed: values.seed === undefined ? 0 : parseSeed(values.seed),
    };
  }

  const x = store.rows(indices);
  const result = runAttention(x, source, { measure, scale: !values['no-scale'], causal: values.causal, temperature });

  if (values.json) {
    io.out(JSON.stringify(attentionJson(tokens, oov, result)));
    return 0;
  }
  result.heads.forEach((head, h) => {
    if (result.heads.length > 1) io.out(`\nhead ${h + 1} of ${result.heads.length}`);
    printHeadTables(io, tokens, head.scores, head.weights);
  });
  return 0;
}

function parseSeed(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new CliError(`--seed: expected a whole number from 0 to 4294967295, got "${value}"`);
  return n;
}
