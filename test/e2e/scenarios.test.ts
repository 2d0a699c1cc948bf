/**
 * End-to-end scenarios (issue 5): Headlight packaged as a .vsix, installed into a fresh
 * code-server and used in Debian Chromium as a new user would. Each scenario saves a screenshot
 * under test-results/e2e/; the panel timings are printed, not asserted.
 *
 *   npm run test:e2e      (builds first; needs `bash scripts/workbench/install.sh` once)
 *
 * Expected numbers come from the deck and from test/e2e/harness/reference.ts (a naive float64
 * reference over the .emb text), never from Headlight's own output.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { cosine, dot, lessonWeights, lookup, printedMatches, readEmbText, scaledDot, type Vectors } from './harness/reference';
import {
  answerSaveDialog,
  openFile,
  paletteHasCommand,
  playwrightKeys,
  readPanel,
  repoRoot,
  runCommand,
  screenshot,
  selectLine,
  waitForFile,
  waitForPaintedPanel,
  webviewFrame,
  Workbench,
  type Manifest,
} from './harness/workbench';

const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest;
const DECK_LINE = 'orange → 0.40 orange + 0.30 apple + 0.15 and + 0.15 an';
const DECK_ROW = ['0.40', '0.30', '0.15', '0.15']; // the deck's table: Orange 0.4 0.3 0.15 0.15
const SENTENCE = 'please buy an apple and an orange';
const DECK_WORDS = ['orange', 'apple', 'and', 'an', 'phone'];

/** "Headlight: <title>" of a contributed command, failing clearly when it is not contributed yet. */
function commandTitle(id: string): string {
  const command = manifest.contributes?.commands?.find((c) => c.command === id);
  assert.ok(command, `package.json does not contribute ${id} yet`);
  return `${command.category ? `${command.category}: ` : ''}${command.title}`;
}

/** The timing set: the deck's words on TIMING_DIM seeded dimensions, so 12 heads divide d. */
const TIMING_DIM = 96;
function timingEmb(): string {
  let seed = 12345;
  const next = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  return DECK_WORDS.map((w) => `${w} ${Array.from({ length: TIMING_DIM }, () => next().toFixed(4)).join(' ')}`).join('\n') + '\n';
}

/** A text of `count` deck words, for the timings. */
function deckText(count: number): string {
  return Array.from({ length: count }, (_, i) => DECK_WORDS[i % DECK_WORDS.length]).join(' ');
}

describe('Headlight in a real workbench', { concurrency: false }, () => {
  let workbench: Workbench;
  let lesson: Vectors;
  let anyFailed = false;

  before(async () => {
    const started = Date.now();
    workbench = await Workbench.launch();
    writeFileSync(join(workbench.workspace, 'timing-12.txt'), `${deckText(12)}\n`);
    writeFileSync(join(workbench.workspace, 'timing-512.txt'), `${deckText(512)}\n`);
    writeFileSync(join(workbench.workspace, 'timing.emb'), timingEmb());
    // The embedding set a new user gets: the lesson file inside the installed extension.
    const lessonPath = join(workbench.installedSamples(), 'lesson.emb');
    try {
      lesson = readEmbText(readFileSync(lessonPath, 'utf8'));
    } catch {
      lesson = new Map(); // checked by the scenarios that need it, with a clear message
    }
    console.log(`[e2e] packaged, installed and served in ${Date.now() - started} ms`);
  });

  after(async () => {
    await workbench?.close(anyFailed);
  });

  /** A scenario in its own fresh window; a failure leaves a "-failed" screenshot beside the others. */
  function scenario(name: string, shot: string, body: (page: Page, t: TestContext, folder: string) => Promise<void>, timeout = 120_000): void {
    test(name, { timeout }, async (t) => {
      const { page, folder } = await workbench.openWindow(shot);
      const started = Date.now();
      try {
        await body(page, t, folder);
        await screenshot(page, shot);
      } catch (error) {
        anyFailed = true;
        await screenshot(page, `${shot}-failed`).catch(() => undefined);
        throw error;
      } finally {
        t.diagnostic(`${shot}: ${Date.now() - started} ms`);
        await page.close();
      }
    });
  }

  /**
   * Opens a text file, selects a line and runs Show Attention; returns the painted panel's frame,
   * the time it took and where it went (the panel's milestones, in ms after the command was picked).
   */
  async function showAttentionOnLine(page: Page, file: string, line: number, tokenCount: number): Promise<{ frame: Frame; ms: number; breakdown: string }> {
    await openFile(page, file);
    await selectLine(page, file, line);
    const pickedAt = await runCommand(page, commandTitle('headlight.showAttention'));
    const frame = await waitForPaintedPanel(page, tokenCount);
    const ms = performance.now() - pickedAt;
    // Where the time went: the host's and the panel's milestones (#app[data-timings], epoch ms)
    // and, for a new panel, the workbench's: when it started the webview's frame and when it
    // wrote our page into it (its own performance marks).
    const timings = await frame.locator('#app').getAttribute('data-timings');
    const workbench = await frame
      .parentFrame()
      ?.evaluate(() => {
        const wrote = performance.getEntriesByType('mark').filter((m) => m.name === 'webview/index.html/content/wroteInnerContent').pop();
        return { webviewFrame: performance.timeOrigin, ...(wrote ? { pageWritten: performance.timeOrigin + wrote.startTime } : {}) };
      })
      .catch(() => undefined);
    const marks = { ...(timings ? (JSON.parse(timings) as Record<string, number>) : {}), ...workbench };
    return { frame, ms, breakdown: milestoneBreakdown(marks, performance.timeOrigin + pickedAt) };
  }

  /** Picks an option of one of the panel's selects (vscode-single-select) with the mouse. */
  async function choose(frame: Frame, selectId: string, optionLabel: string): Promise<void> {
    const select = frame.locator(`#${selectId}`);
    await select.click();
    await select.getByRole('option', { name: optionLabel }).click();
  }

  /**
   * Switches the panel to seeded random projections with `count` heads, as a user would. The
   * host answers the source change by re-sending every option, which can overwrite a heads value
   * typed in the meantime: type it again until the panel shows `count` heads.
   */
  async function useRandomHeads(frame: Frame, count: number, timeoutMs = 60_000): Promise<void> {
    await choose(frame, 'source', 'Seeded random projections');
    const heads = frame.locator('#heads input');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await heads.fill(String(count));
      await heads.press('Tab');
      const shown = await frame
        .waitForFunction((n) => document.querySelectorAll('[data-testid="head-thumb"]').length === n, count, { timeout: 5_000 })
        .then(() => true, () => false);
      if (shown) return;
      if (Date.now() > deadline) throw new Error(`the panel never showed ${count} heads`);
    }
  }

  async function waitForSoftmaxLine(frame: Frame, expected: string): Promise<void> {
    await frame
      .waitForFunction((text) => document.querySelector('[data-testid="softmax-line"]')?.textContent?.trim() === text, expected, { timeout: 15_000 })
      .catch(async () => {
        const reading = await readPanel(frame);
        throw new Error(`softmax line is "${reading.softmaxLine}", expected "${expected}" (tokens ${reading.tokens.join(' ')})`);
      });
  }

  scenario('smoke: the workbench loads and "Headlight: Show Attention" is in the palette and runs', '0-smoke', async (page) => {
    assert.ok(await paletteHasCommand(page, 'Headlight: Show Attention'), 'the palette lists Headlight: Show Attention');
    await runCommand(page, 'Headlight: Show Attention');
    await page.waitForTimeout(1500);
    const toasts = await page.locator('.notifications-toasts .notification-toast').allInnerTexts();
    assert.ok(!toasts.some((text) => /command .* not found|failed/i.test(text)), `notifications: ${toasts.join(' | ')}`);
  });

  scenario('1. Show Attention on the deck\'s words with cosine, then on a real sentence', '1-show-attention', async (page, t, folder) => {
    const { frame } = await showAttentionOnLine(page, 'sentence.txt', 1, 4);
    await choose(frame, 'measure', 'Cosine similarity');
    await waitForSoftmaxLine(frame, DECK_LINE);
    const deck = await readPanel(frame);
    assert.deepEqual(deck.tokens, ['orange', 'apple', 'and', 'an']);
    assert.equal(deck.softmaxLine, DECK_LINE);
    assert.deepEqual(deck.printed[0], DECK_ROW, 'the printed weights of the "orange" row are the deck\'s');
    // Every weight against the reference, from the deck's own vectors (slide "Dot product and cosine similarity").
    const deckVectors = readEmbText(readFileSync(join(folder, 'deck.emb'), 'utf8'));
    const expected = lessonWeights(deck.tokens.map((w) => lookup(deckVectors, w)!), 'cosine');
    assertWeights(deck.weights, expected, 1e-4);
    await screenshot(page, '1a-deck-cosine');

    // A real sentence: repeated "an", words the lesson set may not know.
    await selectLine(page, 'sentence.txt', 2);
    await runCommand(page, commandTitle('headlight.showAttention'));
    await frame.waitForFunction((first) => document.querySelector('[data-testid="token"]')?.textContent?.trim() !== first, 'orange', { timeout: 15_000 });
    const words = SENTENCE.split(' ');
    assert.ok(lesson.size > 0, 'samples/lesson.emb ships in the .vsix');
    const known = words.filter((w) => lookup(lesson, w) !== undefined);
    const unknown = words.filter((w) => lookup(lesson, w) === undefined);
    await waitForPaintedPanel(page, known.length);
    const sentence = await readPanel(frame);
    t.diagnostic(`sentence tokens: ${sentence.tokens.join(' ')}; unknown: ${unknown.join(', ') || 'none'}`);
    assert.deepEqual(sentence.tokens, known, 'tokens in input order, unknown words left out');
    for (const word of unknown) assert.match(sentence.oov, new RegExp(`\\b${word}\\b`), `unknown word "${word}" is reported`);
    const reference = lessonWeights(known.map((w) => lookup(lesson, w)!), 'cosine');
    assertWeights(sentence.weights, reference, 1e-4);
    const an = known.flatMap((w, i) => (w === 'an' ? [i] : []));
    if (an.length === 2) assert.deepEqual(sentence.weights[an[0]!], sentence.weights[an[1]!], 'both "an" rows attend alike');
  });

  scenario('2. step through heads from the side panel and with the keybindings; the main panel follows', '2-heads', async (page) => {
    const { frame } = await showAttentionOnLine(page, 'sentence.txt', 1, 4);
    // Seeded random projections, with a head count that divides the model width (d % h === 0).
    const d = [...lesson.values()][0]?.length ?? 0;
    const headCount = [4, 3, 2].find((h) => d % h === 0);
    assert.ok(headCount, `the lesson set's width ${d} splits into 2, 3 or 4 heads`);
    await useRandomHeads(frame, headCount);
    const wrap = (head: number): number => ((head % headCount) + headCount) % headCount;

    // The heads view lives in its own activity-bar container.
    const container = manifest.contributes?.viewsContainers?.activitybar?.[0];
    assert.ok(container, 'package.json contributes an activity-bar view container for the heads view');
    await page.locator(`.activitybar .action-item a[aria-label^="${container.title}"], .activitybar .action-item[aria-label^="${container.title}"]`).first().click();
    const side = await webviewFrame(page, '[data-testid="head-item"]');
    const focused = async (): Promise<{ main: string | null; side: string | null }> => ({
      main: await frame.locator('[data-testid="head-thumb"][aria-selected="true"]').getAttribute('data-head'),
      side: await side.locator('[data-testid="head-item"][aria-selected="true"]').getAttribute('data-head'),
    });
    const expectFocus = async (head: number, how: string): Promise<void> => {
      const deadline = Date.now() + 10_000;
      let now = await focused();
      while ((now.main !== String(head) || now.side !== String(head)) && Date.now() < deadline) {
        await page.waitForTimeout(100);
        now = await focused();
      }
      assert.deepEqual(now, { main: String(head), side: String(head) }, `after ${how}, head ${head} is focused in both views`);
    };

    await side.locator('[data-testid="head-item"][data-head="1"]').click();
    await expectFocus(1, 'clicking head 1 in the side panel');

    const keyOf = (command: string): string[] => {
      const binding = manifest.contributes?.keybindings?.find((k) => k.command === command);
      assert.ok(binding, `package.json binds a key to ${command}`);
      return playwrightKeys(binding.key);
    };
    await frame.locator('[data-testid="heatmap"]').click(); // focus the main panel, where the keybindings apply
    for (const chord of keyOf('headlight.nextHead')) await page.keyboard.press(chord);
    await expectFocus(wrap(2), 'Next Head (keybinding)');
    for (let i = 0; i < 3; i++) for (const chord of keyOf('headlight.previousHead')) await page.keyboard.press(chord);
    await expectFocus(wrap(-1), 'Previous Head three times (keybinding), wrapping around');
    await runCommand(page, commandTitle('headlight.nextHead'));
    await expectFocus(0, 'Next Head from the palette');
  });

  scenario('3. hover a word in a .emb file and read the similarity scores', '3-hover', async (page, _t, folder) => {
    await openFile(page, 'deck.emb');
    const vectors = readEmbText(readFileSync(join(folder, 'deck.emb'), 'utf8'));
    const line = page.locator('.editor-group-container.active .view-line').filter({ hasText: /^orange\s+0\s+3\s+0/ });
    // Hover the token "orange". The file may still be indexing on the first try (no hover then),
    // and Monaco asks again only when the mouse moves: move away and back until the hover shows.
    const hover = page.locator('.monaco-hover').filter({ hasText: /cosine/i }).first();
    const deadline = Date.now() + 30_000;
    for (;;) {
      await page.mouse.move(5, 5);
      await line.hover({ position: { x: 12, y: 8 } });
      const shown = await hover.waitFor({ state: 'visible', timeout: 4_000 }).then(() => true, () => false);
      if (shown) break;
      assert.ok(Date.now() < deadline, 'a hover with similarity scores appears over "orange"');
    }
    const table = await hover.evaluate((el) =>
      Array.from(el.querySelectorAll('table tr')).map((tr) => Array.from(tr.querySelectorAll('th,td')).map((cell) => (cell.textContent ?? '').trim())),
    );
    const header = (table[0] ?? []).map((h) => h.toLowerCase());
    for (const name of ['cosine', 'dot', 'scaled']) assert.ok(header.some((h) => h.includes(name)), `hover table has a "${name}" column: ${header.join(' | ')}`);
    const apple = table.find((row) => row.some((cell) => /\bapple\b/.test(cell)));
    assert.ok(apple, `the hover lists "apple" among orange's neighbours: ${JSON.stringify(table)}`);
    const orange = lookup(vectors, 'orange')!;
    const appleVector = lookup(vectors, 'apple')!;
    for (const [name, exact] of [['cosine', cosine(orange, appleVector)], ['dot', dot(orange, appleVector)], ['scaled', scaledDot(orange, appleVector)]] as const) {
      const printed = apple[header.findIndex((h) => h.includes(name))] ?? '';
      assert.ok(printedMatches(printed, exact), `${name}(orange, apple) reads "${printed}" in the hover, expected ${exact.toFixed(4)}`);
    }
  });

  scenario('4. open a malformed .emb file and read its problems in the Problems panel', '4-problems', async (page) => {
    await openFile(page, 'malformed.emb');
    await page.keyboard.press('Control+Shift+M');
    const rows = page.locator('.markers-panel .monaco-list-row');
    const deadline = Date.now() + 20_000;
    let texts: string[] = [];
    while (Date.now() < deadline) {
      texts = await rows.allInnerTexts();
      if (texts.filter((text) => /Ln \d+/.test(text)).length >= 4) break;
      await page.waitForTimeout(200);
    }
    const at = (line: number): string => {
      const found = texts.find((text) => new RegExp(`Ln ${line}\\b`).test(text));
      assert.ok(found, `the Problems panel shows a problem on line ${line}: ${JSON.stringify(texts)}`);
      return found;
    };
    assert.match(at(3), /3[\s\S]*2|2[\s\S]*3/, 'line 3: wrong value count (expected 3, found 2)');
    assert.match(at(4), /x|number/i, 'line 4: a value that is not a number');
    assert.match(at(5), /orange|duplicate/i, 'line 5: duplicate token');
    assert.match(at(6), /nan|finite|number/i, 'line 6: NaN');
  });

  scenario('5. export the heatmap as PNG and the weights as CSV, and find the files', '5-export', async (page, _t, folder) => {
    const { frame } = await showAttentionOnLine(page, 'sentence.txt', 1, 4);
    await choose(frame, 'measure', 'Cosine similarity');
    await waitForSoftmaxLine(frame, DECK_LINE);
    const png = join(folder, 'heatmap.png');
    const csv = join(folder, 'weights.csv');
    await runCommand(page, commandTitle('headlight.exportPng'));
    await answerPrompts(page, png, /heatmap/i, frame);
    await waitForFile(png, 100);
    const bytes = readFileSync(png);
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
    assert.ok(bytes.readUInt32BE(16) > 0 && bytes.readUInt32BE(20) > 0, 'the PNG has a width and height');

    await runCommand(page, commandTitle('headlight.exportCsv'));
    await answerPrompts(page, csv, /weights/i);
    await waitForFile(csv, 10);
    const lines = readFileSync(csv, 'utf8').trim().split(/\r?\n/);
    assert.equal(lines.length, 5, `a header and 4 rows:\n${lines.join('\n')}`);
    for (const token of ['orange', 'apple', 'and', 'an']) assert.match(lines[0]!, new RegExp(`\\b${token}\\b`));
    const orangeRow = lines[1]!.split(',').slice(1).map(Number);
    const expected = lessonWeights(['orange', 'apple', 'and', 'an'].map((w) => lookup(readEmbText(readFileSync(join(folder, 'deck.emb'), 'utf8')), w)!), 'cosine');
    assertWeights([orangeRow], [expected[0]!], 1e-4);
  });

  test('panel timings: command to painted panel for 12 and 512 tokens (printed, not asserted)', { timeout: 600_000 }, async (t) => {
    // This window uses timing.emb (d = 96) as its embedding set, through the workspace setting.
    const { page } = await workbench.openWindow('6-timing', (folder) => {
      mkdirSync(join(folder, '.vscode'), { recursive: true });
      writeFileSync(join(folder, '.vscode', 'settings.json'), JSON.stringify({ 'headlight.embeddings.file': 'timing.emb' }));
    });
    page.setDefaultTimeout(90_000); // a slow 512-token paint can hold the window's main thread
    try {
      const lines: string[] = [];
      // Warm up: the first command activates the extension; that is not what is timed.
      await showAttentionOnLine(page, 'sentence.txt', 1, 4);
      for (const count of [12, 512]) {
        // New panel: nothing open but the text.
        await runCommand(page, 'View: Close All Editors');
        const cold = await showAttentionOnLine(page, `timing-${count}.txt`, 1, count);
        // Panel open on 4 tokens, then the same command on the longer text: an update.
        await showAttentionOnLine(page, 'sentence.txt', 1, 4);
        const warm = await showAttentionOnLine(page, `timing-${count}.txt`, 1, count);
        const heads = await warm.frame.locator('[data-testid="head-thumb"]').count();
        lines.push(`${count} tokens × ${Math.max(heads, 1)} head(s), lesson mode (d = ${TIMING_DIM}): ${cold.ms.toFixed(0)} ms (new panel), ${warm.ms.toFixed(0)} ms (panel open)`);
        lines.push(`  new panel:  ${cold.breakdown}`, `  panel open: ${warm.breakdown}`);
        await screenshot(page, `6-timing-${count}`);
      }
      // The issue's load: 512 tokens × 12 heads (seeded random projections, d = 96).
      const heads = 12;
      const d = TIMING_DIM;
      const { frame } = await showAttentionOnLine(page, 'sentence.txt', 1, 4);
      await useRandomHeads(frame, heads);
      for (const count of [12, 512]) {
        await showAttentionOnLine(page, 'sentence.txt', 1, 4);
        const warm = await showAttentionOnLine(page, `timing-${count}.txt`, 1, count);
        const shown = await warm.frame.locator('[data-testid="head-thumb"]').count();
        lines.push(`${count} tokens × ${shown} heads, seeded random (d = ${d}): ${warm.ms.toFixed(0)} ms (panel open)`, `  panel open: ${warm.breakdown}`);
      }
      await screenshot(page, '6-timing-512-heads');
      for (const line of lines) {
        console.log(`[e2e] panel timing, command → painted: ${line}`);
        t.diagnostic(`panel timing: ${line}`);
      }
    } catch (error) {
      anyFailed = true;
      await screenshot(page, '6-timing-failed').catch(() => undefined);
      throw error;
    } finally {
      await page.close();
    }
  });
});

/** Milestones (name → epoch ms) as "name ms" in time order, in ms after `since` (epoch ms); earlier ones (an open panel's page) left out. */
function milestoneBreakdown(marks: Readonly<Record<string, number>>, since: number): string {
  const shown = Object.entries(marks)
    .filter(([, at]) => at >= since - 5)
    .sort((a, b) => a[1] - b[1]);
  return shown.length === 0 ? '(no milestones)' : shown.map(([name, at]) => `${name} ${(at - since).toFixed(0)}`).join(', ');
}

function assertWeights(actual: number[][], expected: number[][], tolerance: number): void {
  assert.equal(actual.length, expected.length, `weights table has ${actual.length} rows, expected ${expected.length}`);
  expected.forEach((row, i) => {
    assert.equal(actual[i]?.length, row.length, `row ${i} has ${actual[i]?.length} cells, expected ${row.length}`);
    row.forEach((value, j) => {
      const got = actual[i]![j]!;
      assert.ok(Math.abs(got - value) <= tolerance, `weight [${i}][${j}] is ${got}, reference ${value.toFixed(6)}`);
    });
  });
}

/**
 * Answers what an export command asks: a quick pick of what to export (the item matching `pick`),
 * then code-server's save dialog (a path input). Stops once a save path was given.
 */
/**
 * Answers what an export command asks: first which chart or matrix (a quick pick), then where (the
 * save dialog). The palette that ran the command may still be closing when this starts, so a
 * widget whose input still holds the ">command" text is not the command's own prompt yet.
 * With `panel`, the panel is clicked while the pick is open — the focus hand-back that used to
 * close the pick before anyone could choose (src/host/attention/index.ts, EXPORT_PICK_SURVIVES_FOCUS)
 * — and the pick must still be there.
 */
async function answerPrompts(page: Page, path: string, pick: RegExp, panel?: Frame): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input.input');
  for (let step = 0; step < 3; step++) {
    await widget.waitFor({ state: 'visible', timeout: 15_000 });
    await page.waitForFunction(
      () => !(document.querySelector('.quick-input-widget input.input') as HTMLInputElement | null)?.value.startsWith('>'),
      undefined,
      { timeout: 15_000 },
    );
    const value = await input.inputValue();
    if (value.startsWith('/') || value.startsWith('~')) {
      await answerSaveDialog(page, path);
      // When the dialog closes the workbench gives focus back to the panel, a moment later; a quick
      // pick opened before that happens loses the focus and closes. Wait, as a person would.
      await widget.waitFor({ state: 'hidden', timeout: 15_000 });
      await page.waitForTimeout(500);
      return;
    }
    const item = widget.locator('.quick-input-list .monaco-list-row').filter({ hasText: pick }).first();
    await item.waitFor({ state: 'visible' });
    if (panel) {
      const placeholder = await input.getAttribute('placeholder');
      // The bottom-left corner of the panel: the pick floats over the top of the window.
      const box = await panel.locator('body').evaluate(() => ({ height: window.innerHeight }));
      await panel.locator('body').click({ position: { x: 8, y: box.height - 8 } });
      await page.waitForTimeout(300);
      assert.ok(await item.isVisible(), `the "${placeholder}" pick is still open after the panel took focus`);
    }
    await item.click();
    await page.waitForTimeout(300);
  }
  throw new Error('no save dialog appeared');
}
