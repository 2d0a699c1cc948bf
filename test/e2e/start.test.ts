/**
 * README's run command, as a new user runs it: `npm start` on a machine without desktop VS Code
 * serves the workbench with Headlight installed on samples/, prints the URL, and that URL answers
 * HTTP 200. Opened in Chromium, the first view is the guided lesson with lesson.emb beside it
 * (a newcomer sees Headlight without knowing a command name).
 *
 *   node --import tsx --test test/e2e/start.test.ts
 *
 * The server runs in its own process group (detached) and is stopped by killing the group, as a
 * Ctrl-C in the terminal would. Its profile lives in a temporary HEADLIGHT_STATE, never in the
 * user's .headlight-work/start.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRunFolder, freePort, launchBrowser, removeRunFolder } from '../../scripts/workbench/codeServer';
import { repoRoot, screenshot } from './harness/workbench';

const STARTUP_TIMEOUT_MS = 240_000;

/** Resolves with the first URL the script prints, or rejects with its output when it exits first. */
function printedUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no URL printed within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const match = /^\s+(http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+)$/m.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code ?? signal}) before printing a URL:\n${output}`));
    });
  });
}

async function httpStatus(url: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return (await fetch(url, { redirect: 'manual' })).status;
    } catch (error) {
      // The URL is printed just before the server binds its port.
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

describe('npm start (README\'s run command)', { concurrency: false }, () => {
  const run = createRunFolder('start');
  let child: ChildProcess | undefined;

  after(async () => {
    if (child?.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // stopped by SIGTERM
      }
    }
    removeRunFolder(run);
  });

  test('serves Headlight on samples/, prints the URL, answers 200, and opens the guided lesson with lesson.emb', { timeout: STARTUP_TIMEOUT_MS + 120_000 }, async () => {
    const port = await freePort();
    const state = join(run.root, 'start-state');
    mkdirSync(state, { recursive: true });
    const started = Date.now();
    child = spawn('npm', ['start'], {
      cwd: repoRoot,
      // The real HOME (npm's cache, the tooling cache); the server's own files go to the run folder.
      env: {
        ...process.env,
        HEADLIGHT_PORT: String(port),
        HEADLIGHT_USE_CODE_SERVER: '1',
        HEADLIGHT_STATE: state,
        XDG_CONFIG_HOME: run.env.XDG_CONFIG_HOME,
        XDG_DATA_HOME: run.env.XDG_DATA_HOME,
        XDG_CACHE_HOME: run.env.XDG_CACHE_HOME,
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await printedUrl(child, STARTUP_TIMEOUT_MS);
    assert.equal(new URL(url).port, String(port), 'the URL uses HEADLIGHT_PORT');
    assert.equal(new URL(url).searchParams.get('folder'), join(repoRoot, 'samples'), 'the workbench opens samples/');
    assert.equal(await httpStatus(url, 30_000), 200, `GET ${url}`);
    console.log(`[e2e] npm start: URL printed and answering 200 after ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const browser = await launchBrowser(run);
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(60_000);
      await page.goto(url);
      await page.locator('.monaco-workbench .statusbar-item').first().waitFor();
      // The first view: the walkthrough's own title, and lesson.emb open in a tab.
      await page.locator('.gettingStartedContainer').getByText('Learn Attention with Headlight').first().waitFor();
      await page.locator('.tab[data-resource-name="lesson.emb"]').first().waitFor();
      await screenshot(page, 'start-first-view');
    } finally {
      await browser.close();
    }
  });
});
