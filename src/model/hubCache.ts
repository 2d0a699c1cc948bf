/**
 * Finding the models a user already has: the Hugging Face hub cache, and model folders in a
 * workspace. No vscode import (the host's Open Model… and the tests both call it).
 *
 * Contract:
 *   hubCacheDirs(env, home)   the cache folders to look in, first the one huggingface_hub itself
 *                             would use: $HF_HUB_CACHE (or the legacy $HUGGINGFACE_HUB_CACHE),
 *                             else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
 *                             ~/.cache/huggingface/hub (huggingface_hub/constants.py); existing
 *                             folders only, without duplicates.
 *   listHubModels(cacheDir)   every `models--org--name` repo with its snapshots, newest first:
 *                             the commit, the refs naming it (refs/main → "main"), the size of the
 *                             files it holds (symlinks followed to their blobs), config.json's
 *                             model_type and architectures, and whether it has a safetensors
 *                             checkpoint and a tokenizer.json. Datasets and spaces are skipped.
 *   describeModelFolder(dir)  the same description for any folder, or undefined when it holds no
 *                             config.json next to a .safetensors file (not a model Headlight opens).
 *   findModelFolders(roots)   model folders under the roots (depth-limited; node_modules, .git and
 *                             other dot-folders skipped), in path order.
 *
 * The cache layout follows huggingface_hub's file_download.py (repo_folder_name: "models--" +
 * repo_id with "/" → "--"; blobs/<etag>, snapshots/<commit>/<path> → ../../blobs/<etag>,
 * refs/<name> holding the commit) and _cache_manager.py (scan_cache_dir: a revision's size is the
 * sum of its files' blob sizes, its last_modified the snapshot folder's mtime). On Windows without
 * developer mode the snapshot holds copies instead of symlinks; stat() reads both the same way.
 * A snapshot whose symlink points at a missing blob (an interrupted download) lists that file in
 * `missing` instead of failing the whole scan.
 */
import { promises as fsp, type Stats } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface ModelFolderInfo {
  readonly dir: string;
  /** config.json's model_type, or undefined when it has none or cannot be parsed. */
  readonly modelType: string | undefined;
  /** config.json's architectures[0] ("GPT2LMHeadModel"), when given. */
  readonly architecture: string | undefined;
  /** Bytes of every file in the folder (after following symlinks). */
  readonly bytes: number;
  /** Bytes of the checkpoint alone (*.safetensors): what loading will read. */
  readonly checkpointBytes: number;
  readonly hasTokenizer: boolean;
  /** Why config.json could not be read, when it could not. */
  readonly configProblem: string | undefined;
  /** Files whose symlink target is missing (an interrupted download). */
  readonly missing: readonly string[];
}

export interface HubRevision extends ModelFolderInfo {
  readonly commit: string;
  /** The refs naming this commit ("main", "refs/pr/1" is "pr/1"). */
  readonly refs: readonly string[];
  /** The snapshot folder's mtime (ms since the epoch): what "newest" means. */
  readonly lastModified: number;
}

export interface HubModel {
  /** "org/name" (or "name" for a repo without an owner). */
  readonly repoId: string;
  readonly cacheDir: string;
  readonly repoDir: string;
  /** Newest first; only snapshots that are model folders (config.json + safetensors). */
  readonly revisions: readonly HubRevision[];
}

type Env = Readonly<Record<string, string | undefined>>;

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}

/** Candidate cache folders in huggingface_hub's order of precedence (existence not checked). */
export function hubCacheCandidates(env: Env = process.env, home: string = os.homedir()): string[] {
  const out: string[] = [];
  const add = (p: string | undefined) => {
    if (p) out.push(path.resolve(expandHome(p, home)));
  };
  add(env.HF_HUB_CACHE);
  add(env.HUGGINGFACE_HUB_CACHE);
  if (env.HF_HOME) add(path.join(expandHome(env.HF_HOME, home), 'hub'));
  if (env.XDG_CACHE_HOME) add(path.join(expandHome(env.XDG_CACHE_HOME, home), 'huggingface', 'hub'));
  add(path.join(home, '.cache', 'huggingface', 'hub'));
  return [...new Set(out)];
}

/** The candidate cache folders that exist. */
export async function hubCacheDirs(env: Env = process.env, home: string = os.homedir()): Promise<string[]> {
  const out: string[] = [];
  for (const dir of hubCacheCandidates(env, home)) if ((await statOrUndefined(dir))?.isDirectory()) out.push(dir);
  return out;
}

async function statOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await fsp.stat(p);
  } catch {
    return undefined;
  }
}

async function readDirNames(dir: string): Promise<string[]> {
  try {
    return (await fsp.readdir(dir)).sort();
  } catch {
    return [];
  }
}

/** "models--openai-community--gpt2" → "openai-community/gpt2"; other repo types → undefined. */
export function repoIdOfFolder(name: string): string | undefined {
  if (!name.startsWith('models--')) return undefined;
  const rest = name.slice('models--'.length);
  return rest.length > 0 ? rest.split('--').join('/') : undefined;
}

/** Every file under dir (relative paths), symlinks listed as files. */
async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await fsp.readdir(path.join(dir, prefix), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const rel = prefix ? path.join(prefix, entry.name) : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

export async function describeModelFolder(dir: string): Promise<ModelFolderInfo | undefined> {
  const files = await listFiles(dir);
  if (!files.includes('config.json') || !files.some((f) => f.endsWith('.safetensors'))) return undefined;
  let bytes = 0, checkpointBytes = 0;
  const missing: string[] = [];
  for (const file of files) {
    // stat follows the snapshot's symlink to its blob: the size the hub's scan_cache_dir counts.
    const stat = await statOrUndefined(path.join(dir, file));
    if (!stat) {
      missing.push(file);
      continue;
    }
    bytes += stat.size;
    if (file.endsWith('.safetensors')) checkpointBytes += stat.size;
  }
  let modelType: string | undefined, architecture: string | undefined, configProblem: string | undefined;
  try {
    const config = JSON.parse(await fsp.readFile(path.join(dir, 'config.json'), 'utf8')) as unknown;
    if (typeof config === 'object' && config !== null && !Array.isArray(config)) {
      const record = config as Record<string, unknown>;
      if (typeof record.model_type === 'string') modelType = record.model_type;
      if (Array.isArray(record.architectures) && typeof record.architectures[0] === 'string') architecture = record.architectures[0];
    } else configProblem = 'config.json is not a JSON object';
  } catch (error) {
    configProblem = `config.json: ${error instanceof Error ? error.message : String(error)}`;
  }
  return { dir, modelType, architecture, bytes, checkpointBytes, hasTokenizer: files.includes('tokenizer.json'), configProblem, missing };
}

async function readRefs(repoDir: string): Promise<Map<string, string[]>> {
  const byCommit = new Map<string, string[]>();
  const refsDir = path.join(repoDir, 'refs');
  for (const ref of await listFiles(refsDir)) {
    let commit: string;
    try {
      commit = (await fsp.readFile(path.join(refsDir, ref), 'utf8')).trim();
    } catch {
      continue;
    }
    const name = ref.split(path.sep).join('/');
    byCommit.set(commit, [...(byCommit.get(commit) ?? []), name]);
  }
  return byCommit;
}

export async function listHubModels(cacheDir: string): Promise<HubModel[]> {
  const models: HubModel[] = [];
  for (const name of await readDirNames(cacheDir)) {
    const repoId = repoIdOfFolder(name);
    if (!repoId) continue;
    const repoDir = path.join(cacheDir, name);
    const refs = await readRefs(repoDir);
    const revisions: HubRevision[] = [];
    for (const commit of await readDirNames(path.join(repoDir, 'snapshots'))) {
      const dir = path.join(repoDir, 'snapshots', commit);
      const stat = await statOrUndefined(dir);
      if (!stat?.isDirectory()) continue;
      const info = await describeModelFolder(dir);
      if (!info) continue;
      revisions.push({ ...info, commit, refs: refs.get(commit) ?? [], lastModified: stat.mtimeMs });
    }
    // Newest first; a tie (same mtime) puts the one refs/main names first, then by commit.
    revisions.sort((a, b) => b.lastModified - a.lastModified || Number(b.refs.includes('main')) - Number(a.refs.includes('main')) || a.commit.localeCompare(b.commit));
    if (revisions.length > 0) models.push({ repoId, cacheDir, repoDir, revisions });
  }
  return models;
}

const SKIPPED_FOLDERS = new Set(['node_modules', '__pycache__', 'dist', 'out']);

/** Model folders under the roots, at most `maxDepth` levels down, at most `limit` of them. */
export async function findModelFolders(roots: readonly string[], opts: { maxDepth?: number; limit?: number } = {}): Promise<ModelFolderInfo[]> {
  const maxDepth = opts.maxDepth ?? 4;
  const limit = opts.limit ?? 200;
  const out: ModelFolderInfo[] = [];
  const visit = async (dir: string, depth: number): Promise<void> => {
    if (out.length >= limit) return;
    const info = await describeModelFolder(dir);
    if (info) out.push(info);
    if (depth >= maxDepth) return;
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || SKIPPED_FOLDERS.has(entry.name)) continue;
      await visit(path.join(dir, entry.name), depth + 1);
    }
  };
  for (const root of roots) await visit(root, 0);
  return out;
}

/** "548 MB", "1.2 GB", "31 kB": decimal units, as the hub's own size display. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes, unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
