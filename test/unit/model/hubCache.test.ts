/**
 * src/model/hubCache.ts on a cache built exactly as huggingface_hub builds one (blobs named by
 * hash, snapshot symlinks into them, refs naming commits; test/unit/model/hubLayout.ts), from the
 * committed fixture checkpoints. Sizes are checked against fs.statSync of the fixture files
 * themselves, and a listed snapshot must load with loadModel through its symlinks.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeModelFolder, findModelFolders, formatBytes, hubCacheCandidates, hubCacheDirs, listHubModels, repoIdOfFolder } from '../../../src/model/hubCache';
import { loadModel } from '../../../src/model';
import { addHubSnapshot } from './hubLayout';

const MODELS = path.join(__dirname, '..', '..', 'fixtures', 'models');

function folderBytes(dir: string, only?: (name: string) => boolean): number {
  return fs.readdirSync(dir).filter((n) => !only || only(n)).reduce((sum, n) => sum + fs.statSync(path.join(dir, n)).size, 0);
}

const made: string[] = [];
after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headlight-hub-'));
  made.push(dir);
  return dir;
}

test('hubCacheCandidates follows huggingface_hub: HF_HUB_CACHE, then HF_HOME/hub, then XDG, then ~/.cache', () => {
  const home = '/home/u';
  assert.deepEqual(hubCacheCandidates({ HF_HUB_CACHE: '/a', HF_HOME: '/b' }, home), ['/a', '/b/hub', '/home/u/.cache/huggingface/hub']);
  assert.deepEqual(hubCacheCandidates({ HF_HOME: '~/hf' }, home), ['/home/u/hf/hub', '/home/u/.cache/huggingface/hub']);
  assert.deepEqual(hubCacheCandidates({ XDG_CACHE_HOME: '/x' }, home), ['/x/huggingface/hub', '/home/u/.cache/huggingface/hub']);
  assert.deepEqual(hubCacheCandidates({}, home), ['/home/u/.cache/huggingface/hub']);
});

test('hubCacheDirs keeps the folders that exist', async () => {
  const root = tempDir();
  fs.mkdirSync(path.join(root, 'hf', 'hub'), { recursive: true });
  assert.deepEqual(await hubCacheDirs({ HF_HUB_CACHE: path.join(root, 'nothing'), HF_HOME: path.join(root, 'hf') }, path.join(root, 'home')), [path.join(root, 'hf', 'hub')]);
});

test('repo folder names: models--org--name, datasets and spaces skipped', () => {
  assert.equal(repoIdOfFolder('models--openai-community--gpt2'), 'openai-community/gpt2');
  assert.equal(repoIdOfFolder('models--gpt2'), 'gpt2');
  assert.equal(repoIdOfFolder('datasets--squad'), undefined);
  assert.equal(repoIdOfFolder('spaces--a--b'), undefined);
  assert.equal(repoIdOfFolder('.locks'), undefined);
});

test('listHubModels: revisions newest first, refs, blob sizes through symlinks, architecture; the snapshot loads', async () => {
  const cache = tempDir();
  const gpt2 = path.join(MODELS, 'gpt2');
  const bert = path.join(MODELS, 'bert');
  const older = addHubSnapshot(cache, { repoId: 'tiny/gpt2', commit: 'a'.repeat(40), from: gpt2, refs: [], mtimeMs: Date.UTC(2024, 0, 1) });
  addHubSnapshot(cache, { repoId: 'tiny/gpt2', commit: 'b'.repeat(40), from: gpt2, refs: ['main', 'pr/1'], mtimeMs: Date.UTC(2025, 0, 1) });
  addHubSnapshot(cache, { repoId: 'tiny/bert', commit: 'c'.repeat(40), from: bert, refs: ['main'] });
  addHubSnapshot(cache, { repoId: 'broken/bert', commit: 'd'.repeat(40), from: bert, refs: ['main'], dangling: ['model.safetensors'] });
  // Not models Headlight opens: a dataset, a snapshot with no checkpoint.
  fs.mkdirSync(path.join(cache, 'datasets--squad', 'snapshots', 'e'.repeat(40)), { recursive: true });
  const onlyConfig = path.join(cache, 'models--x--configonly', 'snapshots', 'f'.repeat(40));
  fs.mkdirSync(onlyConfig, { recursive: true });
  fs.copyFileSync(path.join(gpt2, 'config.json'), path.join(onlyConfig, 'config.json'));

  const models = await listHubModels(cache);
  assert.deepEqual(models.map((m) => m.repoId), ['broken/bert', 'tiny/bert', 'tiny/gpt2']);
  const g = models.find((m) => m.repoId === 'tiny/gpt2')!;
  assert.deepEqual(g.revisions.map((r) => r.commit), ['b'.repeat(40), 'a'.repeat(40)]);
  assert.deepEqual(g.revisions[0]!.refs, ['main', 'pr/1']);
  assert.deepEqual(g.revisions[1]!.refs, []);
  assert.equal(g.revisions[0]!.modelType, 'gpt2');
  assert.equal(g.revisions[0]!.architecture, 'GPT2LMHeadModel');
  assert.equal(g.revisions[0]!.bytes, folderBytes(gpt2));
  assert.equal(g.revisions[0]!.checkpointBytes, folderBytes(gpt2, (n) => n.endsWith('.safetensors')));
  assert.ok(g.revisions[0]!.hasTokenizer);
  assert.ok(fs.lstatSync(path.join(older, 'model.safetensors')).isSymbolicLink(), 'the layout is symlinks, as the hub makes it');

  const broken = models.find((m) => m.repoId === 'broken/bert')!;
  assert.deepEqual(broken.revisions[0]!.missing, ['model.safetensors']);

  const loaded = loadModel(g.revisions[0]!.dir);
  assert.equal(loaded.summary.type, 'gpt2');
  const reference = JSON.parse(fs.readFileSync(path.join(gpt2, 'reference.json'), 'utf8')) as { text: string; ids: number[] };
  assert.deepEqual(loaded.tokenizer!.encode(reference.text).ids, reference.ids);
});

test('describeModelFolder and findModelFolders: config.json beside safetensors, depth-limited, dot-folders and node_modules skipped', async () => {
  const root = tempDir();
  const put = (rel: string) => {
    fs.mkdirSync(path.join(root, rel), { recursive: true });
    for (const name of fs.readdirSync(path.join(MODELS, 'roberta'))) fs.copyFileSync(path.join(MODELS, 'roberta', name), path.join(root, rel, name));
  };
  put('models/roberta');
  put('node_modules/pkg/model');
  put('.venv/model');
  put('a/b/c/d/e/deep');
  fs.mkdirSync(path.join(root, 'notes'));
  fs.writeFileSync(path.join(root, 'notes', 'config.json'), '{}');
  const found = await findModelFolders([root]);
  assert.deepEqual(found.map((f) => path.relative(root, f.dir)), ['models/roberta']);
  assert.equal(found[0]!.modelType, 'roberta');
  assert.equal(await describeModelFolder(path.join(root, 'notes')), undefined);

  fs.writeFileSync(path.join(root, 'models', 'roberta', 'config.json'), '{"model_type": ');
  assert.match((await describeModelFolder(path.join(root, 'models', 'roberta')))!.configProblem ?? '', /^config\.json: .*JSON/);
});

test('formatBytes: decimal units', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(31_400), '31 kB');
  assert.equal(formatBytes(548_105_171), '548 MB');
  assert.equal(formatBytes(1_240_000_000), '1.2 GB');
});
