/**
 * Real models in the real workbench (issue 12): Headlight packaged as a .vsix, installed into a
 * fresh code-server and used in Debian Chromium. The fixture checkpoints (test/fixtures/models/)
 * are copied into the window's workspace folder at test time and opened with Headlight: Open
 * Model…, as a user would; Show Attention runs on a selected line, and the panel's DOM (the hooks
 * of test/e2e/DOM-CONTRACT.md) is read back against the torch reference of each fixture
 * (reference.json) and numpy's rollout (test/fixtures/core/token_views.json), never against
 * Headlight's own output. The timings (command → painted at 128 and 512 tokens on a 12 × 12
 * GPT-2, the model view's frame times at 32 × 32) are printed, not asserted.
 *
 *   npm run build && HEADLIGHT_CACHE=/tmp/hc1 node --import tsx --test --test-reporter=spec test/e2e/model.test.ts
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { ensureGpt2Checkpoint, type Gpt2Shape } from '../../bench/gpt2Checkpoint';
import { answerSaveDialog, openFile, playwrightKeys, repoRoot, resultsDir, runCommand, screenshot, selectLine, waitForFile, webviewFrame, Workbench, type Manifest } from './harness/workbench';

const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest;
const FIXTURES = join(repoRoot, 'test', 'fixtures', 'models');
const TOKEN_VIEWS = JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'core', 'token_views.json'), 'utf8')) as { models: Record<string, { rollout: number[][][] }> };
/** A thumbnail byte is round(weight / max · 255) or round(weight · 255): half a step, and float32 noise. */
const THUMB_TOLERANCE = 0.5 / 255 + 1e-4;

interface Reference {
  text: string;
  ids: number[];
  attentions: number[][][][];
  focus: { layer: number; head: number; q: number[][]; k: number[][] };
  logitsLast?: number[];
  maskPositions?: number[];
  maskLogits?: number[][];
}

const reference = (name: string): Reference => JSON.parse(readFileSync(join(FIXTURES, name, 'reference.json'), 'utf8')) as Reference;

function commandTitle(id: string): string {
  const command = manifest.contributes?.commands?.find((c) => c.command === id);
  assert.ok(command, `package.json does not contribute ${id}`);
  return `${command.category ? `${command.category}: ` : ''}${command.title}`;
}

function keysOf(id: string): string[] {
  const binding = manifest.contributes?.keybindings?.find((k) => k.command === id);
  assert.ok(binding, `package.json binds no key to ${id}`);
  return playwrightKeys(binding.key);
}

function copyFolder(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) copyFileSync(join(from, name), join(to, name));
}

/** Ranks a softmax over `logits` (ties by id): the ids a top-10 list must show. */
function topIds(logits: readonly number[], k: number): number[] {
  const max = Math.max(...logits);
  const sum = logits.reduce((a, v) => a + Math.exp(v - max), 0);
  return logits.map((v, id) => ({ id, p: Math.exp(v - max) / sum })).sort((a, b) => b.p - a.p || a.id - b.id).slice(0, k).map((t) => t.id);
}

/**
 * Hovering token `index` in the panel's token strip decorates its [data-start, data-end) range in
 * the editor, whose first line holds the reference text of `textLength` characters.
 */
async function expectHoverDecoratesToken(page: Page, frame: Frame, index: number, textLength: number, label: string): Promise<void> {
  const token = frame.locator(`[data-testid="model-tokens"] [data-testid="token"][data-index="${index}"]`);
  const [start, end] = [Number(await token.getAttribute('data-start')), Number(await token.getAttribute('data-end'))];
  await token.scrollIntoViewIfNeeded();
  await token.hover();
  const decoration = page.locator('.editor-group-container .monaco-editor .view-overlays [class*="ced-"]').first();
  await decoration.waitFor({ timeout: 10_000 });
  const line = page.locator('.monaco-editor .view-lines .view-line').first();
  const [lineBox, decoBox] = [(await line.locator('span').first().boundingBox())!, (await decoration.boundingBox())!];
  const charWidth = lineBox.width / textLength;
  assert.ok(Math.abs(decoBox.x - (lineBox.x + start * charWidth)) < charWidth / 2 + 1, `${label}the decoration starts at ${(decoBox.x - lineBox.x) / charWidth} chars, token at ${start}`);
  assert.ok(Math.abs(decoBox.width - (end - start) * charWidth) < charWidth / 2 + 3, `${label}the decoration is ${decoBox.width / charWidth} chars wide, token ${end - start}`);
}

/** GPT-2 layout checkpoints for the timings: small hidden sizes, the gpt2 fixture's tokenizer (270 ids). */
function timingModel(shape: Gpt2Shape, into: string): void {
  const dir = ensureGpt2Checkpoint(shape);
  copyFolder(dir, into);
  for (const name of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(FIXTURES, 'gpt2', name), join(into, name));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Real models in a real workbench', { concurrency: false }, () => {
  let workbench: Workbench;
  let anyFailed = false;

  before(async () => {
    const started = Date.now();
    workbench = await Workbench.launch();
    console.log(`[e2e] packaged, installed and served in ${Date.now() - started} ms`);
  });

  after(async () => {
    await workbench?.close(anyFailed);
  });

  function scenario(name: string, shot: string, prepare: (folder: string) => void, body: (page: Page, t: TestContext, folder: string) => Promise<void>, timeout = 240_000): void {
    test(name, { timeout }, async (t) => {
      const { page, folder } = await workbench.openWindow(shot, prepare);
      await page.setViewportSize({ width: 1600, height: 1000 });
      const started = Date.now();
      try {
        await body(page, t, folder);
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

  /** Headlight: Open Model…, the workspace entry whose label ends with `relative`; waits for the status bar. */
  async function openModel(page: Page, relative: string, status: RegExp): Promise<void> {
    await runCommand(page, commandTitle('headlight.openModel'));
    const widget = page.locator('.quick-input-widget');
    await widget.locator('input.input').fill(relative);
    await widget.locator('.quick-input-list .monaco-list-row').filter({ hasText: relative }).first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    await page.locator('.statusbar-item', { hasText: status }).first().waitFor({ timeout: 90_000 });
  }

  /** The panel's frame once a model picture of `units` units with this meta is painted. */
  async function modelPanel(page: Page, units: number, timeoutMs = 60_000): Promise<Frame> {
    const frame = await webviewFrame(page, 'canvas[data-testid="model-view"]', timeoutMs);
    await frame.waitForFunction(
      (n) =>
        document.querySelector('#app')?.getAttribute('data-source') === 'model' &&
        document.querySelector('#app')?.getAttribute('data-state') === 'ready' &&
        document.querySelectorAll('[data-testid="model-tokens"] [data-testid="token"]').length === n &&
        document.querySelector('canvas[data-testid="model-view"]')?.getAttribute('data-painted') === 'true',
      units,
      { timeout: timeoutMs },
    );
    return frame;
  }

  async function focusedOf(frame: Frame): Promise<[number, number]> {
    const canvas = frame.locator('canvas[data-testid="model-view"]');
    return [Number(await canvas.getAttribute('data-focused-layer')), Number(await canvas.getAttribute('data-focused-head'))];
  }

  async function weightsTable(frame: Frame): Promise<number[][]> {
    return frame.evaluate(() => {
      const rows: number[][] = [];
      for (const cell of Array.from(document.querySelectorAll('[data-testid="weights-table"] td[data-row][data-col]'))) {
        (rows[Number(cell.getAttribute('data-row'))] ??= [])[Number(cell.getAttribute('data-col'))] = Number(cell.getAttribute('data-value'));
      }
      return rows;
    });
  }

  function assertClose(ours: number[][], theirs: number[][], tol: number, what: string): void {
    assert.equal(ours.length, theirs.length, `${what}: ${ours.length} rows for ${theirs.length}`);
    ours.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - theirs[i]![j]!) <= tol, `${what} (${i}, ${j}): ${v} vs torch ${theirs[i]![j]}`)));
  }

  /** Presses a command's keybinding with the editor focused, and waits for the model view to focus (layer, head). */
  async function pressFor(page: Page, frame: Frame, id: string, expected: [number, number]): Promise<void> {
    for (const chord of keysOf(id)) await page.keyboard.press(chord);
    await frame.waitForFunction(
      ([l, h]) => {
        const c = document.querySelector('canvas[data-testid="model-view"]');
        return c?.getAttribute('data-focused-layer') === String(l) && c?.getAttribute('data-focused-head') === String(h) && document.querySelector('#app')?.getAttribute('data-state') === 'ready';
      },
      expected,
      { timeout: 20_000 },
    );
  }

  /** Hovers thumbnail cell (query i, key j) of (layer, head) in the model view; returns the tooltip's data. */
  async function hoverModelCell(frame: Frame, layer: number, head: number, i: number, j: number, n: number): Promise<Record<string, string>> {
    const canvas = frame.locator('canvas[data-testid="model-view"]');
    await canvas.scrollIntoViewIfNeeded();
    const layout = JSON.parse((await canvas.getAttribute('data-layout'))!) as { cell: number; pad: number; gutter: number; header: number };
    const x = layout.gutter + head * (layout.cell + layout.pad) + ((j + 0.5) * layout.cell) / n;
    const y = layout.header + layer * (layout.cell + layout.pad) + ((i + 0.5) * layout.cell) / n;
    await canvas.hover({ position: { x, y } });
    const tooltip = frame.locator('[data-testid="model-view-tooltip"]');
    await frame.waitForFunction(
      ([l, h]) => {
        const el = document.querySelector<HTMLElement>('[data-testid="model-view-tooltip"]');
        return !!el && !el.hidden && el.dataset.layer === String(l) && el.dataset.head === String(h);
      },
      [layer, head],
      { timeout: 5_000 },
    );
    return tooltip.evaluate((el: HTMLElement) => ({ ...el.dataset }) as Record<string, string>);
  }

  /** Sweeps the rollout heatmap along its diagonal band and reads every cell its tooltip names. */
  async function rolloutCells(frame: Frame): Promise<Map<string, number>> {
    const canvas = frame.locator('canvas[data-testid="rollout"]');
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    const found = new Map<string, number>();
    for (let step = 0; step <= 60; step++) {
      for (const [fx, fy] of [[step / 60, step / 60], [step / 60, Math.min(1, step / 60 + 0.15)]] as const) {
        await canvas.hover({ position: { x: Math.min(box.width - 1, fx * box.width), y: Math.min(box.height - 1, fy * box.height) } });
        const text = await canvas.evaluate((el) => {
          const tip = el.parentElement?.querySelector<HTMLElement>('.tooltip');
          return tip && !tip.hidden ? tip.textContent ?? '' : '';
        });
        const at = /query #(\d+) .*key #(\d+)/u.exec(text);
        const value = /rollout (-?[\d.]+)/u.exec(text);
        if (at && value) found.set(`${Number(at[1]) - 1},${Number(at[2]) - 1}`, Number(value[1]));
      }
    }
    return found;
  }

  scenario(
    'gpt2: Open Model…, Show Attention on a line; model view cells, focused head, keys, neuron view, rollout, next tokens, hover linking and Append against torch',
    'model-gpt2',
    (folder) => {
      copyFolder(join(FIXTURES, 'gpt2'), join(folder, 'models', 'gpt2'));
      writeFileSync(join(folder, 'gpt2.txt'), `${reference('gpt2').text}\n`);
    },
    async (page, t, folder) => {
      const ref = reference('gpt2');
      const n = ref.ids.length;
      await openModel(page, 'models/gpt2', /gpt2 2×4 F32/u);
      await openFile(page, 'gpt2.txt');
      await selectLine(page, 'gpt2.txt', 1);
      await runCommand(page, commandTitle('headlight.showAttention'));
      const frame = await modelPanel(page, n);
      await screenshot(page, 'model-gpt2-panel');

      // The focused head (L1H1 first) in the weights table.
      assert.deepEqual(await focusedOf(frame), [0, 0]);
      assertClose(await weightsTable(frame), ref.attentions[0]![0]!, 1e-4, 'weights table L1H1');

      // The model view's cells: a few (query, key) of every head, from the tooltip.
      for (let l = 0; l < 2; l++) {
        for (let h = 0; h < 4; h++) {
          for (const [i, j] of [[n - 1, 0], [n - 1, n - 1], [2, 1]] as const) {
            const tip = await hoverModelCell(frame, l, h, i, j, n);
            assert.equal(`${tip.row},${tip.col}`, `${i},${j}`, `L${l + 1}H${h + 1}: the hovered cell`);
            assert.ok(Math.abs(Number(tip.weight) - ref.attentions[l]![h]![i]![j]!) <= THUMB_TOLERANCE, `model view L${l + 1}H${h + 1} (${i}, ${j}): ${tip.weight} vs torch ${ref.attentions[l]![h]![i]![j]}`);
          }
        }
      }
      await screenshot(page, 'model-gpt2-model-view');

      // Keys, from the editor: Next Layer, Next Head ×3 (to the reference's focus L2H4), Previous Head, Previous Layer.
      await page.locator('.tab[data-resource-name="gpt2.txt"]').first().click();
      await pressFor(page, frame, 'headlight.nextLayer', [1, 0]);
      for (let h = 1; h < 4; h++) await pressFor(page, frame, 'headlight.nextHead', [1, h]);
      assert.deepEqual([ref.focus.layer, ref.focus.head], [1, 3]);
      assertClose(await weightsTable(frame), ref.attentions[1]![3]!, 1e-4, 'weights table L2H4 after the keys');

      // The neuron view of L2H4: q·k per key from torch's q and k, the scaling, the softmax.
      const neuron = frame.locator('#neuron-section');
      await frame.waitForFunction(() => document.querySelector('#neuron-section')?.getAttribute('data-layer') === '1' && document.querySelector('#neuron-section')?.getAttribute('data-head') === '3');
      const query = Number(await neuron.getAttribute('data-query'));
      const scale = Number(await neuron.getAttribute('data-scale'));
      assert.ok(Math.abs(scale - 1 / Math.sqrt(ref.focus.q[0]!.length)) < 1e-6, `scale ${scale}`);
      const rows = await frame.locator('[data-testid="neuron-row"]').evaluateAll((els) => els.map((el) => ({ ...(el as HTMLElement).dataset })));
      assert.equal(rows.length, n, 'one neuron row per key');
      for (const row of rows) {
        const j = Number(row.key);
        const dot = ref.focus.q[query]!.reduce((a, v, d) => a + v * ref.focus.k[j]![d]!, 0);
        if (j > query) {
          assert.equal(row.masked, 'true', `key ${j} after query ${query} is masked`);
          continue;
        }
        assert.ok(Math.abs(Number(row.dot) - dot) < 1e-3, `neuron q·k key ${j}: ${row.dot} vs torch ${dot}`);
        assert.ok(Math.abs(Number(row.score) - dot * scale) < 1e-3, `neuron score key ${j}: ${row.score} vs ${dot * scale}`);
        assert.ok(Math.abs(Number(row.weight) - ref.attentions[1]![3]![query]![j]!) < 1e-4, `neuron weight key ${j}: ${row.weight} vs torch ${ref.attentions[1]![3]![query]![j]}`);
      }
      await neuron.scrollIntoViewIfNeeded();
      await screenshot(page, 'model-gpt2-neuron');

      // The Heads side view: a layers × heads grid, L#H# on each cell, the focus following the
      // panel's keys; a click or the grid's own keys (arrows, Enter) focus a head in the panel.
      const container = manifest.contributes?.viewsContainers?.activitybar?.[0];
      assert.ok(container, 'package.json contributes an activity-bar view container for the heads view');
      const activity = page.locator(`.activitybar .action-item a[aria-label^="${container.title}"], .activitybar .action-item[aria-label^="${container.title}"]`).first();
      const sideBarWasOpen = await page.locator('.part.sidebar').first().isVisible().catch(() => false);
      await activity.click();
      const side = await webviewFrame(page, '[data-testid="head-grid"] [data-testid="head-item"]', 20_000);
      const sideFocus = async (flat: number): Promise<void> => {
        await side.waitForFunction((i) => document.querySelector('[data-testid="head-item"][aria-selected="true"]')?.getAttribute('data-head') === String(i), flat, { timeout: 10_000 });
      };
      await sideFocus(1 * 4 + 3);
      const grid = await side.evaluate(() => Array.from(document.querySelectorAll('[data-testid="head-grid-row"]')).map((row) => ({
        label: row.querySelector('.layer-label')?.textContent ?? '',
        cells: Array.from(row.querySelectorAll('[data-testid="head-item"]')).map((c) => c.textContent ?? ''),
      })));
      assert.deepEqual(grid, [
        { label: 'Layer 1', cells: ['L1H1', 'L1H2', 'L1H3', 'L1H4'] },
        { label: 'Layer 2', cells: ['L2H1', 'L2H2', 'L2H3', 'L2H4'] },
      ], 'one row per layer, L#H# on each cell');
      await screenshot(page, 'model-gpt2-heads-view');
      await side.locator('[data-testid="head-item"][data-head="1"]').click();
      await frame.waitForFunction(() => document.querySelector('canvas[data-testid="model-view"]')?.getAttribute('data-focused-layer') === '0' && document.querySelector('canvas[data-testid="model-view"]')?.getAttribute('data-focused-head') === '1', undefined, { timeout: 20_000 });
      await sideFocus(1);
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await frame.waitForFunction(() => document.querySelector('canvas[data-testid="model-view"]')?.getAttribute('data-focused-layer') === '1' && document.querySelector('canvas[data-testid="model-view"]')?.getAttribute('data-focused-head') === '1', undefined, { timeout: 20_000 });
      await sideFocus(1 * 4 + 1);
      await page.locator('.tab[data-resource-name="gpt2.txt"]').first().click();
      await pressFor(page, frame, 'headlight.nextHead', [1, 2]);
      await pressFor(page, frame, 'headlight.nextHead', [1, 3]);
      await sideFocus(1 * 4 + 3);
      // The side bar as it was, for the screenshots below.
      if (sideBarWasOpen) await page.locator('.activitybar .action-item a[aria-label^="Explorer"], .activitybar .action-item[aria-label^="Explorer"]').first().click();
      else await activity.click();

      await page.locator('.tab[data-resource-name="gpt2.txt"]').first().click();
      await pressFor(page, frame, 'headlight.previousHead', [1, 2]);
      await pressFor(page, frame, 'headlight.previousLayer', [0, 2]);
      assertClose(await weightsTable(frame), ref.attentions[0]![2]!, 1e-4, 'weights table L1H3 after Previous Layer');

      // The rollout through both layers (the default depth) against numpy's.
      const upTo = Number(await frame.locator('#rollout-section').getAttribute('data-up-to'));
      const expectedRollout = TOKEN_VIEWS.models.gpt2!.rollout[upTo]!;
      const cells = await rolloutCells(frame);
      assert.ok(cells.size >= n, `the rollout tooltips named ${cells.size} cells`);
      for (const [at, value] of cells) {
        const [i, j] = at.split(',').map(Number) as [number, number];
        assert.ok(Math.abs(value - expectedRollout[i]![j]!) <= 1e-4 + 5e-5, `rollout to layer ${upTo + 1} (${i}, ${j}): ${value} vs numpy ${expectedRollout[i]![j]}`);
      }
      t.diagnostic(`rollout: ${cells.size} cells read from the tooltips`);
      await screenshot(page, 'model-gpt2-rollout');

      // Each model view's PNG button: the save dialog offers headlight-<chart>-L1H3.png (the
      // focused head), and the file written is a PNG.
      for (const [section, chart] of [['model-section', 'model'], ['head-lines-section', 'headview'], ['neuron-section', 'neuron'], ['rollout-section', 'rollout']] as const) {
        const button = frame.locator(`#${section} > header button.tool`, { hasText: 'PNG' });
        await button.scrollIntoViewIfNeeded();
        await button.click();
        const offered = `headlight-${chart}-L1H3.png`;
        await page.waitForFunction((name) => (document.querySelector('.quick-input-widget input.input') as HTMLInputElement | null)?.value.endsWith(`/${name}`) ?? false, offered, { timeout: 15_000 });
        const written = join(folder, `exported-${offered}`);
        await answerSaveDialog(page, written);
        await waitForFile(written, 100);
        const bytes = readFileSync(written);
        assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${chart}: a PNG signature`);
        copyFileSync(written, join(resultsDir, offered)); // kept beside the screenshots, to look at
        t.diagnostic(`${offered}: ${bytes.readUInt32BE(16)} × ${bytes.readUInt32BE(20)} px, ${bytes.length} bytes`);
        await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
        await sleep(500);
      }

      // The heatmap's SVG button: the save dialog offers headlight-heatmap-L1H3.svg; the file parses
      // as XML (Chromium's own parser) and its cells are torch's weights of L1H3, its labels the tokens.
      {
        const button = frame.locator('#heatmap-section > header button.tool', { hasText: 'SVG' });
        await button.scrollIntoViewIfNeeded();
        await button.click();
        const offered = 'headlight-heatmap-L1H3.svg';
        await page.waitForFunction((name) => (document.querySelector('.quick-input-widget input.input') as HTMLInputElement | null)?.value.endsWith(`/${name}`) ?? false, offered, { timeout: 15_000 });
        const written = join(folder, `exported-${offered}`);
        await answerSaveDialog(page, written);
        await waitForFile(written, 100);
        const parsed = await page.evaluate((xml) => {
          const doc = new DOMParser().parseFromString(xml, 'image/svg+xml');
          const error = doc.querySelector('parsererror')?.textContent ?? '';
          return {
            error,
            root: doc.documentElement.nodeName,
            cells: Array.from(doc.querySelectorAll('rect[data-row][data-col]')).map((r) => [Number(r.getAttribute('data-row')), Number(r.getAttribute('data-col')), Number(r.getAttribute('data-weight'))]),
            queries: Array.from(doc.querySelectorAll('text[data-row]')).map((t) => t.querySelector('title')?.textContent ?? ''),
          };
        }, readFileSync(written, 'utf8'));
        assert.equal(parsed.error, '', 'the SVG parses');
        assert.equal(parsed.root, 'svg');
        assert.equal(parsed.cells.length, n * n, 'one cell per (query, key)');
        for (const [i, j, w] of parsed.cells) assert.ok(Math.abs(w! - ref.attentions[0]![2]![i!]![j!]!) <= 1e-4, `SVG cell (${i}, ${j}): ${w} vs torch ${ref.attentions[0]![2]![i!]![j!]}`);
        const labels = await frame.locator('[data-testid="model-tokens"] [data-testid="token"]').evaluateAll((els) => els.map((el) => el.textContent ?? ''));
        assert.deepEqual(parsed.queries, labels, 'the SVG’s query labels are the panel’s tokens');
        copyFileSync(written, join(resultsDir, offered));
        await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
        await sleep(500);
      }

      // The next tokens: torch's logits, ranked here.
      const predictions = frame.locator('[data-testid="predictions"]');
      assert.equal(await predictions.getAttribute('data-kind'), 'next');
      const ids = await frame.locator('[data-testid="prediction"]').evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-id'))));
      assert.deepEqual(ids, topIds(ref.logitsLast!, 10));
      await predictions.scrollIntoViewIfNeeded();
      await screenshot(page, 'model-gpt2-predictions');

      // Hovering token 2 in the panel decorates its range in the editor (the selection collapsed first, so it shows).
      await page.locator('.tab[data-resource-name="gpt2.txt"]').first().click();
      await page.keyboard.press('End');
      await expectHoverDecoratesToken(page, frame, 2, ref.text.length, '');
      await screenshot(page, 'model-gpt2-hover');

      // The editor's cursor inside a word marks that token in the panel: the token strip, the
      // heatmap's query row and key column, the weights table, the softmax's key row.
      const word = 4;
      const wordToken = frame.locator(`[data-testid="model-tokens"] [data-testid="token"][data-index="${word}"]`);
      const [wordStart, wordEnd] = [Number(await wordToken.getAttribute('data-start')), Number(await wordToken.getAttribute('data-end'))];
      assert.ok(wordEnd - wordStart >= 2, `token ${word} spans ${wordStart}–${wordEnd}`);
      await page.locator('.tab[data-resource-name="gpt2.txt"]').first().click();
      await page.keyboard.press('Home');
      for (let c = 0; c < wordStart + 1; c++) await page.keyboard.press('ArrowRight');
      await frame.waitForFunction(
        (w) => document.querySelector('[data-testid="heatmap"]')?.getAttribute('data-highlighted') === String(w),
        word,
        { timeout: 10_000 },
      );
      assert.equal(await wordToken.evaluate((el) => el.classList.contains('highlighted')), true, 'the token strip marks the token under the cursor');
      const marked = await frame.evaluate(() => ({
        rows: Array.from(document.querySelectorAll('[data-testid="weights-table"] tbody tr')).map((tr, i) => (tr.classList.contains('highlighted') ? i : -1)).filter((i) => i >= 0),
        cols: [...new Set(Array.from(document.querySelectorAll('[data-testid="weights-table"] td.highlighted-col')).map((td) => Number((td as HTMLElement).dataset.col)))],
        softmax: Array.from(document.querySelectorAll('[data-testid="softmax-table"] tbody tr.highlighted')).map((tr) => Number((tr as HTMLElement).dataset.col)),
      }));
      assert.deepEqual(marked, { rows: [word], cols: [word], softmax: [word] }, 'the weights table and the softmax mark the token under the cursor');
      await frame.locator('[data-testid="heatmap"]').scrollIntoViewIfNeeded();
      await screenshot(page, 'model-gpt2-cursor');
      // The cursor out of the text (past its end): nothing marked.
      await page.keyboard.press('End');
      await frame.waitForFunction(() => document.querySelector('[data-testid="heatmap"]')?.getAttribute('data-highlighted') === '-1', undefined, { timeout: 10_000 });

      // Append the top next token: one token more, and it is the one chosen.
      const first = frame.locator('[data-testid="prediction-append"]').first();
      const appendId = Number(await first.getAttribute('data-id'));
      const appendRowText = (await frame.locator(`[data-testid="prediction"][data-id="${appendId}"]`).first().textContent()) ?? '';
      await first.click();
      const after = await modelPanel(page, n + 1);
      const lastToken = after.locator('[data-testid="model-tokens"] [data-testid="token"]').last();
      const appended = (await lastToken.getAttribute('data-token')) ?? '';
      t.diagnostic(`appended id ${appendId} "${appendRowText}"; the new last token reads "${appended}"`);
      assert.ok(appended.length > 0 && appendRowText.includes(appended), `the appended token "${appended}" is the chosen row "${appendRowText}"`);
      assert.equal(await after.locator('[data-testid="model-tokens"] [data-testid="token"]').count(), n + 1);
      await screenshot(page, 'model-gpt2-appended');
    },
  );

  scenario(
    'gpt2: after Developer: Reload Window the restored panel shows the model again at the same (layer, head), linked to the editor at once',
    'model-reload',
    (folder) => {
      copyFolder(join(FIXTURES, 'gpt2'), join(folder, 'models', 'gpt2'));
      writeFileSync(join(folder, 'gpt2.txt'), `${reference('gpt2').text}\n`);
    },
    async (page) => {
      const ref = reference('gpt2');
      await openModel(page, 'models/gpt2', /gpt2 2×4 F32/u);
      await openFile(page, 'gpt2.txt');
      await selectLine(page, 'gpt2.txt', 1);
      await runCommand(page, commandTitle('headlight.showAttention'));
      const frame = await modelPanel(page, ref.ids.length);
      await page.locator('.tab[data-resource-name="gpt2.txt"]').first().click();
      await pressFor(page, frame, 'headlight.nextLayer', [1, 0]);
      await pressFor(page, frame, 'headlight.nextHead', [1, 1]);

      const reloaded = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 60_000 });
      await runCommand(page, 'Developer: Reload Window');
      await reloaded;
      await page.locator('.monaco-workbench .statusbar-item').first().waitFor({ timeout: 60_000 });
      // The model is opened again from its folder by the restored panel: the status bar says so.
      await page.locator('.statusbar-item', { hasText: /gpt2 2×4 F32/u }).first().waitFor({ timeout: 90_000 });
      const after = await modelPanel(page, ref.ids.length, 90_000);
      assert.deepEqual(await focusedOf(after), [1, 1], 'the restored panel is at L2H2');
      assertClose(await weightsTable(after), ref.attentions[1]![1]!, 1e-4, 'weights table L2H2 after the reload');
      await screenshot(page, 'model-reload');

      // Linking resumes at once, without another Show Attention: the editor's cursor in a word
      // marks its token in the panel, and hovering a token decorates its range in the editor.
      const word = 4;
      const wordToken = after.locator(`[data-testid="model-tokens"] [data-testid="token"][data-index="${word}"]`);
      const wordStart = Number(await wordToken.getAttribute('data-start'));
      await page.locator('.tab[data-resource-name="gpt2.txt"]').first().click();
      await page.keyboard.press('Home');
      for (let c = 0; c < wordStart + 1; c++) await page.keyboard.press('ArrowRight');
      await after.waitForFunction((w) => document.querySelector('[data-testid="heatmap"]')?.getAttribute('data-highlighted') === String(w), word, { timeout: 10_000 });
      assert.equal(await wordToken.evaluate((el) => el.classList.contains('highlighted')), true, 'after the reload, the token strip marks the token under the cursor');
      await page.keyboard.press('End');
      await after.waitForFunction(() => document.querySelector('[data-testid="heatmap"]')?.getAttribute('data-highlighted') === '-1', undefined, { timeout: 10_000 });
      await expectHoverDecoratesToken(page, after, 2, ref.text.length, 'after the reload, ');
      await screenshot(page, 'model-reload-linked');
    },
  );

  scenario(
    'bert: Open Model…, Show Attention on a line with a mask; the focused head and the mask predictions against torch',
    'model-bert',
    (folder) => {
      copyFolder(join(FIXTURES, 'bert'), join(folder, 'models', 'bert'));
      writeFileSync(join(folder, 'bert.txt'), `${reference('bert').text}\n`);
    },
    async (page) => {
      const ref = reference('bert');
      await openModel(page, 'models/bert', /bert \d+×\d+/u);
      await openFile(page, 'bert.txt');
      await selectLine(page, 'bert.txt', 1);
      await runCommand(page, commandTitle('headlight.showAttention'));
      const frame = await modelPanel(page, ref.ids.length);
      assert.deepEqual(await focusedOf(frame), [0, 0]);
      assertClose(await weightsTable(frame), ref.attentions[0]![0]!, 1e-4, 'bert weights table L1H1');
      const tip = await hoverModelCell(frame, 1, 1, 1, 2, ref.ids.length);
      assert.ok(Math.abs(Number(tip.weight) - ref.attentions[1]![1]![1]![2]!) <= THUMB_TOLERANCE, `bert model view L2H2 (1, 2): ${tip.weight} vs torch ${ref.attentions[1]![1]![1]![2]}`);
      const predictions = frame.locator('[data-testid="predictions"]');
      assert.equal(await predictions.getAttribute('data-kind'), 'masks');
      const position = ref.maskPositions![0]!;
      const ids = await frame.locator(`[data-testid="mask-predictions"][data-position="${position}"] [data-testid="prediction"]`).evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-id'))));
      assert.deepEqual(ids, topIds(ref.maskLogits![0]!, ids.length));
      assert.ok(ids.length >= 5, `${ids.length} predictions at the mask`);
      await screenshot(page, 'model-bert-panel');
      // Hide the specials and merge into words: the panel still paints (the snapshot validates).
      await frame.locator('[data-testid="model-hide-special"]').check();
      await frame.waitForFunction((n) => document.querySelectorAll('[data-testid="model-tokens"] [data-testid="token"]').length === n && document.querySelector('#app')?.getAttribute('data-state') === 'ready', ref.ids.length - 2, { timeout: 20_000 });
      await frame.locator('[data-testid="model-aggregate"]').selectOption('words');
      await sleep(1_000);
      assert.equal(await frame.locator('#app').getAttribute('data-state'), 'ready', 'words with hidden specials: the panel is not in error');
      await screenshot(page, 'model-bert-words');
    },
  );

  scenario(
    'timings: command → painted at 128 and 512 tokens on a 12 × 12 GPT-2; the model view at 32 × 32 (printed, not asserted); the Heads side view fits 32 × 32',
    'model-timings',
    (folder) => {
      timingModel({ layers: 12, hidden: 96, heads: 12, vocab: 270, positions: 1024, dtype: 'F32' }, join(folder, 'models', 'gpt2-12x12'));
      timingModel({ layers: 32, hidden: 128, heads: 32, vocab: 270, positions: 1024, dtype: 'F32' }, join(folder, 'models', 'gpt2-32x32'));
      const words = 'the cat sat on the mat and the dog ran to the park while a bird sang'.split(' ');
      const text = (chars: number): string => {
        let out = '';
        for (let i = 0; out.length < chars; i++) out += `${words[i % words.length]} `;
        return out.trim();
      };
      // The fixture's 270-token byte-level BPE gives ~0.63 tokens a character on this text: ~128 and ~512 tokens.
      writeFileSync(join(folder, 'timing.txt'), `${text(60)}\n${text(205)}\n${text(805)}\n`);
    },
    async (page, t) => {
      await openModel(page, 'models/gpt2-12x12', /12×12/u);
      await openFile(page, 'timing.txt');
      const measure = async (line: number, label: string): Promise<number> => {
        await selectLine(page, 'timing.txt', line);
        const before = await (async () => {
          const frame = await webviewFrame(page, '#app', 500).catch(() => undefined);
          return frame ? ((await frame.locator('#app').getAttribute('data-timings').catch(() => null)) ?? '') : '';
        })();
        const pickedAt = await runCommand(page, commandTitle('headlight.showAttention'));
        const frame = await webviewFrame(page, 'canvas[data-testid="model-view"]', 60_000);
        // Progressive paint: the focused head first ("partial", the rest "computing layer k/L"), then complete.
        await frame.waitForFunction(
          (old) => ['partial', 'ready'].includes(document.querySelector('#app')?.getAttribute('data-state') ?? '') && (document.querySelector('#app')?.getAttribute('data-timings') ?? '') !== old,
          before,
          { timeout: 120_000, polling: 'raf' },
        );
        const progress = await frame.evaluate(() =>
          document.querySelector('#app')?.getAttribute('data-state') === 'partial' ? (document.querySelector('[data-testid="model-progress"]')?.textContent ?? '') : '',
        );
        await frame.waitForFunction(
          (old) =>
            document.querySelector('#app')?.getAttribute('data-state') === 'ready' &&
            (document.querySelector('#app')?.getAttribute('data-timings') ?? '') !== old &&
            document.querySelector('canvas[data-testid="model-view"]')?.getAttribute('data-painted') === 'true' &&
            document.querySelector('[data-testid="heatmap"]')?.getAttribute('data-painted') === 'true',
          before,
          { timeout: 120_000, polling: 'raf' },
        );
        const ms = performance.now() - pickedAt;
        // When the page is idle after it (its layout and paint of everything drawn are done): the
        // same point for a picture painted whole or progressively.
        const idle = Math.round((await frame.evaluate(() => new Promise<number>((resolve) => requestIdleCallback(() => resolve(performance.timeOrigin + performance.now()), { timeout: 10_000 })))) - (performance.timeOrigin + pickedAt));
        const units = await frame.locator('[data-testid="model-tokens"] [data-testid="token"]').count();
        const timings = JSON.parse((await frame.locator('#app').getAttribute('data-timings')) ?? '{}') as Record<string, number>;
        const picked = performance.timeOrigin + pickedAt;
        const after = Object.entries(timings).map(([k, v]) => `${k} +${Math.round(v - picked)}`).join(', ');
        const meta = (await frame.locator('[data-testid="model-meta"]').textContent()) ?? '';
        const firstPaint = timings.firstPaint !== undefined ? `${Math.round(timings.firstPaint - picked)} ms` : 'none (came whole)';
        const line1 =
          `[e2e] ${label}: ${units} tokens on gpt2 12×12 (d 96): command → first paint (focused head) ${firstPaint}, complete ${Math.round(ms)} ms, page idle ${idle} ms` +
          `${progress ? ` (seen while painting: “${progress.replace(/ The focused.*/u, '')}”)` : ''} (panel milestones, ms after the command: ${after}; ${meta.replace(/.*· /u, '')})`;
        console.log(line1);
        t.diagnostic(line1);
        return units;
      };
      await measure(1, 'warm-up');
      const small = await measure(2, 'about 128');
      const large = await measure(3, 'about 512');
      t.diagnostic(`token counts measured: ${small}, ${large}`);
      await screenshot(page, 'model-timing-512');

      // A Show Attention while a 512-token pass is being painted supersedes it: the panel ends on
      // the newer text alone (its tokens, every layer, its neuron rows and rollout), nothing of the
      // older pass mixed in.
      {
        await selectLine(page, 'timing.txt', 3);
        const frame = await webviewFrame(page, 'canvas[data-testid="model-view"]', 60_000);
        const before = (await frame.locator('#app').getAttribute('data-timings')) ?? '';
        await runCommand(page, commandTitle('headlight.showAttention'));
        await frame.waitForFunction((old) => (document.querySelector('#app')?.getAttribute('data-timings') ?? '') !== old, before, { timeout: 60_000, polling: 'raf' });
        const stateThen = await frame.locator('#app').getAttribute('data-state');
        await selectLine(page, 'timing.txt', 2);
        const secondAt = await runCommand(page, commandTitle('headlight.showAttention'));
        await frame.waitForFunction(
          (n) =>
            document.querySelector('#app')?.getAttribute('data-state') === 'ready' &&
            document.querySelectorAll('[data-testid="model-tokens"] [data-testid="token"]').length === n &&
            document.querySelector('canvas[data-testid="model-view"]')?.getAttribute('data-layers-done') === '12',
          small,
          { timeout: 120_000, polling: 'raf' },
        );
        const superseded = Math.round(performance.now() - secondAt);
        const after = await frame.evaluate(() => ({
          neuronRows: document.querySelectorAll('[data-testid="neuron-row"]').length,
          rolloutPending: document.querySelector('#rollout-section')?.hasAttribute('data-pending') ?? true,
          layersDone: document.querySelector('#app')?.getAttribute('data-layers-done'),
          predictions: document.querySelector('[data-testid="predictions"]')?.getAttribute('data-kind'),
          meta: document.querySelector('[data-testid="model-meta"]')?.textContent ?? '',
        }));
        const line = `[e2e] superseded: Show Attention on ${small} tokens while the ${large}-token pass was ${stateThen === 'partial' ? 'being painted' : stateThen}: complete ${superseded} ms after its command`;
        console.log(line);
        t.diagnostic(line);
        assert.equal(after.neuronRows, small, 'the neuron view is of the newer text');
        assert.equal(after.rolloutPending, false, 'the newer picture is complete');
        assert.equal(after.layersDone, '12');
        assert.equal(after.predictions, 'next');
        assert.ok(after.meta.includes(`${small} tokens`), after.meta);
        await sleep(1_500);
        assert.equal(await frame.locator('[data-testid="model-tokens"] [data-testid="token"]').count(), small, 'nothing of the older pass arrived afterwards');
      }

      // The model view at 32 × 32: hover across it and scroll it, then read the frame times.
      await openModel(page, 'models/gpt2-32x32', /32×32/u);
      await selectLine(page, 'timing.txt', 1);
      await runCommand(page, commandTitle('headlight.showAttention'));
      const frame = await webviewFrame(page, 'canvas[data-testid="model-view"]', 60_000);
      await frame.waitForFunction(() => document.querySelector('[data-testid="model-meta"]')?.textContent?.includes('32 layers × 32 heads') && document.querySelector('canvas[data-testid="model-view"]')?.getAttribute('data-painted') === 'true', undefined, { timeout: 120_000 });
      const canvas = frame.locator('canvas[data-testid="model-view"]');
      await canvas.scrollIntoViewIfNeeded();
      // No sideways scrolling at 32 × 32: the grid's scroller holds it all across.
      const across = await frame.evaluate(() => {
        const scroller = document.querySelector<HTMLElement>('.model-grid-scroll')!;
        return { content: scroller.scrollWidth, shown: scroller.clientWidth, cell: (JSON.parse(document.querySelector('canvas[data-testid="model-view"]')!.getAttribute('data-layout')!) as { cell: number }).cell };
      });
      assert.ok(across.content <= across.shown + 1, `the model view scrolls sideways at 32 × 32: ${across.content} px of grid in ${across.shown} px (cells ${across.cell} px)`);
      const box = (await canvas.boundingBox())!;
      for (let k = 0; k < 80; k++) await canvas.hover({ position: { x: ((k * 37) % 100) / 100 * (box.width - 2) + 1, y: ((k * 53) % 100) / 100 * Math.min(box.height - 2, 600) + 1 } });
      for (let k = 0; k < 20; k++) {
        await page.mouse.wheel(0, k < 10 ? 120 : -120);
        await sleep(30);
      }
      const frames = await canvas.evaluate((el: HTMLElement) => ({ ...el.dataset }));
      const line2 = `[e2e] model view 32 × 32: max frame ${frames.maxFrameMs} ms, max interaction frame ${frames.maxInteractionFrameMs} ms, max row paint ${frames.maxRowPaintMs} ms, ${frames.frames} frames`;
      console.log(line2);
      t.diagnostic(line2);
      await screenshot(page, 'model-view-32x32');

      // The Heads side view at 32 × 32 fits the side bar: no sideways scrolling (the cells shrink,
      // then wrap), every cell inside the grid's width, and the arrow keys still move by head and layer.
      const container = manifest.contributes?.viewsContainers?.activitybar?.[0];
      assert.ok(container, 'package.json contributes an activity-bar view container for the heads view');
      await page.locator(`.activitybar .action-item a[aria-label^="${container.title}"], .activitybar .action-item[aria-label^="${container.title}"]`).first().click();
      const side = await webviewFrame(page, '[data-testid="head-grid"][data-layers="32"][data-heads="32"] [data-testid="head-item"]', 30_000);
      const fit = await side.evaluate(() => {
        const grid = document.querySelector<HTMLElement>('[data-testid="head-grid"]')!;
        const box = grid.getBoundingClientRect();
        const cells = Array.from(grid.querySelectorAll<HTMLElement>('[data-testid="head-item"]')).map((c) => c.getBoundingClientRect());
        return {
          grid: [grid.scrollWidth, grid.clientWidth],
          page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
          outside: cells.filter((c) => c.right > box.right + 0.5 || c.left < box.left - 0.5).length,
          cells: cells.length,
          cell: grid.dataset.cell,
          perLine: grid.dataset.perLine,
        };
      });
      const line3 = `[e2e] heads side view 32 × 32: grid ${fit.grid[1]} px wide, cells ${fit.cell} px, ${fit.perLine} a line`;
      console.log(line3);
      t.diagnostic(line3);
      assert.equal(fit.cells, 32 * 32);
      assert.ok(fit.grid[0]! <= fit.grid[1]! + 1, `the heads grid scrolls sideways: ${fit.grid[0]} px of content in ${fit.grid[1]} px`);
      assert.ok(fit.page[0]! <= fit.page[1]! + 1, `the heads view scrolls sideways: ${fit.page[0]} px of content in ${fit.page[1]} px`);
      assert.equal(fit.outside, 0, 'every cell inside the grid’s width');
      await side.locator('[data-testid="head-item"][tabindex="0"]').focus();
      const at = async (): Promise<number> => Number(await side.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.head));
      const from = await at();
      await page.keyboard.press('ArrowRight');
      assert.equal(await at(), from + 1, 'ArrowRight: the next head');
      await page.keyboard.press('ArrowDown');
      assert.equal(await at(), from + 1 + 32, 'ArrowDown: the same head of the next layer');
      await screenshot(page, 'model-heads-view-32x32');
    },
    360_000,
  );
});
