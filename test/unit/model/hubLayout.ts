/**
 * A Hugging Face hub cache laid out the way huggingface_hub lays it out (file_download.py):
 *   <cache>/models--<org>--<name>/blobs/<sha256 of the file>
 *   <cache>/models--<org>--<name>/snapshots/<commit>/<file> → ../../blobs/<sha256> (relative symlink)
 *   <cache>/models--<org>--<name>/refs/<ref>                 the commit, no newline
 * built from the committed fixture folders. Shared by the unit and integration tests.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface HubSnapshotSpec {
  readonly repoId: string;
  readonly commit: string;
  /** The folder whose files the snapshot holds. */
  readonly from: string;
  readonly refs?: readonly string[];
  /** Snapshot folder mtime (ms). */
  readonly mtimeMs?: number;
  /** Files to leave out of the blobs (their symlinks dangle: an interrupted download). */
  readonly dangling?: readonly string[];
}

export function repoFolder(repoId: string): string {
  return `models--${repoId.split('/').join('--')}`;
}

export function addHubSnapshot(cacheDir: string, spec: HubSnapshotSpec): string {
  const repoDir = path.join(cacheDir, repoFolder(spec.repoId));
  const snapshot = path.join(repoDir, 'snapshots', spec.commit);
  fs.mkdirSync(path.join(repoDir, 'blobs'), { recursive: true });
  fs.mkdirSync(snapshot, { recursive: true });
  for (const name of fs.readdirSync(spec.from).sort()) {
    const bytes = fs.readFileSync(path.join(spec.from, name));
    const etag = createHash('sha256').update(bytes).digest('hex');
    if (!spec.dangling?.includes(name)) fs.writeFileSync(path.join(repoDir, 'blobs', etag), bytes);
    fs.symlinkSync(path.join('..', '..', 'blobs', etag), path.join(snapshot, name));
  }
  for (const ref of spec.refs ?? []) {
    const file = path.join(repoDir, 'refs', ref);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, spec.commit);
  }
  if (spec.mtimeMs !== undefined) fs.utimesSync(snapshot, spec.mtimeMs / 1000, spec.mtimeMs / 1000);
  return snapshot;
}
