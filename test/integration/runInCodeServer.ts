/**
 * Runner 2 of the integration suite (the one CI uses here): code-server serves the workbench,
 * Chromium opens it with the suite passed as extensionDevelopmentPath/extensionTestsPath in the
 * URL payload (honoured because the server runs with `enable-smoke-test-driver`), and the test
 * run reports its exit code through `codeAutomationExit`, which Playwright exposes to the page.
 *
 *   npm run test:integration          (builds first; needs scripts/workbench/install.sh once)
 *   HEADLIGHT_TEST_GREP='Real models' npm run test:integration     (the tests whose title matches)
 *
 * Prints mocha's spec output and closes with a plain `N passed, N failed` line; exits with the
 * suite's code. Runner 1, for desktop VS Code, is .vscode-test.mjs (`npx vscode-test`).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { format } from 'node:util';
import type { BrowserContext } from 'playwright-core';
import { CodeServer, createRunFolder, exitOnSignals, launchBrowser, removeRunFolder } from '../../scripts/workbench/codeServer';
import { suiteLinePrefix, type SuiteSummary } from './suite/index';

const repoRoot = resolve(__dirname, '..', '..');
const workspace = join(repoRoot, 'test', 'integration', 'workspace');
const resultsDir = join(repoRoot, 'test-results', 'integration');
const suiteEntry = join(repoRoot, 'out', 'test', 'integration', 'suite', 'index');
const timeoutMs = Number(process.env.HEADLIGHT_INTEGRATION_TIMEOUT_MS ?? 300_000);
/**
 * HEADLIGHT_WORKSPACE_TRUST=restricted runs the same suite with workspace trust on and the folder
 * untrusted (Restricted Mode); the suite reads HEADLIGHT_EXPECT_UNTRUSTED (trust.test.ts).
 */
const restricted = process.env.HEADLIGHT_WORKSPACE_TRUST === 'restricted';
const restrictedSettings = { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.emptyWindow': false };

async function main(): Promise<number> {
  if (!existsSync(`${suiteEntry}.js`)) throw new Error(`${suiteEntry}.js is missing: run \`npm run build\` first`);
  const started = Date.now();
  const run = createRunFolder(restricted ? 'integration-restricted' : 'integration', restricted ? restrictedSettings : {});
  const resultsFile = join(run.root, 'results.json');
  let passed = false;
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;
  const cleanup = async (): Promise<void> => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
  };
  exitOnSignals(cleanup);
  try {
    server = await CodeServer.start(run, {
      smokeTestDriver: true,
      workspaceTrust: restricted,
      extraEnv: {
        HEADLIGHT_TEST_RESULTS: resultsFile,
        HEADLIGHT_EXPECT_UNTRUSTED: restricted ? '1' : '0',
        // One suite or test by title (mocha's grep), for a quicker run while working on it.
        ...(process.env.HEADLIGHT_TEST_GREP ? { HEADLIGHT_TEST_GREP: process.env.HEADLIGHT_TEST_GREP } : {}),
      },
    });
    browser = await launchBrowser(run);
    const page = browser.pages()[0] ?? (await browser.newPage());

    let reportExit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolveExit) => (reportExit = resolveExit));
    // Called by the workbench (IAutomatedWindow) with every console line of the window and the
    // extension host, and with the verdict. The suite's own lines carry a prefix; the rest (the
    // workbench's chatter, gallery lookups failing offline) goes to a log file.
    mkdirSync(resultsDir, { recursive: true });
    const consoleLog = join(resultsDir, 'workbench-console.log');
    writeFileSync(consoleLog, '');
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      const line = format(...args);
      if (line.startsWith(suiteLinePrefix)) console.log(line.slice(suiteLinePrefix.length));
      else appendFileSync(consoleLog, `[${type}] ${line}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => reportExit(code));

    const payload = [
      ['extensionDevelopmentPath', server.remoteUri(repoRoot)],
      ['extensionTestsPath', server.remoteUri(suiteEntry)],
    ];
    const url = `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);
    const timedOut = new Promise<number>((resolveTimeout) =>
      setTimeout(() => {
        console.error(`[integration] no verdict after ${timeoutMs} ms; server log: ${server?.logFile}`);
        resolveTimeout(2);
      }, timeoutMs).unref(),
    );
    const code = await Promise.race([exited, timedOut]);

    const summary = existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as SuiteSummary) : undefined;
    if (restricted) console.log('[integration] workspace trust on, folder untrusted (Restricted Mode)');
    console.log(`[integration] code-server run took ${((Date.now() - started) / 1000).toFixed(1)} s, exit code ${code}`);
    if (summary) {
      console.log(`${summary.passed} passed, ${summary.failed} failed${summary.pending ? `, ${summary.pending} skipped` : ''}`);
    } else {
      console.log('0 passed, 1 failed'); // the suite never reported: count the run itself as the failure
    }
    // A run that executed no test is a failure too: the suite must have found its files.
    passed = code === 0 && summary !== undefined && summary.failed === 0 && summary.passed > 0;
    return passed ? 0 : 1;
  } finally {
    await cleanup();
    if (passed) removeRunFolder(run);
    else console.log(`[integration] kept ${run.root} (code-server.log) and ${resultsDir}/workbench-console.log`);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
