/**
 * Smoke run of scripts/train/ on a small slice of the corpus (a few hundred documents per source,
 * a 400-token vocabulary, 3 optimizer steps, one fastText epoch), then what they wrote is loaded
 * through the product's own paths (loadModel + forward, the tokenizer, loadEmbFile). Never the
 * full training: that is minutes of CPU.
 *
 * It needs the Debian interpreter with torch and the fastText CLI (the training scripts' tools);
 * without them the test is skipped, saying so: `npm test` never needs Python.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { forward } from '../../src/core/models';
import { loadEmbFile } from '../../src/emb/loadFile';
import { loadModel } from '../../src/model';

const ROOT = path.join(__dirname, '..', '..');
// HEADLIGHT_TRAIN_PYTHON names another interpreter (or a missing one, to see the skip).
const PYTHON = process.env.HEADLIGHT_TRAIN_PYTHON ?? '/usr/bin/python3';
const SCRIPTS = path.join(ROOT, 'scripts', 'train');

function missingTools(): string | undefined {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} is not installed`;
  const torch = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (torch.status !== 0) return `${PYTHON} cannot import torch and numpy (Debian: apt-get install python3-torch python3-numpy)`;
  const fasttext = spawnSync('fasttext', [], { encoding: 'utf8' });
  if (fasttext.error) return 'the fasttext CLI is not installed (Debian: apt-get install fasttext)';
  if (!fs.existsSync('/usr/share/wordnet/data.noun')) return 'wordnet-base is not installed (/usr/share/wordnet)';
  return undefined;
}

const missing = missingTools();

function run(script: string, ...args: string[]): string {
  const result = spawnSync('nice', ['-n', '10', PYTHON, path.join(SCRIPTS, script), ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(result.status, 0, `${script} ${args.join(' ')} failed:\n${result.stderr}\n${result.stdout}`);
  return result.stdout;
}

test('scripts/train on a small slice: corpus, BPE, 3 GPT steps, head measurement, fastText vectors; the outputs load in Headlight', { skip: missing ? `skipped: ${missing}` : false }, async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'headlight-train-'));
  const modelDir = path.join(work, 'model');
  try {
    const corpus = JSON.parse(run('corpus.py', '--out', work, '--limit', '300')) as { train: { documents: number }; valid: { documents: number } };
    assert.ok(corpus.train.documents > 0 && corpus.valid.documents > 0);
    const reference = path.join(work, 'reference.json');
    run('bpe.py', '--work', work, '--out', modelDir, '--vocab', '400', '--reference', reference);
    run('gpt.py', '--work', work, '--out', modelDir, '--steps', '3');
    run('heads.py', '--work', work, '--model', modelDir);
    run('vectors.py', '--work', work, '--out', path.join(work, 'words.bin'), '--words', '300', '--epoch', '1', '--bucket', '500', '--dim', '8');

    const loaded = loadModel(modelDir);
    assert.equal(loaded.summary.type, 'gpt2');
    assert.equal(loaded.summary.dtype, 'F16');
    assert.equal(loaded.summary.vocabSize, 400);
    const { documents } = JSON.parse(fs.readFileSync(reference, 'utf8')) as { documents: { text: string; ids: number[] }[] };
    for (const doc of documents.slice(0, 20)) assert.deepEqual(loaded.tokenizer!.encode(doc.text, { addSpecialTokens: false }).ids, doc.ids);
    const ids = loaded.tokenizer!.encode('The cat sat on the mat.').ids;
    const result = forward(loaded.model, ids);
    assert.equal(result.layers.length, 4);
    assert.equal(result.logitsLast?.length, 400);
    const measured = JSON.parse(fs.readFileSync(path.join(modelDir, 'measurements.json'), 'utf8')) as { heads: unknown[] };
    assert.equal(measured.heads.length, 16);

    const vectors = await loadEmbFile(path.join(work, 'words.bin'));
    assert.equal(vectors.format, 'fasttext');
    assert.deepEqual(vectors.problems, []);
    assert.ok(vectors.store.count > 0 && vectors.store.count <= 300);
    assert.equal(vectors.store.dim, 8);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
