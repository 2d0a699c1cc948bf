/**
 * `headlight model` and `headlight attention --model`, run as the built CLI (node dist/cli.js),
 * checked against the torch reference the fixtures record (scripts/fixtures/make_model_fixtures.py).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const FIXTURES = path.join('test', 'fixtures', 'models');

interface Reference {
  readonly text: string;
  readonly ids: number[];
  readonly attentions: number[][][][];
  readonly logitsLast?: number[];
  readonly maskPositions?: number[];
  readonly maskLogits?: number[][];
}

function reference(name: string): Reference {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name, 'reference.json'), 'utf8')) as Reference;
}

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  assert.ok(fs.existsSync('dist/cli.js'), 'dist/cli.js is missing: run `npm run build` first (npm test does)');
  const run = spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Top 10 of softmax(logits) in float64, the reference for `next` and mask predictions. */
function top10(logits: readonly number[]): { id: number; p: number }[] {
  const max = Math.max(...logits);
  const sum = logits.reduce((s, v) => s + Math.exp(v - max), 0);
  return logits.map((v, id) => ({ id, p: Math.exp(v - max) / sum })).sort((a, b) => b.p - a.p).slice(0, 10);
}

function assertWeightsEqual(json: { layers: { heads: { weights: number[][] }[] }[] }, ref: Reference, layers: readonly number[], what: string): void {
  for (const l of layers) {
    assert.equal(json.layers[l]!.heads.length, ref.attentions[l]!.length, `${what}: layer ${l} heads`);
    json.layers[l]!.heads.forEach((head, h) => head.weights.forEach((row, i) => row.forEach((w, j) => {
      const expected = ref.attentions[l]![h]![i]![j]!;
      assert.ok(Math.abs(w - expected) <= 1e-5, `${what} L${l} H${h} [${i}][${j}]: ${w} vs ${expected}`);
    })));
  }
}

test('headlight model DIR prints the summary; --json has the same facts', () => {
  const human = cli('model', path.join(FIXTURES, 'mistral'));
  assert.equal(human.status, 0, human.stderr);
  assert.match(human.stdout, /^type\s+mistral \(MistralForCausalLM\)$/m);
  assert.match(human.stdout, /^kv heads\s+1 \(grouped-query attention: 4 query heads per kv head\)$/m);
  assert.match(human.stdout, /^checkpoint\s+model-00001-of-00002\.safetensors, model-00002-of-00002\.safetensors/m);
  assert.match(human.stdout, /^special tokens\s+<unk> \(0\), <s> \(1\), <\/s> \(2\)$/m);
  const json = JSON.parse(cli('model', path.join(FIXTURES, 'roberta'), '--json').stdout);
  assert.equal(json.type, 'roberta');
  assert.equal(json.dtype, 'BF16');
  assert.equal(json.layers, 2);
  assert.equal(json.heads, 4);
  assert.equal(json.hidden, 32);
  assert.equal(json.tokenizer.kind, 'BPE');
  assert.equal(json.head, 'mlm');
});

test('attention --model --json: every layer and head equal the reference, next = top 10 of the reference logits', () => {
  const ref = reference('gpt2');
  const run = cli('attention', '--model', path.join(FIXTURES, 'gpt2'), '--text', ref.text, '--json');
  assert.equal(run.status, 0, run.stderr);
  const json = JSON.parse(run.stdout);
  assert.deepEqual(json.model, { type: 'gpt2', layers: 2, heads: 4, kvHeads: 4, hidden: 32 });
  assert.deepEqual(json.ids, ref.ids);
  assert.deepEqual(json.tokens, ['The', 'Ġcat', 'Ġsat', 'Ġon', 'Ġthe', 'Ġmat']);
  // GPT-2 keeps the leading space in the token's offsets (trim_offsets false).
  assert.deepEqual(json.offsets, [[0, 3], [3, 7], [7, 11], [11, 14], [14, 18], [18, 22]]);
  assertWeightsEqual(json, ref, [0, 1], 'gpt2');
  const expected = top10(ref.logitsLast!);
  assert.deepEqual(json.next.map((t: { id: number }) => t.id), expected.map((t) => t.id));
  json.next.forEach((t: { p: number }, i: number) => assert.ok(Math.abs(t.p - expected[i]!.p) < 1e-5, `next[${i}].p`));
  for (const key of ['loadMs', 'tokenizeMs', 'forwardMs']) assert.ok(json.timings[key] >= 0, key);
  // 7 significant digits.
  const longest = Math.max(...json.layers.flatMap((l: { heads: { weights: number[][] }[] }) => l.heads.flatMap((h) => h.weights.flat().map((w) => String(w).replace(/^0\.0*|e.*$|\./g, '').length))));
  assert.ok(longest <= 7, `a weight printed with ${longest} digits`);
});

test('attention --model --json under GQA: heads are the query heads; next names unknown ids with null', () => {
  const ref = reference('llama');
  const json = JSON.parse(cli('attention', '--model', path.join(FIXTURES, 'llama'), '--text', ref.text, '--json').stdout);
  assert.deepEqual(json.ids, ref.ids);
  assert.equal(json.model.kvHeads, 2);
  assert.equal(json.layers[0].heads.length, 4);
  assertWeightsEqual(json, ref, [0, 1], 'llama');
  assert.equal(json.offsets[0], null, 'the <s> the post-processor adds has no offset');
  const tokenizerVocab = Object.keys(JSON.parse(fs.readFileSync(path.join(FIXTURES, 'llama', 'tokenizer.json'), 'utf8')).model.vocab).length;
  const unknown = json.next.filter((t: { id: number }) => t.id >= tokenizerVocab);
  assert.ok(unknown.length > 0, 'the fixture puts ids beyond the tokenizer in the top 10');
  for (const t of json.next) assert.equal(t.token === null, t.id >= tokenizerVocab, `next id ${t.id}`);
});

test('attention --model --json --layers limits the layers written; a masked LM writes its mask predictions', () => {
  const ref = reference('bert');
  const json = JSON.parse(cli('attention', '--model', path.join(FIXTURES, 'bert'), '--text', ref.text, '--json', '--layers', '1-1').stdout);
  assert.deepEqual(json.ids, ref.ids);
  assert.equal(json.layers.length, 2);
  assert.deepEqual(json.layers[0].heads, []);
  assertWeightsEqual(json, ref, [1], 'bert');
  assert.equal(json.next, undefined, 'next is for causal LMs only');
  assert.equal(json.masks.length, 1);
  assert.equal(json.masks[0].position, ref.maskPositions![0]);
  assert.deepEqual(json.masks[0].top.map((t: { id: number }) => t.id), top10(ref.maskLogits![0]!).map((t) => t.id));
});

test('attention --model prints the chosen head in the deck\'s words', () => {
  const ref = reference('roberta');
  const run = cli('attention', '--model', path.join(FIXTURES, 'roberta'), '--text', ref.text, '--layer', '0', '--head', '3');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^layer 0, head 3 \(counting from 0\)$/m);
  assert.match(run.stdout, /^scores \(before softmax\)$/m);
  // The query row of "cat" as the deck writes it, with the reference's weights to 2 decimals.
  const weights = ref.attentions[0]![3]![2]!;
  const line = run.stdout.split('\n').find((l) => l.startsWith('cat → '));
  assert.ok(line, 'a softmax line for "cat"');
  const terms = line!.slice('cat → '.length).split(' + ').map((t) => Number(t.split(' ')[0]));
  assert.deepEqual(terms, weights.map((w) => Number(w.toFixed(2))).sort((a, b) => b - a));
  assert.match(run.stdout, /^<mask> at 6 → /m);
});

test('attention --model: bad input is refused with its message', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headlight-cli-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const file of fs.readdirSync(path.join(FIXTURES, 'qwen2'))) fs.copyFileSync(path.join(FIXTURES, 'qwen2', file), path.join(dir, file));
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  config.model_type = 'mamba';
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  const bad = cli('attention', '--model', dir, '--text', 'the cat');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /config\.json: unsupported model_type "mamba"; supported: gpt2, bert, distilbert, roberta, llama, mistral, qwen2/);
  const head = cli('attention', '--model', path.join(FIXTURES, 'gpt2'), '--text', 'the cat', '--json', '--head', '1');
  assert.equal(head.status, 2);
  assert.match(head.stderr, /--head picks the head printed/);
  const layer = cli('attention', '--model', path.join(FIXTURES, 'gpt2'), '--text', 'the cat', '--layer', '9');
  assert.equal(layer.status, 2);
  assert.match(layer.stderr, /--layer: expected a whole number from 0 to 1, got "9"/);
  const emb = cli('attention', '--model', path.join(FIXTURES, 'gpt2'), '--text', 'the cat', '--measure', 'dot');
  assert.equal(emb.status, 2);
  assert.match(emb.stderr, /--measure does not apply to a model/);
});

test('the JSON rows carry Number(v.toPrecision(7)) for every value, fast path and fallback alike', async () => {
  const { RowFormatter } = await import('../../../src/model/jsonRows');
  const values: number[] = [0, -0, 1, 2.5, -0.25, 1e-30, 1e-6, 9.9999995e-7, 0.1, 0.09999999, 0.099999995, 0.99999997, 0.999999949, 0.9999999,
    1e-5 - 1e-13, 0.5, 0.123456749, 0.123456751, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  let seed = 7;
  for (let i = 0; i < 20000; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    values.push(Math.fround((seed / 2147483648) ** (1 + (i % 9))));
  }
  const parsed = JSON.parse(new RowFormatter().formatRow(values)) as (number | null)[];
  assert.equal(parsed.length, values.length);
  values.forEach((v, i) => {
    const expected = Number.isFinite(v) ? Number(v.toPrecision(7)) : null;
    assert.ok(parsed[i] === expected, `${v} → ${parsed[i]}, expected ${expected}`);
  });
});

test('attention --model runs on two threads by default; --threads 1 and 2 both equal the reference', () => {
  const ref = reference('gpt2');
  const dir = path.join(FIXTURES, 'gpt2');
  const human = cli('attention', '--model', dir, '--text', ref.text);
  assert.equal(human.status, 0, human.stderr);
  assert.match(human.stdout, /forward [\d.]+ ms \(2 threads\)$/m);
  const one = cli('attention', '--model', dir, '--text', ref.text, '--threads', '1');
  assert.match(one.stdout, /forward [\d.]+ ms \(1 thread\)$/m);
  for (const threads of ['1', '2']) {
    const json = JSON.parse(cli('attention', '--model', dir, '--text', ref.text, '--json', '--threads', threads).stdout);
    assertWeightsEqual(json, ref, ref.attentions.map((_, l) => l), `--threads ${threads}`);
  }
  const bad = cli('attention', '--model', dir, '--text', ref.text, '--threads', 'two');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--threads must be a whole number from 1 to 8, got "two"/);
});
