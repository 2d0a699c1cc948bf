/**
 * The guided lesson end to end (issue 7): the packaged .vsix installed into a fresh code-server,
 * "Headlight: Learn Attention (Guided Lesson)" run from the command palette, and each of the six
 * walkthrough steps followed as a new user would — press the step's buttons, look at what they
 * show, and see the step ticked off. One screenshot per step under test-results/e2e/
 * (walkthrough-1.png … walkthrough-6.png).
 *
 *   npm run build && node --import tsx --test test/e2e/walkthrough.test.ts
 *
 * The buttons are found through package.json (the title of the link that runs a given command),
 * so the test follows the manifest. In code-server Playwright reports the walkthrough's buttons as
 * disabled and a click on the Welcome tab re-renders the page, so they are pressed with the DOM's
 * own `el.click()` — the handler a mouse click reaches.
 *
 * Expected numbers come from the deck and from test/e2e/harness/reference.ts (a naive float64
 * reference over the .emb files shipped in the .vsix), never from Headlight's own output.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Locator, Page } from 'playwright-core';
import { cosine, dot, lessonWeights, lookup, printedMatches, readEmbText, type Vectors } from './harness/reference';
import { readPanel, repoRoot, runCommand, screenshot, webviewFrame, Workbench } from './harness/workbench';
import { expectBundledModelLesson } from './harness/bundledModel';
import { OPEN_BUNDLED_MODEL_COMMAND } from '../../src/host/trainedDefaultsContent';

interface WalkthroughStep {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly completionEvents?: readonly string[];
}

interface WalkthroughManifest {
  readonly contributes?: {
    readonly commands?: readonly { command: string; title: string; category?: string }[];
    readonly walkthroughs?: readonly { id: string; title: string; steps: readonly WalkthroughStep[] }[];
  };
}

const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as WalkthroughManifest & { publisher: string; name: string };
const EXTENSION_ID = `${manifest.publisher}.${manifest.name}`;
const WALKTHROUGH_ID = 'learnAttention';
/** The id the workbench gives each step: `<extension id>#<walkthrough id>#<step id>`. */
const STEP_PREFIX = `${EXTENSION_ID}#${WALKTHROUGH_ID}#`;
/** The deck, slide "Softmax": the orange row of "orange apple and an" by cosine. */
const DECK_LINE = 'orange → 0.40 orange + 0.30 apple + 0.15 and + 0.15 an';
/** The deck, slide "Dot product": Cherries (1, 4) · Tomato (0, 3) on Tech × Fruitness. */
const DECK_DOT = '1·0 + 4·3 = 12';
const DECK_SCALED = '12/√2 = 8.49';

const walkthrough = manifest.contributes?.walkthroughs?.find((w) => w.id === WALKTHROUGH_ID);

function commandTitle(id: string): string {
  const command = manifest.contributes?.commands?.find((c) => c.command === id);
  assert.ok(command, `package.json does not contribute ${id}`);
  return `${command.category ? `${command.category}: ` : ''}${command.title}`;
}

function step(id: string): WalkthroughStep {
  const found = walkthrough?.steps.find((s) => s.id === id);
  assert.ok(found, `the ${WALKTHROUGH_ID} walkthrough has no step "${id}" (steps: ${walkthrough?.steps.map((s) => s.id).join(', ')})`);
  return found;
}

/**
 * The title of the button in a step's description that runs `command` with `args` (a link alone
 * on its line: `[Title](command:[toSide:]id?<encoded JSON args>)`).
 */
function buttonTitle(stepId: string, command: string, args?: readonly unknown[]): string {
  const links = step(stepId)
    .description.split('\n')
    .flatMap((line) => {
      const match = /^\[(.+)\]\(command:(?:toSide:)?([\w.]+)(?:\?(.*))?\)$/.exec(line.trim());
      return match ? [{ title: match[1]!, command: match[2]!, args: match[3] === undefined ? undefined : (JSON.parse(decodeURIComponent(match[3])) as unknown[]) }] : [];
    });
  const link = links.find((l) => l.command === command && JSON.stringify(l.args) === JSON.stringify(args));
  assert.ok(link, `step "${stepId}" has a button running ${command} ${JSON.stringify(args ?? [])}: ${JSON.stringify(links)}`);
  return link.title;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('the guided lesson (walkthrough) in a real workbench', { concurrency: false }, () => {
  let workbench: Workbench;
  let lesson: Vectors;
  let cherries: Vectors;
  let failed = false;

  before(async () => {
    const started = Date.now();
    workbench = await Workbench.launch();
    // The samples the user gets: the files inside the installed extension.
    const samples = workbench.installedSamples();
    lesson = readEmbText(readFileSync(join(samples, 'lesson.emb'), 'utf8'));
    cherries = readEmbText(readFileSync(join(samples, 'deck-cherries.emb'), 'utf8'));
    console.log(`[e2e] packaged, installed and served in ${Date.now() - started} ms`);
  });

  after(async () => {
    await workbench?.close(failed);
  });

  test('Learn Attention from the palette, then the six steps, each ticked off', { timeout: 900_000 }, async (t) => {
    assert.ok(walkthrough, `package.json contributes the "${WALKTHROUGH_ID}" walkthrough`);
    assert.deepEqual(
      walkthrough.steps.map((s) => s.id),
      ['embeddings', 'similarity', 'softmax', 'attention', 'heads', 'trained'],
      'the walkthrough follows the deck: embeddings, similarity, softmax, attention, multi-head',
    );
    const { page } = await workbench.openWindow('walkthrough');
    page.setDefaultTimeout(60_000); // a loaded machine: generous, but every wait ends in a failure
    const timings: string[] = [];
    let shot = 'walkthrough-0';
    const timed = async (name: string, body: () => Promise<void>): Promise<void> => {
      const started = Date.now();
      shot = name;
      await body();
      timings.push(`${name} ${Date.now() - started} ms`);
      await screenshot(page, name);
    };
    try {
      await timed('walkthrough-0', async () => {
        await runCommand(page, commandTitle('headlight.openWalkthrough'), 60_000);
        await page.locator(`[data-done-step-id="${STEP_PREFIX}embeddings"]`).first().waitFor({ state: 'attached' });
        for (const s of walkthrough.steps) assert.equal(await stepChecked(page, s.id), 'false', `a new user starts with step "${s.id}" not done`);
      });

      await timed('walkthrough-1', async () => {
        await pressButton(page, 'embeddings', buttonTitle('embeddings', 'headlight.openLessonSample', ['lesson']));
        await page.locator('.tab[data-resource-name="lesson.emb"]').first().waitFor();
        const hover = await appleHover(page);
        const table = await hover.evaluate((el) =>
          Array.from(el.querySelectorAll('table tr')).map((tr) => Array.from(tr.querySelectorAll('th,td')).map((cell) => (cell.textContent ?? '').trim())),
        );
        assert.match(await hover.innerText(), /\bapple\b/, 'the hover is about apple');
        const header = (table[0] ?? []).map((h) => h.toLowerCase());
        const cosineColumn = header.findIndex((h) => h.includes('cosine'));
        assert.ok(cosineColumn >= 0, `the hover has a cosine column: ${header.join(' | ')}`);
        const orangeRow = table.find((row) => row[0] === 'orange');
        assert.ok(orangeRow, `the hover lists orange among apple's neighbours: ${JSON.stringify(table)}`);
        const exact = cosine(lookup(lesson, 'apple')!, lookup(lesson, 'orange')!);
        assert.ok(printedMatches(orangeRow[cosineColumn] ?? '', exact), `cosine(apple, orange) reads "${orangeRow[cosineColumn]}", reference ${exact.toFixed(4)}`);
        await expectDone(page, 'embeddings');
      });

      await timed('walkthrough-2', async () => {
        await openStep(page, 'similarity');
        await pressButton(page, 'similarity', buttonTitle('similarity', 'headlight.openLessonSample', ['deck-cherries']));
        await page.locator('.tab[data-resource-name="deck-cherries.emb"]').first().waitFor();
        assert.equal(await stepChecked(page, 'similarity'), 'false', 'opening the table alone does not finish the similarity step');
        await pressButton(page, 'similarity', buttonTitle('similarity', 'headlight.compareWords', ['cherries', 'tomato']));
        // The Compare Words result: a markdown preview (its own webview) with the worked arithmetic.
        const text = await frameText(page, (body) => body.includes('worked arithmetic') && /cherries/i.test(body) && /tomato/i.test(body), 60_000);
        // The reference, from the deck's table as shipped: the same two strings the deck prints.
        const a = lookup(cherries, 'Cherries')!;
        const b = lookup(cherries, 'Tomato')!;
        const product = dot(a, b);
        const expectedDot = `${a.map((x, i) => `${x}·${b[i]}`).join(' + ')} = ${product}`;
        const expectedScaled = `${product}/√${a.length} = ${(product / Math.sqrt(a.length)).toFixed(2)}`;
        assert.equal(expectedDot, DECK_DOT, 'the shipped deck table reproduces the deck');
        assert.equal(expectedScaled, DECK_SCALED, 'the shipped deck table reproduces the deck');
        assert.ok(text.includes(DECK_DOT), `Compare Words shows "${DECK_DOT}":\n${text}`);
        assert.ok(text.includes(DECK_SCALED), `Compare Words shows "${DECK_SCALED}":\n${text}`);
        await expectDone(page, 'similarity');
      });

      await timed('walkthrough-3', async () => {
        await openStep(page, 'softmax');
        await pressButton(page, 'softmax', buttonTitle('softmax', 'headlight.showLessonAttention', ['softmax']));
        const frame = await panelShowing(page, ['orange', 'apple', 'and', 'an']);
        await waitForLine(frame, (line) => line === DECK_LINE, `"${DECK_LINE}"`);
        const reading = await readPanel(frame);
        assert.equal(reading.softmaxLine, DECK_LINE);
        // The deck's numbers are the lesson set's: check every weight against the reference too.
        assertWeights(reading.weights, lessonWeights(reading.tokens.map((w) => lookup(lesson, w)!), 'cosine'), 1e-4);
        await expectDone(page, 'softmax');
      });

      await timed('walkthrough-4', async () => {
        await openStep(page, 'attention');
        const apple = lookup(lesson, 'apple')!;
        const orange = lookup(lesson, 'orange')!;
        const phone = lookup(lesson, 'phone')!;
        const scenes = [
          { scene: 'fruit', words: ['an', 'apple', 'and', 'an', 'orange'] },
          { scene: 'phone', words: ['an', 'apple', 'phone'] },
        ] as const;
        const moved: Record<string, number[]> = {};
        for (const { scene, words } of scenes) {
          await pressButton(page, 'attention', buttonTitle('attention', 'headlight.showLessonAttention', [scene]));
          const frame = await panelShowing(page, [...words]);
          await waitForLine(frame, (line) => line.startsWith('apple →'), 'apple’s row');
          const reading = await readPanel(frame);
          const reference = lessonWeights(words.map((w) => lookup(lesson, w)!), 'cosine');
          assertWeights(reading.weights, reference, 1e-4);
          const row = words.indexOf('apple');
          assertSoftmaxLine(reading.softmaxLine, 'apple', words, reference[row]!);
          // Apple's new embedding: the weighted sum of the sentence's vectors, with the panel's weights.
          const output = apple.map((_, k) => words.reduce((sum, w, j) => sum + reading.weights[row]![j]! * lookup(lesson, w)![k]!, 0));
          moved[scene] = output;
          t.diagnostic(`${scene}: ${reading.softmaxLine}; cos(apple′, orange) ${cosine(output, orange).toFixed(3)}, cos(apple′, phone) ${cosine(output, phone).toFixed(3)} (apple: ${cosine(apple, orange).toFixed(3)}, ${cosine(apple, phone).toFixed(3)})`);
          await screenshot(page, `walkthrough-4-${scene}`);
        }
        const fruit = moved.fruit!;
        const tech = moved.phone!;
        assert.ok(cosine(fruit, orange) > cosine(apple, orange), 'in "an apple and an orange" apple moves toward orange');
        assert.ok(cosine(fruit, orange) > cosine(fruit, phone), 'in "an apple and an orange" apple ends closer to orange than to phone');
        assert.ok(cosine(tech, phone) > cosine(apple, phone), 'in "an apple phone" apple moves toward phone');
        assert.ok(cosine(tech, phone) > cosine(tech, orange), 'in "an apple phone" apple ends closer to phone than to orange');
        await expectDone(page, 'attention');
      });

      await timed('walkthrough-5', async () => {
        await openStep(page, 'heads');
        await pressButton(page, 'heads', buttonTitle('heads', 'headlight.showLessonAttention', ['heads']));
        const frame = await panelShowing(page, 'please buy an apple and an orange'.split(' '));
        await frame.waitForFunction(() => document.querySelectorAll('[data-testid="head-thumb"]').length === 4, undefined, { timeout: 60_000 });
        const focusedHead = (): Promise<string | null> => frame.locator('[data-testid="head-thumb"][aria-selected="true"]').first().getAttribute('data-head');
        const before = await focusedHead();
        assert.ok(before !== null, 'a head is focused');
        assert.equal(await stepChecked(page, 'heads'), 'false', 'showing the heads alone does not finish the multi-head step');
        await pressButton(page, 'heads', buttonTitle('heads', 'headlight.nextHead'));
        const expected = String((Number(before) + 1) % 4);
        await frame
          .waitForFunction((head) => document.querySelector('[data-testid="head-thumb"][aria-selected="true"]')?.getAttribute('data-head') === head, expected, { timeout: 30_000 })
          .catch(async () => assert.fail(`after Next Head head ${expected} should be focused, not ${await focusedHead()} (was ${before})`));
        await expectDone(page, 'heads');
      });

      await timed('walkthrough-6', async () => {
        await openStep(page, 'trained');
        await pressButton(page, 'trained', buttonTitle('trained', OPEN_BUNDLED_MODEL_COMMAND));
        // The text opens beside the walkthrough and the panel beside the text.
        await expectBundledModelLesson(page, 120_000);
        await expectDone(page, 'trained');
      });

      for (const s of walkthrough.steps) assert.equal(await stepChecked(page, s.id), 'true', `step "${s.id}" stays done`);
      t.diagnostic(`timings: ${timings.join(', ')}`);
      console.log(`[e2e] walkthrough timings: ${timings.join(', ')}`);
    } catch (error) {
      failed = true;
      await screenshot(page, `${shot}-failed`).catch(() => undefined);
      throw error;
    } finally {
      await page.close();
    }
  });
});

/** aria-checked of a step's done checkbox ("true" / "false"). */
async function stepChecked(page: Page, stepId: string): Promise<string | null> {
  return page.locator(`[data-done-step-id="${STEP_PREFIX}${stepId}"]`).first().getAttribute('aria-checked');
}

async function expectDone(page: Page, stepId: string): Promise<void> {
  await page
    .locator(`[data-done-step-id$="#${stepId}"][aria-checked="true"]`)
    .first()
    .waitFor({ state: 'attached', timeout: 30_000 })
    .catch(async () => assert.fail(`step "${stepId}" is not ticked off (aria-checked ${await stepChecked(page, stepId)})`));
}

/** Expands a step, as clicking its title does (JS click: see the header). */
async function openStep(page: Page, stepId: string): Promise<void> {
  await page.locator(`button.getting-started-step[data-step-id="${STEP_PREFIX}${stepId}"]`).first().evaluate((el) => (el as HTMLElement).click());
  await sleep(400);
}

/** Presses the button titled `title` in a step's description. */
async function pressButton(page: Page, stepId: string, title: string): Promise<void> {
  const button = page.locator(`[x-step-description-for="${STEP_PREFIX}${stepId}"] a`, { hasText: title }).first();
  await button.waitFor({ state: 'attached' }).catch(() => assert.fail(`the walkthrough shows no "${title}" button in step "${stepId}"`));
  await button.evaluate((el) => (el as HTMLElement).click());
}

/** The hover over "apple" that the lesson sample opens with; hovers it with the mouse if it went away. */
async function appleHover(page: Page): Promise<Locator> {
  const hover = page.locator('.monaco-hover').filter({ hasText: /cosine/i }).first();
  if (await hover.waitFor({ state: 'visible', timeout: 20_000 }).then(() => true, () => false)) return hover;
  const line = page.locator('.editor-group-container.active .view-line').filter({ hasText: /^apple\s/ }).first();
  const deadline = Date.now() + 60_000;
  for (;;) {
    await page.mouse.move(5, 5);
    await line.hover({ position: { x: 12, y: 8 } });
    if (await hover.waitFor({ state: 'visible', timeout: 4_000 }).then(() => true, () => false)) return hover;
    assert.ok(Date.now() < deadline, 'a hover with similarity scores shows over "apple" in the lesson sample');
  }
}

/** The text of the first frame (a webview) whose body satisfies `accept`. */
async function frameText(page: Page, accept: (body: string) => boolean, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame() || frame.isDetached()) continue;
      const body = await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '');
      if (accept(body)) return body;
    }
    assert.ok(Date.now() < deadline, `no webview showed the expected text within ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** The attention panel once it shows exactly `words` (state ready, heatmap painted). */
async function panelShowing(page: Page, words: string[]): Promise<Frame> {
  const frame = await webviewFrame(page, '[data-testid="softmax-line"]', 60_000);
  await frame
    .waitForFunction(
      (expected) =>
        document.querySelector('#app')?.getAttribute('data-state') === 'ready' &&
        document.querySelector('[data-testid="heatmap"]')?.getAttribute('data-painted') === 'true' &&
        Array.from(document.querySelectorAll('[data-testid="token"]'))
          .map((el) => (el.textContent ?? '').trim())
          .join(' ') === expected,
      words.join(' '),
      { timeout: 60_000 },
    )
    .catch(async () => assert.fail(`the panel should show "${words.join(' ')}", shows "${(await readPanel(frame)).tokens.join(' ')}"`));
  return frame;
}

async function waitForLine(frame: Frame, accept: (line: string) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const line = (await readPanel(frame)).softmaxLine;
    if (accept(line)) return;
    assert.ok(Date.now() < deadline, `the softmax line should show ${what}, shows "${line}"`);
    await sleep(100);
  }
}

/** "apple → 0.35 apple + 0.26 orange + …": every word once with its reference weight, largest first. */
function assertSoftmaxLine(line: string, query: string, words: readonly string[], reference: readonly number[]): void {
  const [head, terms] = line.split(' → ');
  assert.equal(head, query, `the softmax line is ${query}'s: "${line}"`);
  const parsed = (terms ?? '').split(' + ').map((term) => {
    const [value, word] = term.trim().split(/\s+/);
    return { value: value ?? '', word: word ?? '' };
  });
  assert.deepEqual(parsed.map((p) => p.word).sort(), [...words].sort(), `the softmax line names every word once: "${line}"`);
  const remaining = reference.map((weight, j) => ({ word: words[j]!, weight }));
  for (const { value, word } of parsed) {
    const at = remaining.findIndex((r) => r.word === word && printedMatches(value, r.weight));
    assert.ok(at >= 0, `"${value} ${word}" in "${line}" matches no reference weight of ${word}: ${reference.map((w) => w.toFixed(4)).join(', ')}`);
    remaining.splice(at, 1);
  }
  const values = parsed.map((p) => Number(p.value));
  assert.ok(values.every((v, i) => i === 0 || v <= values[i - 1]!), `largest weight first: "${line}"`);
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
