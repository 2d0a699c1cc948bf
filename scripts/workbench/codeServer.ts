/**
 * A real VS Code workbench on a machine without desktop VS Code: code-server (VS Code for the
 * browser) started in a confined run folder, and Debian's Chromium driven by playwright-core.
 * Shared by the integration runner, the end-to-end scenarios and `npm start`.
 *
 * Facts this relies on are in shared/e2e-recipe.md: code-server runs on Node 24; its process group
 * must be killed as a whole; `enable-smoke-test-driver` lets the URL carry extension-test options.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { assertToolingInstalled, chromiumArgs, chromiumPath, codeServerEntry, node24, node24Bin } from './tooling';

/** One run's private folders; HOME, TMPDIR and XDG_* point here so nothing leaks into the real home. */
export interface RunFolder {
  readonly root: string;
  readonly userData: string;
  readonly extensions: string;
  readonly browserProfile: string;
  readonly env: NodeJS.ProcessEnv;
}

const quietSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'git.enabled': false,
  'editor.hover.delay': 150,
  // Each run is a new profile: the first-start lesson would open in every window (start.test.ts checks it).
  'headlight.welcome.openOnFirstStart': false,
};

/** Creates a fresh run folder under the system temp dir (short paths keep IPC socket names valid). */
export function createRunFolder(label: string, settings: Record<string, unknown> = {}): RunFolder {
  const root = mkdtempSync(join(tmpdir(), `headlight-${label}-`));
  const dir = (name: string): string => {
    const path = join(root, name);
    mkdirSync(path, { recursive: true });
    return path;
  };
  const userData = dir('user-data');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify({ ...quietSettings, ...settings }, null, 2));
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // A harness started from a VS Code terminal must not hand its IPC hooks to the workbench.
    if (!key.startsWith('VSCODE_') && !key.startsWith('ELECTRON_')) env[key] = value;
  }
  Object.assign(env, {
    HOME: dir('home'),
    TMPDIR: dir('tmp'),
    XDG_CONFIG_HOME: dir('xdg/config'),
    XDG_DATA_HOME: dir('xdg/data'),
    XDG_CACHE_HOME: dir('xdg/cache'),
    PATH: `${node24Bin}:${process.env.PATH ?? ''}`,
  });
  return { root, userData, extensions: dir('extensions'), browserProfile: dir('browser-profile'), env };
}

export function removeRunFolder(run: RunFolder): void {
  if (process.env.HEADLIGHT_KEEP_RUN === '1') {
    console.log(`[workbench] kept run folder ${run.root}`);
    return;
  }
  rmSync(run.root, { recursive: true, force: true, maxRetries: 3 });
}

/** Installs a packaged extension the way a user would (`code-server --install-extension`). */
export function installExtension(run: RunFolder, vsixPath: string): void {
  const result = spawnSync(
    node24,
    [codeServerEntry, '--user-data-dir', run.userData, '--extensions-dir', run.extensions, '--install-extension', vsixPath],
    { env: run.env, encoding: 'utf8', timeout: 120_000 },
  );
  if (result.status !== 0) {
    throw new Error(`code-server --install-extension ${vsixPath} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** Packages the extension with vsce into `outFile` (the build must be current). */
export function packageExtension(repoRoot: string, outFile: string): void {
  const result = spawnSync(
    join(repoRoot, 'node_modules', '.bin', 'vsce'),
    ['package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', outFile],
    { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (result.status !== 0) throw new Error(`vsce package failed:\n${result.stdout}\n${result.stderr}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** True while any process of the group is alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface CodeServerOptions {
  readonly port?: number;
  /** Lets the URL carry extensionDevelopmentPath/extensionTestsPath (integration runs). */
  readonly smokeTestDriver?: boolean;
  readonly extraEnv?: Record<string, string>;
  /**
   * Leave workspace trust on (no `--disable-workspace-trust`): with the user settings
   * `security.workspace.trust.enabled: true` and `startupPrompt: 'never'` the folder opens in
   * Restricted Mode (runs that check Headlight in untrusted workspaces).
   */
  readonly workspaceTrust?: boolean;
}

/** code-server in its own process group (setsid), logging to <run>/code-server.log. */
export class CodeServer {
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly logFile: string,
  ) {
    child.once('exit', () => {
      this.exited = true;
    });
    // Whatever happens to the harness, the server must not outlive it.
    process.once('exit', this.killNow);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The `vscode-remote://` form of a server-side path, as the workbench addresses it. */
  remoteUri(absolutePath: string): string {
    return `vscode-remote://127.0.0.1:${this.port}${absolutePath}`;
  }

  static async start(run: RunFolder, options: CodeServerOptions = {}): Promise<CodeServer> {
    assertToolingInstalled();
    const port = options.port ?? (await freePort());
    const logFile = join(run.root, 'code-server.log');
    const log = openSync(logFile, 'a');
    const args = [
      codeServerEntry,
      '--config', '/dev/null',
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--user-data-dir', run.userData,
      '--extensions-dir', run.extensions,
      '--disable-telemetry',
      '--disable-update-check',
      '--ignore-last-opened',
    ];
    if (!options.workspaceTrust) args.push('--disable-workspace-trust');
    if (options.smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
    const child = spawn(node24, args, {
      env: { ...run.env, ...options.extraEnv },
      detached: true, // setsid: the server and its extension hosts form one process group
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const server = new CodeServer(child, port, logFile);
    try {
      await server.waitHealthy(60_000);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`code-server exited during start-up; see ${this.logFile}`);
      try {
        const response = await fetch(`${this.url}/healthz`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`code-server did not answer /healthz within ${timeoutMs} ms; see ${this.logFile}`);
  }

  private readonly killNow = (): void => {
    const pgid = this.child.pid;
    if (pgid !== undefined && groupAlive(pgid)) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  /** Stops the whole process group: SIGTERM, then SIGKILL for whatever is left after 5 s. */
  async stop(): Promise<void> {
    process.removeListener('exit', this.killNow);
    const pgid = this.child.pid;
    if (pgid === undefined) return;
    try {
      process.kill(-pgid, 'SIGTERM');
    } catch {
      return;
    }
    const deadline = Date.now() + 5_000;
    while (groupAlive(pgid) && Date.now() < deadline) await sleep(100);
    if (groupAlive(pgid)) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
}

/** Debian Chromium, headless, with a fresh profile inside the run folder. */
export async function launchBrowser(run: RunFolder): Promise<BrowserContext> {
  return chromium.launchPersistentContext(run.browserProfile, {
    executablePath: chromiumPath,
    headless: true,
    args: [...chromiumArgs],
    env: run.env,
    viewport: { width: 1440, height: 900 },
    acceptDownloads: false,
  });
}

/** Stops on Ctrl-C and termination too, so no server is left behind. */
export function exitOnSignals(cleanup: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void cleanup().finally(() => process.exit(130));
    });
  }
}
