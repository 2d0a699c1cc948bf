/**
 * Hostile tokens in a real workbench (issue 6). test/e2e/workspace/hostile/hostile.emb holds
 * tokens that carry HTML, a closing </script>, markdown and javascript: links, a command: link
 * (toggleZenMode), markdown autolinks, a right-to-left override and a 10,000-character token.
 * Every payload that could run leaves a trace if it does: `window.__hlPwned`, a document title
 * "PWNED", an <img src=x> in the DOM, Zen Mode switched on.
 *
 * In the packaged extension, installed in code-server and driven in Chromium, as a user would:
 *   1. hover each token in the editor: the hover shows it as text (controls made visible, the
 *      long one cut with its length), with no element, link or command made from it;
 *   2. Show Attention on the hostile rows: every token element keeps the raw token in data-token
 *      and shows its display form as text (bidi controls made visible, the long one cut with its
 *      length), no element comes from a payload, nothing ran, in the webview or in the workbench;
 *   3. the Content-Security-Policy of both webviews (attention panel, Heads view): default-src
 *      'none', scripts by nonce only; an inline script, an inline handler and a wrong nonce
 *      injected from the test are blocked (and one with the right nonce runs, so the blocking is
 *      CSP's doing);
 *   4. malformed messages posted on the webviews' real channel (what acquireVsCodeApi's
 *      postMessage uses) are ignored and logged in the "Headlight" log file, and a valid message
 *      on the same channel still works.
 *
 *   node --import tsx --test test/e2e/hostile.test.ts     (after `npm run build`)
 * Screenshots: test-results/e2e/hostile-*.png.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { readEmbText } from './harness/reference';
import { openFile, repoRoot, runCommand, screenshot, waitForPaintedPanel, webviewFrame, Workbench } from './harness/workbench';

const FIXTURE = join(repoRoot, 'test', 'e2e', 'workspace', 'hostile', 'hostile.emb');
const FILE = 'hostile.emb';
/** 1-based editor line of the first token row (after the two comment lines). */
const FIRST_ROW_LINE = 3;
const TRACE = '__hlPwned';

const text = readFileSync(FIXTURE, 'utf8');
/** The raw tokens, in file order, straight from the fixture text (independent of our parser). */
const TOKENS = text
  .split('\n')
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((line) => line.split(' ').slice(0, -3).join(' '));
const LONG = TOKENS.find((t) => t.length === 10_000);
const RTL = TOKENS.find((t) => t.includes('\u202e'));

/** Bidi controls and the other invisible characters the display form must make visible. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const LIVE_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
/** Code points the webview shows of a token before cutting it (DOM-CONTRACT.md). */
const TOKEN_WIDTH = 64;

/**
 * What the webview should show for a token, worked out here from the contract rather than taken
 * from our code: each live control as ⟨U+XXXX⟩, and past TOKEN_WIDTH code points a visible cut
 * with the token's full length.
 */
function expectedDisplay(token: string): string {
  const chars = Array.from(token);
  const shown = chars
    .slice(0, TOKEN_WIDTH)
    .map((c) => (LIVE_CONTROLS.test(c) ? `⟨U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}⟩` : c))
    .join('');
  return chars.length > TOKEN_WIDTH ? `${shown}… ⟨${chars.length.toLocaleString('en-US')} characters⟩` : shown;
}

/** Nothing ran in any frame of the page: no trace global, no "PWNED" title, no <img src=x>. */
async function assertNoTrace(page: Page, where: string): Promise<void> {
  for (const frame of page.frames()) {
    if (frame.isDetached()) continue;
    const found = await frame
      .evaluate((trace) => ({
        trace: (window as unknown as Record<string, unknown>)[trace],
        title: document.title,
        images: document.querySelectorAll('img[src="x"], [onerror]').length,
      }), TRACE)
      .catch(() => undefined); // a frame that went away meanwhile
    if (!found) continue;
    assert.equal(found.trace, undefined, `${where}: a payload ran in ${frame.url().slice(0, 80)} (window.${TRACE} = ${String(found.trace)})`);
    assert.doesNotMatch(found.title, /PWNED/, `${where}: a payload set the title of ${frame.url().slice(0, 80)}`);
    assert.equal(found.images, 0, `${where}: an element was made from a payload in ${frame.url().slice(0, 80)}`);
  }
}

async function goToLine(page: Page, line: number): Promise<void> {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor();
  await input.fill(`:${line}`); // Go to Line is Quick Open with a ':' prefix
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

interface HoverReading {
  readonly bold: string;
  readonly text: string;
  readonly links: string[];
  readonly images: number;
  readonly html: string;
}

/** Shows the hover at the cursor with the keyboard (Ctrl+K Ctrl+I) and reads it. */
async function hoverAtLine(page: Page, line: number): Promise<HoverReading> {
  const hover = page.locator('.monaco-hover').filter({ hasText: /cosine/i }).first();
  const deadline = Date.now() + 30_000;
  for (;;) {
    await page.keyboard.press('Escape');
    await goToLine(page, line);
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    if (await hover.waitFor({ state: 'visible', timeout: 4_000 }).then(() => true, () => false)) break;
    assert.ok(Date.now() < deadline, `a hover with similarity scores appears on line ${line}`);
  }
  return hover.evaluate((el) => {
    const markdown = el.querySelector('.rendered-markdown') ?? el;
    return {
      bold: markdown.querySelector('strong')?.textContent ?? '',
      text: markdown.textContent ?? '',
      links: Array.from(markdown.querySelectorAll('a')).map((a) => `${a.getAttribute('href') ?? ''} ${a.getAttribute('data-href') ?? ''}`.trim()),
      images: markdown.querySelectorAll('img').length,
      html: markdown.innerHTML.slice(0, 2000),
    };
  });
}

/** Files under `dir` whose name ends with `suffix`. */
function findFiles(dir: string, suffix: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) findFiles(path, suffix, out);
    else if (name.endsWith(suffix)) out.push(path);
  }
  return out;
}

/**
 * The webview's policy is the strict one (default-src 'none', scripts only by our bundle's nonce,
 * no unsafe-*), and it holds: an inline script, a wrong nonce and an inline handler injected from
 * the test do not run, while the same injection with the right nonce does (so it is CSP's doing).
 */
async function assertCspHolds(frame: Frame, bundle: RegExp, what: string): Promise<void> {
  const csp = await frame.evaluate(() => {
    const meta = document.querySelector('meta[http-equiv="Content-Security-Policy"]');
    const bundle = document.querySelector('script[src]') as HTMLScriptElement | null;
    return { policy: meta?.getAttribute('content') ?? '', nonce: bundle?.nonce ?? '', src: bundle?.src ?? '' };
  });
  const directives = new Map(csp.policy.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
  assert.deepEqual(directives.get('default-src'), ["'none'"], `${what}: default-src 'none': ${csp.policy}`);
  const scriptSrc = directives.get('script-src') ?? [];
  assert.ok(csp.nonce.length >= 16, `the bundle's script carries a nonce (${csp.nonce.length} characters)`);
  assert.deepEqual(scriptSrc, [`'nonce-${csp.nonce}'`], `${what}: scripts only by the bundle's nonce: ${csp.policy}`);
  assert.ok(!csp.policy.includes('unsafe-inline') && !csp.policy.includes('unsafe-eval'), `${what}: no unsafe-*: ${csp.policy}`);
  assert.match(csp.src, bundle, `${what}: the script is our bundle`);

  // No named helpers inside evaluate: tsx would wrap them in a `__name` call the page does not define.
  const outcome = await frame.evaluate(async (nonce) => {
    const violations: string[] = [];
    document.addEventListener('securitypolicyviolation', (e) => violations.push(e.effectiveDirective));
    const flags = window as unknown as Record<string, unknown>;
    const attempts: [string, string | undefined][] = [
      ["window.__hlInjected = 'inline'", undefined],
      ["window.__hlInjected = 'wrong nonce'", 'AAAAAAAAAAAAAAAAAAAAAA=='],
      // The control: the same injection with the bundle's nonce runs, so the blocking is CSP's.
      ["window.__hlControl = 'ran'", nonce],
    ];
    for (const [code, withNonce] of attempts) {
      const script = document.createElement('script');
      if (withNonce !== undefined) script.nonce = withNonce;
      script.textContent = code;
      document.body.append(script);
      script.remove();
    }
    const holder = document.createElement('div');
    holder.innerHTML = '<img src="data:," onerror="window.__hlInjected = \'handler\'">';
    document.body.append(holder);
    await new Promise((resolve) => setTimeout(resolve, 500));
    holder.remove();
    return { injected: flags.__hlInjected, control: flags.__hlControl, violations };
  }, csp.nonce);
  assert.equal(outcome.control, 'ran', `${what}: a script with the right nonce runs (the injection itself works)`);
  assert.equal(outcome.injected, undefined, `${what}: an inline script, a wrong nonce or an inline handler ran: ${String(outcome.injected)}`);
  assert.ok(outcome.violations.filter((d) => d.startsWith('script-src')).length >= 3, `${what}: CSP reported the three blocked scripts: ${outcome.violations.join(', ')}`);
}

describe('Hostile tokens in a real workbench', { concurrency: false }, () => {
  let workbench: Workbench;
  let page: Page;
  let panel: Frame | undefined;
  let heads: Frame | undefined;
  let anyFailed = false;

  before(async () => {
    assert.equal(TOKENS.length, 8, `the fixture has 8 token rows: ${TOKENS.map((t) => t.slice(0, 20)).join(' | ')}`);
    assert.ok(LONG && RTL, 'the fixture has the 10,000-character token and the right-to-left override');
    assert.equal(readEmbText(text).size, TOKENS.length);
    workbench = await Workbench.launch();
    page = (await workbench.openWindow('hostile')).page;
    page.setDefaultTimeout(30_000);
    await openFile(page, FILE);
  });

  after(async () => {
    if (anyFailed) await screenshot(page, 'hostile-failed').catch(() => undefined);
    await page?.close().catch(() => undefined);
    await workbench?.close(anyFailed);
  });

  /** A step of the story; a failure marks the run so the run folder (logs) is kept. */
  function step(name: string, body: () => Promise<void>): void {
    test(name, { timeout: 240_000 }, async () => {
      try {
        await body();
      } catch (error) {
        anyFailed = true;
        throw error;
      }
    });
  }

  step('hovers show every hostile token as text: no element, link or command comes from it', async () => {
    const zenBefore = await page.locator('.part.activitybar').isVisible();
    for (const [i, token] of TOKENS.entries()) {
      const line = FIRST_ROW_LINE + i;
      const hover = await hoverAtLine(page, line);
      const what = `hover on line ${line} (${JSON.stringify(token.slice(0, 40))})`;
      assert.deepEqual(hover.links, [], `${what}: no link in the hover\n${hover.html}`);
      assert.equal(hover.images, 0, `${what}: no image in the hover\n${hover.html}`);
      if (token === LONG) {
        assert.ok(hover.bold.startsWith(token.slice(0, 32)), `${what}: the long token starts as written: ${hover.bold.slice(0, 80)}`);
        assert.ok(hover.bold.length < 200, `${what}: the long token is cut (${hover.bold.length} characters shown)`);
        assert.match(hover.bold, /10,000/, `${what}: the cut says how long the token is: ${hover.bold.slice(-60)}`);
      } else if (token === RTL) {
        assert.doesNotMatch(hover.bold, /[\u202a-\u202e\u2066-\u2069]/, `${what}: no live bidi control in the hover`);
        assert.match(hover.bold, /U\+202E/, `${what}: the override is shown: ${hover.bold}`);
        assert.ok(hover.bold.startsWith('rtl') && hover.bold.includes('txt.exe'), `${what}: ${hover.bold}`);
      } else if (hover.bold !== token) {
        // A token longer than the hover's width is cut, visibly: a prefix as written, then its length.
        assert.ok(token.length > 32 && hover.bold.startsWith(token.slice(0, 32)), `${what}: the token reads as written: ${hover.bold}`);
        assert.ok(hover.bold.includes(`${token.length} characters`), `${what}: the cut says the token has ${token.length} characters: ${hover.bold}`);
      }
      await screenshot(page, `hostile-hover-${i + 1}`);
      // Click the token in the hover: were it a link (command:, javascript:), this would follow it.
      const click = page.locator('.monaco-hover .rendered-markdown strong').first().click({ timeout: 5_000 });
      if (token.includes('command:')) await click;
      else await click.catch(() => undefined);
      await page.waitForTimeout(300);
      await assertNoTrace(page, what);
    }
    await page.keyboard.press('Escape');
    await page.waitForTimeout(500);
    assert.equal(await page.locator('.part.activitybar').isVisible(), zenBefore, 'the command: link did not toggle Zen Mode (the activity bar is as it was)');
  });

  step('Show Attention on the hostile rows: each token element holds the raw token and shows it as visible text, and nothing runs', async () => {
    await page.keyboard.press('Escape');
    await goToLine(page, FIRST_ROW_LINE);
    await page.keyboard.press('Home');
    for (let i = 1; i < TOKENS.length; i++) await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Shift+End');
    await runCommand(page, 'Headlight: Show Attention');
    await waitForPaintedPanel(page, TOKENS.length, 60_000);
    panel = await webviewFrame(page, '#app[data-view="attention"]');
    const dom = await panel.evaluate(() => ({
      tokens: Array.from(document.querySelectorAll('[data-testid="token"]')).map((el) => el.textContent),
      raw: Array.from(document.querySelectorAll('[data-testid="token"]')).map((el) => el.getAttribute('data-token')),
      heads: Array.from(document.querySelectorAll('[data-testid="weights-table"] thead th')).slice(1).map((el) => el.textContent),
      oov: document.querySelectorAll('[data-testid="oov-word"]').length,
      softmax: document.querySelector('[data-testid="softmax-line"]')?.textContent ?? '',
      scripts: Array.from(document.scripts).map((el) => el.src || (el.textContent ?? '').slice(0, 2000)),
      links: document.querySelectorAll('a[href]').length,
      title: document.title,
    }));
    assert.deepEqual(dom.raw, TOKENS, 'every token element\'s data-token is the raw token, in file order');
    const expected = TOKENS.map(expectedDisplay);
    assert.deepEqual(dom.tokens, expected, 'every token element\'s textContent is the display form of its token');
    for (const [i, shown] of dom.tokens.entries()) {
      assert.doesNotMatch(shown ?? '', LIVE_CONTROLS, `token ${i + 1} shows no live control: ${JSON.stringify(shown?.slice(0, 80))}`);
    }
    const rtl = dom.tokens[TOKENS.indexOf(RTL!)] ?? '';
    assert.match(rtl, /⟨U\+202E⟩/, `the right-to-left override is shown as a marker: ${rtl}`);
    assert.ok(rtl.startsWith('rtl⟨U+202E⟩txt.exe'), `the letters read in their stored order: ${rtl}`);
    const long = dom.tokens[TOKENS.indexOf(LONG!)] ?? '';
    assert.ok(long.startsWith(LONG!.slice(0, 32)) && long.length < 200, `the 10,000-character token is cut (${long.length} characters shown)`);
    assert.match(long, /… ⟨10,000 characters⟩$/, `the cut says how long the token is: ${long.slice(-40)}`);
    if (dom.heads.length > 0) assert.deepEqual(dom.heads, expected, 'the weights table heads are the display forms of the tokens');
    assert.equal(dom.oov, 0, 'every row was used');
    assert.ok(dom.softmax.startsWith(TOKENS[0]!), `the softmax line starts with the first token (it has no control: as written): ${dom.softmax.slice(0, 80)}`);
    assert.doesNotMatch(dom.softmax, LIVE_CONTROLS, 'the softmax line (every key of row 1) shows no live control');
    // Our bundle, and the script VS Code itself puts in every webview (acquireVsCodeApi); nothing else.
    const foreign = dom.scripts.filter((script) => !/\/dist\/webview\.js$/.test(script) && !script.includes('acquireVsCodeApi'));
    assert.deepEqual(foreign, [], 'no script element came from a token');
    assert.ok(!dom.scripts.some((script) => script.includes(TRACE)), 'no payload inside any script');
    assert.equal(dom.links, 0, 'no link in the webview');
    assert.equal(dom.title, 'Headlight Attention');
    await assertNoTrace(page, 'after Show Attention');
    // The panel's tab title carries the tokens too: as text.
    const tab = await page.locator('.tab', { hasText: /^Attention/ }).first().textContent();
    assert.ok(tab?.includes('<img src=x'), `the tab title shows the first token as text: ${tab}`);
    await screenshot(page, 'hostile-panel');
  });

  step('the webviews\' CSP: default-src \'none\', scripts by nonce only; injected inline code is blocked', async () => {
    assert.ok(panel, 'the panel is open (previous step)');
    await assertCspHolds(panel, /\/dist\/webview\.js$/, 'attention panel');
    // The Heads view (activity bar) is a webview of its own, with the same policy.
    await page.locator('.activitybar .action-item a[aria-label^="Headlight"], .activitybar .action-item[aria-label^="Headlight"]').first().click();
    heads = await webviewFrame(page, '[data-testid="head-item"]');
    await assertCspHolds(heads, /\/dist\/heads\.js$/, 'heads view');
    await assertNoTrace(page, 'after the CSP probes');
    await screenshot(page, 'hostile-heads-view');
  });

  step('malformed webview messages are ignored and logged in the Headlight log; valid ones still work', async () => {
    assert.ok(panel, 'the panel is open (previous step)');
    const logs = (): string => findFiles(workbench.run.root, 'Headlight.log').map((f) => readFileSync(f, 'utf8')).join('\n');
    const ignoredBefore = (logs().match(/ignored a message/g) ?? []).length;
    // The outer webview frame forwards what the page posts (acquireVsCodeApi().postMessage) to the host.
    const channel = panel.parentFrame();
    assert.ok(channel, 'the webview host frame');
    const malformed: unknown[] = [
      'a string',
      null,
      { type: 'no-such-message' },
      { type: 'selectRow', row: 'x' },
      { type: 'selectRow', row: -1 },
      { type: 'focusHead', head: 1e12 },
      { type: 'exportImage', chart: 'heatmap', dataUrl: 'javascript:window.__hlPwned=1' },
      { type: 'exportMatrix', matrix: '../../etc/passwd', format: 'csv' },
      { type: '__proto__' },
      { type: 'log', level: 'error', message: 'x'.repeat(100_000) },
    ];
    await channel.evaluate((messages) => {
      const post = (window as unknown as { __vscode_post_message__: (command: string, data: unknown) => void }).__vscode_post_message__;
      for (const message of messages) post('onmessage', { message, transfer: undefined });
    }, malformed);
    const logged = await (async () => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const count = (logs().match(/ignored a message/g) ?? []).length - ignoredBefore;
        if (count >= malformed.length || Date.now() > deadline) return count;
        await page.waitForTimeout(250);
      }
    })();
    assert.equal(logged, malformed.length, `each malformed message is logged as ignored (the log has ${logged})`);
    assert.match(logs(), /ignored a message: message: unknown type "no-such-message"/);

    // The same channel, a valid message: query row 2 is selected and the panel follows.
    await channel.evaluate(() => {
      const post = (window as unknown as { __vscode_post_message__: (command: string, data: unknown) => void }).__vscode_post_message__;
      post('onmessage', { message: { type: 'selectRow', row: 1 }, transfer: undefined });
    });
    await panel.waitForFunction((query) => document.querySelector('[data-testid="softmax-line"]')?.textContent?.startsWith(query) === true, TOKENS[1]!, { timeout: 15_000 });
    assert.equal(await panel.evaluate(() => document.querySelector('#app')?.getAttribute('data-state')), 'ready', 'the panel is still working');

    // The Heads view validates its messages the same way.
    assert.ok(heads, 'the Heads view is open (previous step)');
    const headsChannel = heads.parentFrame();
    assert.ok(headsChannel, 'the Heads view\'s host frame');
    const headsBefore = (logs().match(/heads view: ignored a message/g) ?? []).length;
    const headsMalformed: unknown[] = [42, { type: 'focusHead', head: 'first' }, { type: 'ready ' }];
    await headsChannel.evaluate((messages) => {
      const post = (window as unknown as { __vscode_post_message__: (command: string, data: unknown) => void }).__vscode_post_message__;
      for (const message of messages) post('onmessage', { message, transfer: undefined });
    }, headsMalformed);
    const headsLogged = await (async () => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const count = (logs().match(/heads view: ignored a message/g) ?? []).length - headsBefore;
        if (count >= headsMalformed.length || Date.now() > deadline) return count;
        await page.waitForTimeout(250);
      }
    })();
    assert.equal(headsLogged, headsMalformed.length, 'each malformed message to the Heads view is logged as ignored');
    await assertNoTrace(page, 'after the malformed messages');
    await screenshot(page, 'hostile-after-messages');
  });
});
