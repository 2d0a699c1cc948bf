/**
 * The end-to-end harness: Headlight packaged with vsce and installed into a fresh code-server the
 * way a user installs it, a workbench page in Debian Chromium, and the few gestures the scenarios
 * need (command palette, quick open, keyboard, webview frames, hovers, the Problems panel, save
 * dialogs). Selectors follow the DOM contract in test/e2e/DOM-CONTRACT.md and VS Code's own classes.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Frame, Locator, Page } from 'playwright-core';
import {
  CodeServer,
  createRunFolder,
  installExtension,
  launchBrowser,
  packageExtension,
  removeRunFolder,
  type RunFolder,
} from '../../../scripts/workbench/codeServer';

export const repoRoot = resolve(__dirname, '..', '..', '..');
export const resultsDir = join(repoRoot, 'test-results', 'e2e');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface Manifest {
  readonly contributes?: {
    readonly commands?: readonly { command: string; title: string; category?: string }[];
    readonly keybindings?: readonly { command: string; key: string; mac?: string; when?: string }[];
    readonly views?: Record<string, readonly { id: string; name: string; type?: string }[]>;
    readonly viewsContainers?: Record<string, readonly { id: string; title: string }[]>;
    readonly configuration?: unknown;
  };
}

export class Workbench {
  private constructor(
    readonly run: RunFolder,
    readonly server: CodeServer,
    readonly browser: BrowserContext,
    /** A copy of test/e2e/workspace inside the run folder: the scenarios may write into it. */
    readonly workspace: string,
  ) {}

  /** Packages the current build, installs it into a fresh code-server, and opens Chromium. */
  static async launch(settings: Record<string, unknown> = {}): Promise<Workbench> {
    const run = createRunFolder('e2e', settings);
    try {
      const vsix = join(run.root, 'headlight.vsix');
      packageExtension(repoRoot, vsix);
      installExtension(run, vsix);
      const workspace = join(run.root, 'workspace');
      cpSync(join(repoRoot, 'test', 'e2e', 'workspace'), workspace, { recursive: true });
      const server = await CodeServer.start(run);
      const browser = await launchBrowser(run);
      mkdirSync(resultsDir, { recursive: true });
      return new Workbench(run, server, browser, workspace);
    } catch (error) {
      removeRunFolder(run);
      throw error;
    }
  }

  /** samples/ inside the installed extension: the files a new user actually gets. */
  installedSamples(): string {
    const installed = readdirSync(this.run.extensions).find((name) => name.startsWith('headlight.headlight-'));
    if (!installed) throw new Error(`the .vsix is not installed in ${this.run.extensions}`);
    return join(this.run.extensions, installed, 'samples');
  }

  async close(keepRunFolder: boolean): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.server.stop();
    if (keepRunFolder) console.log(`[e2e] kept ${this.run.root} (code-server.log, workspace)`);
    else removeRunFolder(this.run);
  }

  /**
   * A new workbench window, ready for input, on its own copy of the workspace (`name`): VS Code
   * restores a folder's editors and panels, so scenarios sharing a folder would see each other's.
   */
  async openWindow(name: string, prepare?: (folder: string) => void): Promise<{ page: Page; folder: string }> {
    const folder = join(this.run.root, 'windows', name);
    cpSync(this.workspace, folder, { recursive: true });
    prepare?.(folder);
    const page = await this.browser.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${this.server.url}/?folder=${encodeURIComponent(folder)}`);
    await page.locator('.monaco-workbench .statusbar-item').first().waitFor();
    // The explorer fills once the remote file system answers; then keyboard input lands.
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor();
    return { page, folder };
  }
}

/**
 * Finds a command in the palette by its full title ("Headlight: Show Attention"). The palette
 * lists what was known when it opened, and extensions register a moment after the window loads,
 * so it is reopened until the row shows or `timeoutMs` passes. Leaves the palette open on the row.
 */
async function findInPalette(page: Page, title: string, timeoutMs: number): Promise<Locator | undefined> {
  const deadline = Date.now() + timeoutMs;
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input.input');
  for (;;) {
    // A quick input that is still closing (a save dialog, the last command) would eat the keys.
    if (!(await widget.isHidden())) {
      await widget.waitFor({ state: 'hidden', timeout: 3_000 }).catch(() => page.keyboard.press('Escape'));
    }
    await page.keyboard.press('F1');
    const typed = await input.fill(`>${title}`, { timeout: 3_000 }).then(
      () => true,
      () => false,
    );
    if (!typed) {
      if (Date.now() > deadline) return undefined;
      continue;
    }
    // The exact label: "View: Close All Editors" must not pick "View: Close All Editors in Group".
    const label = page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) });
    const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: label }).first();
    const shown = await row.waitFor({ timeout: 2_000 }).then(
      () => true,
      () => false,
    );
    if (shown) return row;
    await page.keyboard.press('Escape');
    if (Date.now() > deadline) return undefined;
    await sleep(500);
  }
}

/** Runs a command from the palette by its full title. Returns `performance.now()`-style ms when it was picked. */
export async function runCommand(page: Page, title: string, timeoutMs = 20_000): Promise<number> {
  const row = await findInPalette(page, title, timeoutMs);
  if (!row) throw new Error(`the command palette does not list "${title}"`);
  await row.focus();
  const pickedAt = performance.now();
  await page.keyboard.press('Enter');
  return pickedAt;
}

/** True when the palette lists a command with this title. Leaves the palette closed. */
export async function paletteHasCommand(page: Page, title: string, timeoutMs = 20_000): Promise<boolean> {
  const row = await findInPalette(page, title, timeoutMs);
  if (row) await page.keyboard.press('Escape');
  return row !== undefined;
}

/** Opens a workspace file with Quick Open and waits for its editor tab (retrying a pick the list swallowed). */
export async function openFile(page: Page, fileName: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const widget = page.locator('.quick-input-widget');
  const tab = page.locator(`.editor-group-container.active .tab.active[data-resource-name="${fileName}"]`);
  for (;;) {
    if (!(await widget.isHidden())) await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    await widget.locator('input.input').fill(fileName);
    // The best match comes first and is focused; Enter opens it (a click can land on a row being re-rendered).
    await widget.locator('.quick-input-list .monaco-list-row.focused').filter({ hasText: fileName }).first().waitFor();
    await page.keyboard.press('Enter');
    const opened = await tab.waitFor({ timeout: 5_000 }).then(
      () => true,
      () => false,
    );
    if (opened) break;
    if (Date.now() > deadline) throw new Error(`Quick Open did not open ${fileName}`);
  }
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().waitFor();
}

/** Selects one whole line (1-based) of an open text file with the keyboard, as a user would. */
export async function selectLine(page: Page, fileName: string, lineNumber: number): Promise<void> {
  await page.locator(`.tab[data-resource-name="${fileName}"]`).first().click();
  const editor = page.locator('.editor-group-container.active .monaco-editor .view-lines').first();
  await editor.click();
  await page.keyboard.press('Control+Home');
  for (let i = 1; i < lineNumber; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Home');
  await page.keyboard.press('Shift+End');
}

/** The innermost webview frame holding `selector` (a webview is two nested iframes). */
export async function webviewFrame(page: Page, selector: string, timeoutMs = 20_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame() || frame.isDetached()) continue;
      const found = await frame.$(selector).catch(() => null);
      if (found) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no webview frame holds ${selector} after ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** The webview frame holding `selector` once `ready` holds in it, looking again when a frame found first is detached (its webview moved). */
export async function stableFrame(page: Page, selector: string, timeoutMs: number, ready: (frame: Frame, timeout: number) => Promise<unknown>): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = await webviewFrame(page, selector, Math.max(1, deadline - Date.now()));
    try {
      await ready(frame, Math.max(1, deadline - Date.now()));
      return frame;
    } catch (error) {
      if (!frame.isDetached() || Date.now() > deadline) throw error;
    }
  }
}

export interface PanelReading {
  readonly tokens: string[];
  readonly softmaxLine: string;
  /** data-value of every printed weight, by [row][col]. */
  readonly weights: number[][];
  /** The text printed in each cell. */
  readonly printed: string[][];
  readonly oov: string;
}

/** Reads the attention panel through the DOM contract. */
export async function readPanel(frame: Frame): Promise<PanelReading> {
  // No named helpers inside: tsx would wrap them in a `__name` call the page does not define.
  return frame.evaluate(() => {
    const tokens = Array.from(document.querySelectorAll('[data-testid="token"]')).map((el) => (el.textContent ?? '').trim());
    const weights: number[][] = [];
    const printed: string[][] = [];
    for (const cell of Array.from(document.querySelectorAll('[data-testid="weights-table"] td[data-row][data-col]'))) {
      const row = Number(cell.getAttribute('data-row'));
      const col = Number(cell.getAttribute('data-col'));
      (weights[row] ??= [])[col] = Number(cell.getAttribute('data-value'));
      (printed[row] ??= [])[col] = (cell.textContent ?? '').trim();
    }
    return {
      tokens,
      softmaxLine: (document.querySelector('[data-testid="softmax-line"]')?.textContent ?? '').trim(),
      weights,
      printed,
      oov: (document.querySelector('[data-testid="oov"]')?.textContent ?? '').trim(),
    };
  });
}

/**
 * Waits until the panel has painted `tokenCount` tokens (state ready, heatmap painted) and
 * returns its frame. The timing scenario measures up to here, so the wait adds as little as it
 * can: one script in the workbench page looks into the webviews' frames (the same origin as the
 * page in code-server) every few milliseconds — no protocol round trip per look, and a look waits
 * only for the page's thread, not for the next poll from here. Where the frames cannot be reached
 * from the page, it falls back to polling each frame over the protocol.
 */
export async function waitForPaintedPanel(page: Page, tokenCount: number, timeoutMs = 30_000 + 100 * tokenCount): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  // A string, not a function: tsx would wrap named helpers in `__name`.
  const found = await page.evaluate(`new Promise((resolve) => {
    const n = ${Number(tokenCount)};
    const deadline = Date.now() + ${Math.max(1, timeoutMs)};
    const painted = (doc) =>
      doc.querySelector('#app')?.getAttribute('data-state') === 'ready' &&
      doc.querySelectorAll('[data-testid="token"]').length === n &&
      doc.querySelector('[data-testid="heatmap"]')?.getAttribute('data-painted') === 'true';
    const look = () => {
      let reachable = false;
      for (const outer of document.querySelectorAll('iframe')) {
        let inner;
        try {
          inner = outer.contentDocument?.querySelectorAll('iframe') ?? [];
        } catch {
          continue;
        }
        reachable = true;
        for (const frame of inner) {
          try {
            if (frame.contentDocument && painted(frame.contentDocument)) return resolve({ outer: outer.contentWindow.location.href });
          } catch {}
        }
      }
      if (!reachable && document.querySelector('iframe.webview')) return resolve({ unreachable: true });
      if (Date.now() > deadline) return resolve({ timeout: true });
      setTimeout(look, 4);
    };
    look();
  })`) as { outer?: string; unreachable?: boolean; timeout?: boolean };
  if (found.timeout) throw new Error(`the panel did not paint ${tokenCount} tokens within ${timeoutMs} ms`);
  if (found.outer) {
    // The panel's document lives in a child of the webview's frame (the one holding #app, when
    // a new document is being swapped in beside the old one).
    const children = page.frames().filter((f) => !f.isDetached() && f.parentFrame()?.url() === found.outer);
    if (children.length === 1) return children[0]!;
    for (const child of children) if (await child.$('#app[data-state="ready"]').catch(() => null)) return child;
  }
  // The frames are not reachable from the page (or not known by that address): poll each one.
  const frame = await webviewFrame(page, '#app', Math.max(1, deadline - Date.now()));
  await frame.waitForFunction(
    (n) =>
      document.querySelector('#app')?.getAttribute('data-state') === 'ready' &&
      document.querySelectorAll('[data-testid="token"]').length === n &&
      document.querySelector('[data-testid="heatmap"]')?.getAttribute('data-painted') === 'true',
    tokenCount,
    { timeout: Math.max(1, deadline - Date.now()), polling: 'raf' },
  );
  return frame;
}

/**
 * Fills the simple file dialog (code-server's save dialog) with an absolute path and accepts it.
 * The dialog writes its own value in steps after it opens (the folder first, then the default file
 * name, selected), and a later step replaces whatever was typed before it: on a loaded machine a
 * path typed in between was lost and the file saved under the default name. So: wait until the
 * dialog's value has stopped changing, type, and check the value right before accepting.
 */
export async function answerSaveDialog(page: Page, absolutePath: string): Promise<void> {
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor();
  let last = '';
  let stableSince = Date.now();
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await input.inputValue();
    if (value !== last) {
      last = value;
      stableSince = Date.now();
    } else if ((value.startsWith('/') || value.startsWith('~')) && !value.endsWith('/') && Date.now() - stableSince >= 300) {
      break;
    }
    if (Date.now() > deadline) throw new Error(`the save dialog's own value did not settle (last: "${last}")`);
    await page.waitForTimeout(50);
  }
  await input.fill(absolutePath);
  await page.waitForTimeout(200);
  const typed = await input.inputValue();
  if (typed !== absolutePath) throw new Error(`the save dialog replaced the typed path "${absolutePath}" with "${typed}"`);
  await page.keyboard.press('Enter');
}

/** A keybinding from package.json in Playwright's notation ("ctrl+alt+]" → "Control+Alt+BracketRight"). */
export function playwrightKeys(vscodeKey: string): string[] {
  const names: Record<string, string> = {
    ctrl: 'Control', shift: 'Shift', alt: 'Alt', meta: 'Meta', cmd: 'Meta', win: 'Meta',
    ']': 'BracketRight', '[': 'BracketLeft', ',': 'Comma', '.': 'Period', '/': 'Slash', ';': 'Semicolon',
    "'": 'Quote', '`': 'Backquote', '-': 'Minus', '=': 'Equal', '\\': 'Backslash',
    up: 'ArrowUp', down: 'ArrowDown', left: 'ArrowLeft', right: 'ArrowRight',
    pageup: 'PageUp', pagedown: 'PageDown', home: 'Home', end: 'End', enter: 'Enter', escape: 'Escape', tab: 'Tab', space: 'Space',
  };
  // A chord ("ctrl+k ctrl+n") is pressed as a sequence.
  return vscodeKey.split(' ').map((chord) =>
    chord
      .split('+')
      .map((part) => names[part.toLowerCase()] ?? (part.length === 1 ? part.toUpperCase() : part[0]!.toUpperCase() + part.slice(1)))
      .join('+'),
  );
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(resultsDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Waits for a file to appear with at least `minBytes` bytes. */
export async function waitForFile(path: string, minBytes = 1, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(path) && statSync(path).size >= minBytes) return;
    await sleep(100);
  }
  throw new Error(`${path} was not written within ${timeoutMs} ms`);
}
