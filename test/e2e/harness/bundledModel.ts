/**
 * What the guided lesson's last step shows, read the same way wherever it is opened from (the
 * walkthrough's button, the command palette): the bundled model over the sentence said twice,
 * ready and painted, with the lesson's previous-token head focused.
 */
import assert from 'node:assert/strict';
import type { Frame, Page } from 'playwright-core';
import { stableFrame } from './workbench';
import { BUNDLED_MODEL_TEXT, LESSON_MODEL_HEAD } from '../../../src/host/trainedDefaultsContent';

export async function expectBundledModelLesson(page: Page, timeoutMs: number): Promise<Frame> {
  // The panel may move to another group as the text opens (its page loads again): stableFrame.
  const model = await stableFrame(page, 'canvas[data-testid="model-view"]', timeoutMs, (frame, timeout) => frame.waitForFunction(
    (head) => {
      const canvas = document.querySelector('canvas[data-testid="model-view"]');
      return (
        document.querySelector('#app')?.getAttribute('data-source') === 'model' &&
        document.querySelector('#app')?.getAttribute('data-state') === 'ready' &&
        canvas?.getAttribute('data-painted') === 'true' &&
        canvas.getAttribute('data-focused-layer') === String(head.layer) &&
        canvas.getAttribute('data-focused-head') === String(head.head)
      );
    },
    LESSON_MODEL_HEAD,
    { timeout },
  ));
  const text = BUNDLED_MODEL_TEXT.trimEnd();
  const covered = await model.evaluate(() =>
    Array.from(document.querySelectorAll('[data-testid="model-tokens"] [data-testid="token"]'))
      .filter((el) => el.hasAttribute('data-start'))
      .map((el) => [Number(el.getAttribute('data-start')), Number(el.getAttribute('data-end'))]),
  );
  assert.equal(covered.map(([a, b]) => text.slice(a, b)).join(''), text, 'the model tokens cover the sentence said twice');
  assert.equal(await model.locator('[data-testid="head-thumb"]').count(), 4, "the focused layer's four heads");
  return model;
}
