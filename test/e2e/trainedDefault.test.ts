/**
 * The trained defaults in a real workbench (issue 15), as a new user meets them: a new untitled
 * file with "The cat sat on the mat because it was tired.", select all, Show Attention. The lesson
 * set does not know five of its words; the panel offers the bundled trained word vectors or the
 * bundled model, and one press puts every word into the picture.
 *
 *   npm run build && node --import tsx --test --test-concurrency=1 test/e2e/trainedDefault.test.ts
 *
 * Expected words come from splitting the sentence here, never from Headlight's output.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { readEmbText } from './harness/reference';
import { repoRoot, runCommand, screenshot, waitForPaintedPanel, webviewFrame, Workbench, type Manifest } from './harness/workbench';
import { expectBundledModelLesson } from './harness/bundledModel';
import { OPEN_BUNDLED_MODEL_COMMAND } from '../../src/host/trainedDefaultsContent';

const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest;
const SENTENCE = 'The cat sat on the mat because it was tired.';
const WORDS = SENTENCE.toLowerCase().replace(/[^a-z ]/g, '').split(' ');

function commandTitle(id: string): string {
  const command = manifest.contributes?.commands?.find((c) => c.command === id);
  assert.ok(command, `package.json does not contribute ${id}`);
  return `${command.category ? `${command.category}: ` : ''}${command.title}`;
}

describe('trained defaults: the unknown-words offer', { concurrency: false }, () => {
  let workbench: Workbench;
  let anyFailed = false;
  let lessonKnows: string[] = [];

  before(async () => {
    workbench = await Workbench.launch();
    const lesson = readEmbText(readFileSync(join(workbench.installedSamples(), 'lesson.emb'), 'utf8'));
    lessonKnows = WORDS.filter((w) => lesson.has(w));
  });

  after(async () => {
    await workbench?.close(anyFailed);
  });

  /** A new untitled file holding the sentence, all of it selected, then Show Attention. */
  async function showOnNewFile(page: Page): Promise<void> {
    // The palette's exact row: "File: Compare New Untitled Text Files" matches the words too.
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input.input').fill('>File: New Untitled Text File');
    const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^File: New Untitled Text File$/ }) }).first();
    await row.waitFor();
    await page.waitForTimeout(300);
    await row.click();
    await page.locator('.editor-group-container.active .tab.active[data-resource-name^="Untitled-"]').first().waitFor();
    await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().waitFor();
    await page.keyboard.type(SENTENCE);
    await page.keyboard.press('Control+A');
    await runCommand(page, commandTitle('headlight.showAttention'));
  }

  async function offerIn(frame: Frame, shown: boolean, timeout = 20_000): Promise<void> {
    await frame.waitForFunction(
      (visible) => {
        const el = document.querySelector<HTMLElement>('[data-testid="unknown-words-offer"]');
        return visible ? el !== null && !el.hidden : el === null || el.hidden;
      },
      shown,
      { timeout },
    );
  }

  /** Every word of the sentence is a token of the picture, and nothing is reported left out. */
  async function expectEveryWord(frame: Frame): Promise<void> {
    const reading = await frame.evaluate(() => ({
      tokens: Array.from(document.querySelectorAll('[data-testid="token"]')).map((el) => el.getAttribute('data-token')),
      oovShown: !(document.querySelector<HTMLElement>('[data-testid="oov"]')?.hidden ?? true),
      oovWords: document.querySelectorAll('[data-testid="oov-word"]').length,
      meta: document.querySelector('.meta')?.textContent ?? '',
    }));
    assert.deepEqual(reading.tokens, WORDS, 'every word of the sentence, in order, is in the heatmap');
    assert.equal(reading.oovShown, false, 'no "not in" notice');
    assert.equal(reading.oovWords, 0, 'no word is struck out');
    assert.match(reading.meta, /Trained word vectors \(bundled\)/, `the set is named: ${reading.meta}`);
  }

  async function inWindow(name: string, body: (page: Page) => Promise<void>): Promise<void> {
    const { page } = await workbench.openWindow(name);
    try {
      await body(page);
      await screenshot(page, name);
    } catch (error) {
      anyFailed = true;
      await screenshot(page, `${name}-failed`).catch(() => undefined);
      throw error;
    } finally {
      await page.close();
    }
  }

  test('the lesson set lacks words of the sentence; the offer names them; "Use the trained word vectors" puts every word in', { timeout: 240_000 }, async () => {
    assert.ok(lessonKnows.length > 0 && lessonKnows.length < WORDS.length, `the lesson set knows ${lessonKnows.join(', ')} of ${WORDS.join(', ')}`);
    await inWindow('trained-1-vectors', async (page) => {
      await showOnNewFile(page);
      const frame = await waitForPaintedPanel(page, lessonKnows.length);
      await offerIn(frame, true);
      const unknown = new Set(WORDS.filter((w) => !lessonKnows.includes(w))).size;
      const text = (await frame.locator('[data-testid="unknown-words-text"]').textContent())?.trim();
      assert.equal(text, `${unknown} words are not in Lesson (bundled).`);
      const choices = await frame.locator('[data-testid="unknown-words-choice"]').allTextContents();
      assert.deepEqual(choices, ['Use the trained word vectors (bundled)', 'Use the bundled model', 'Not now']);
      await screenshot(page, 'trained-1a-offer');
      // Keyboard reachable: focus the button and press Enter, as Tab would get there.
      await frame.locator('[data-testid="unknown-words-choice"][data-choice="trainedVectors"]').focus();
      await page.keyboard.press('Enter');
      const after = await waitForPaintedPanel(page, WORDS.length, 60_000);
      await expectEveryWord(after);
      await offerIn(after, false);
    });
  });

  test('the choice is remembered: a new window switches by itself; after "Ask Again", "Use the bundled model" shows tokens and 4 × 4 heads', { timeout: 300_000 }, async () => {
    await inWindow('trained-2-model', async (page) => {
      await showOnNewFile(page);
      const frame = await waitForPaintedPanel(page, WORDS.length, 60_000);
      await expectEveryWord(frame);
      await offerIn(frame, false);

      // The switch says so, with the way back: "Ask Again" forgets the answer and shows the lesson set's picture again, with the offer.
      const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'as you chose before' }).first();
      await toast.waitFor({ timeout: 20_000 });
      assert.match((await toast.textContent()) ?? '', /5 words are not in Lesson \(bundled\): using the trained word vectors \(bundled\)/);
      await toast.getByRole('button', { name: 'Ask Again' }).click();
      const lessonFrame = await waitForPaintedPanel(page, lessonKnows.length, 60_000);
      await offerIn(lessonFrame, true, 30_000);
      await lessonFrame.locator('[data-testid="unknown-words-choice"][data-choice="bundledModel"]').click();

      const model = await webviewFrame(page, 'canvas[data-testid="model-view"]', 90_000);
      await model.waitForFunction(
        () =>
          document.querySelector('#app')?.getAttribute('data-source') === 'model' &&
          document.querySelector('#app')?.getAttribute('data-state') === 'ready' &&
          document.querySelector('canvas[data-testid="model-view"]')?.getAttribute('data-painted') === 'true',
        undefined,
        { timeout: 90_000 },
      );
      const picture = await model.evaluate(() => ({
        units: Array.from(document.querySelectorAll('[data-testid="model-tokens"] [data-testid="token"]')).map((el) => [
          Number(el.getAttribute('data-start')),
          Number(el.getAttribute('data-end')),
        ]),
        thumbs: document.querySelectorAll('[data-testid="head-thumb"]').length,
        layout: JSON.parse(document.querySelector('canvas[data-testid="model-view"]')?.getAttribute('data-layout') ?? '{}') as { layers?: number; heads?: number },
        offerShown: !(document.querySelector<HTMLElement>('[data-testid="unknown-words-offer"]')?.hidden ?? true),
      }));
      // The tokens cover the sentence: no word is left out by a model.
      const covered = picture.units.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b)).map(([a, b]) => SENTENCE.slice(a, b)).join('');
      assert.equal(covered, SENTENCE, 'the model tokens cover the whole sentence');
      assert.deepEqual({ layers: picture.layout.layers, heads: picture.layout.heads }, { layers: 4, heads: 4 }, 'the model view draws 4 layers × 4 heads');
      assert.equal(picture.thumbs, 4, "the focused layer's 4 heads");
      assert.equal(picture.offerShown, false, 'no offer over a model picture');
    });
  });

  test("the guided lesson's last step, from the palette: the bundled model over the sentence said twice, its previous-token head focused", { timeout: 240_000 }, async () => {
    await inWindow('trained-3-lesson', async (page) => {
      await runCommand(page, commandTitle(OPEN_BUNDLED_MODEL_COMMAND));
      await expectBundledModelLesson(page, 90_000);
    });
  });
});
