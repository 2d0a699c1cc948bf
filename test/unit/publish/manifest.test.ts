/**
 * What the marketplace and VS Code read from package.json, checked before anything is packaged:
 * commands, settings, menus, keybindings, the walkthrough and its media, activation, the files
 * the .vsix holds (through vsce's own file listing), and the engine the extension targets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { join } from 'node:path';
import { explainRow, runAttention } from '../../../src/core';
import { parseEmb } from '../../../src/emb/formats/text/parse';
import { tokenize } from '../../../src/emb/tokenize';
import { LESSON_COMMANDS, LESSON_SAMPLES, LESSON_SCENES, WALKTHROUGH_ID, sceneContextKey, type LessonSceneId } from '../../../src/host/lessonContent';
import {
  BUNDLED_MODEL_PATH,
  LESSON_MODEL_HEAD,
  OPEN_BUNDLED_MODEL_COMMAND,
  UNKNOWN_WORDS_MODES,
  UNKNOWN_WORDS_SETTING,
  uniformPreviousTokenScore,
} from '../../../src/host/trainedDefaultsContent';

const root = join(__dirname, '..', '..', '..');
const at = (path: string) => join(root, path.replace(/^\.\//, ''));

interface Command {
  readonly command: string;
  readonly title?: string;
  readonly category?: string;
  readonly icon?: unknown;
}
interface Setting {
  readonly type?: string | string[];
  readonly default?: unknown;
  readonly description?: string;
  readonly markdownDescription?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly unknown[];
}
interface Step {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly media: { readonly image?: string | Record<string, string>; readonly svg?: string; readonly markdown?: string; readonly altText?: string };
  readonly completionEvents?: readonly string[];
}
interface Manifest {
  readonly name: string;
  readonly publisher: string;
  readonly version: string;
  readonly main: string;
  readonly browser?: string;
  readonly icon?: string;
  readonly categories?: readonly string[];
  readonly keywords?: readonly string[];
  readonly engines: { readonly vscode: string };
  readonly activationEvents?: readonly string[];
  readonly scripts: Record<string, string>;
  readonly devDependencies: Record<string, string>;
  readonly contributes: {
    readonly commands: readonly Command[];
    readonly configuration: { readonly properties: Record<string, Setting> } | readonly { readonly properties: Record<string, Setting> }[];
    readonly menus?: Record<string, readonly { readonly command?: string; readonly submenu?: string }[]>;
    readonly keybindings?: readonly { readonly command: string }[];
    readonly views?: Record<string, readonly { readonly id: string }[]>;
    readonly viewsContainers?: Record<string, readonly { readonly id: string; readonly icon: string }[]>;
    readonly languages?: readonly { readonly configuration?: string }[];
    readonly grammars?: readonly { readonly path: string }[];
    readonly walkthroughs?: readonly { readonly id: string; readonly title: string; readonly steps: readonly Step[] }[];
  };
}

const manifest = JSON.parse(readFileSync(at('package.json'), 'utf8')) as Manifest;
const contributes = manifest.contributes;
const commandIds = new Set(contributes.commands.map((c) => c.command));
const viewIds = Object.values(contributes.views ?? {}).flatMap((views) => views.map((v) => v.id));
const walkthrough = contributes.walkthroughs?.find((w) => w.id === WALKTHROUGH_ID);

/** `command:` links of a walkthrough text, with their decoded arguments. */
function commandLinks(markdown: string): { id: string; args: unknown[] }[] {
  return [...markdown.matchAll(/\]\(command:(?:toSide:)?([\w.-]+)(?:\?([^)\s]*))?\)/g)].map((m) => {
    const args = m[2] === undefined ? [] : (JSON.parse(decodeURIComponent(m[2])) as unknown);
    return { id: m[1]!, args: Array.isArray(args) ? args : [args] };
  });
}

/** A command a menu, keybinding or link may name: contributed, or the focus command of a contributed view. */
function exists(id: string): boolean {
  return commandIds.has(id) || viewIds.some((view) => id === `${view}.focus`);
}

function version(range: string): [number, number, number] {
  const m = /^\^?(\d+)\.(\d+)\.(\d+)$/.exec(range);
  assert.ok(m, `a plain version or caret range, not ${range}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

test('every command has a title and the category Headlight', () => {
  assert.ok(contributes.commands.length > 0);
  for (const command of contributes.commands) {
    assert.match(command.command, /^headlight\./, command.command);
    assert.ok(command.title && command.title.trim().length > 0, `${command.command} has a title`);
    assert.equal(command.category, 'Headlight', `${command.command} is in category Headlight`);
  }
  assert.equal(commandIds.size, contributes.commands.length, 'no command is contributed twice');
});

test('every setting has a type, a default, a description, and numbers have a range that holds the default', () => {
  const blocks = Array.isArray(contributes.configuration) ? contributes.configuration : [contributes.configuration];
  const settings = Object.entries(Object.assign({}, ...blocks.map((b) => b.properties)) as Record<string, Setting>);
  assert.ok(settings.length > 0);
  for (const [key, setting] of settings) {
    assert.match(key, /^headlight\./, key);
    assert.ok(setting.type !== undefined, `${key}: type`);
    assert.ok('default' in setting, `${key}: default`);
    const description = setting.markdownDescription ?? setting.description ?? '';
    assert.ok(description.trim().length >= 20, `${key}: a description that says something`);
    if (setting.type === 'number' || setting.type === 'integer') {
      assert.equal(typeof setting.minimum, 'number', `${key}: minimum`);
      assert.equal(typeof setting.maximum, 'number', `${key}: maximum`);
      const value = setting.default as number;
      assert.ok(setting.minimum! <= value && value <= setting.maximum!, `${key}: default ${value} within [${setting.minimum}, ${setting.maximum}]`);
      if (setting.type === 'integer') assert.ok(Number.isInteger(value), `${key}: integer default`);
    }
    if (setting.enum !== undefined) assert.ok(setting.enum.includes(setting.default), `${key}: the default is one of the enum values`);
  }
});

test('every command named by a menu, a keybinding or the walkthrough exists', () => {
  for (const [menu, items] of Object.entries(contributes.menus ?? {})) {
    for (const item of items) if (item.command !== undefined) assert.ok(exists(item.command), `menu ${menu} names ${item.command}`);
  }
  for (const binding of contributes.keybindings ?? []) assert.ok(exists(binding.command), `keybinding for ${binding.command}`);
  assert.ok(walkthrough, `walkthrough ${WALKTHROUGH_ID}`);
  for (const step of walkthrough.steps) {
    for (const link of commandLinks(step.description)) assert.ok(exists(link.id), `step ${step.id} links ${link.id}`);
    for (const event of step.completionEvents ?? []) {
      const command = /^onCommand:(?:toSide:)?(.+)$/.exec(event)?.[1];
      if (command !== undefined) assert.ok(exists(command), `step ${step.id} completes on ${command}`);
    }
  }
  for (const id of Object.values(LESSON_COMMANDS)) assert.ok(commandIds.has(id), `lesson command ${id} is contributed`);
});

test('every walkthrough step runs a command, completes on an event, and has media that exists', () => {
  assert.ok(walkthrough);
  assert.equal(walkthrough.steps.length, 6, 'embeddings, similarity, softmax, attention, multi-head, a trained model');
  for (const step of walkthrough.steps) {
    assert.ok(commandLinks(step.description).length > 0, `step ${step.id} runs a command`);
    assert.ok((step.completionEvents ?? []).length > 0, `step ${step.id} has a completion event`);
    const media = step.media;
    const paths = [media.svg, media.markdown, ...(typeof media.image === 'string' ? [media.image] : Object.values(media.image ?? {}))].filter(
      (p): p is string => p !== undefined,
    );
    assert.equal(paths.length > 0, true, `step ${step.id} has media`);
    for (const path of paths) assert.ok(existsSync(at(path)), `step ${step.id}: ${path} exists`);
    if (media.svg !== undefined || media.image !== undefined) assert.ok((media.altText ?? '').length > 0, `step ${step.id}: alt text`);
  }
});

test('the walkthrough passes arguments the lesson commands know, and completes on the scenes it shows', () => {
  assert.ok(walkthrough);
  const shown = new Set<string>();
  for (const step of walkthrough.steps) {
    for (const link of commandLinks(step.description)) {
      if (link.id === LESSON_COMMANDS.openLessonSample) assert.ok(Object.hasOwn(LESSON_SAMPLES, String(link.args[0])), `sample ${String(link.args[0])}`);
      if (link.id === LESSON_COMMANDS.showLessonAttention) {
        assert.ok(Object.hasOwn(LESSON_SCENES, String(link.args[0])), `scene ${String(link.args[0])}`);
        shown.add(String(link.args[0]));
      }
    }
    for (const event of step.completionEvents ?? []) {
      for (const key of event.match(/headlight\.lesson\.\w+/g) ?? []) {
        const scene = key.slice('headlight.lesson.'.length) as LessonSceneId;
        assert.ok(Object.hasOwn(LESSON_SCENES, scene) && sceneContextKey(scene) === key, `${key} is a scene's context key`);
        assert.ok(shown.has(scene), `step ${step.id} links the scene ${scene} it completes on`);
      }
    }
  }
  for (const sample of Object.values(LESSON_SAMPLES)) assert.ok(existsSync(at(sample.path)), sample.path);
});

test('the lesson scenes reproduce what the walkthrough says, through the core', () => {
  const lesson = parseEmb(readFileSync(at(LESSON_SAMPLES.lesson.path), 'utf8')).store;
  const text = (id: string) => walkthrough?.steps.find((s) => s.id === id)?.description ?? '';
  const run = (scene: LessonSceneId) => {
    const { sentence, row, options } = LESSON_SCENES[scene];
    const tokens = tokenize(sentence, { lowercase: true, punctuation: 'drop' }).map((t) => t.text);
    const indices = tokens.map((t) => lesson.lookup(t));
    assert.ok(indices.every((i) => i >= 0), `every word of “${sentence}” is in the lesson set`);
    const report = runAttention(lesson.rows(indices), { kind: 'lesson' }, { measure: options.measure });
    return explainRow(report.heads[0]!.weights, tokens.indexOf(row), tokens);
  };
  // The deck's normalisation slide, word for word.
  const softmax = run('softmax').text;
  assert.equal(softmax, 'orange → 0.40 orange + 0.30 apple + 0.15 and + 0.15 an');
  assert.ok(text('softmax').includes(softmax), 'the softmax step quotes the line the panel shows');
  // The attention step's numbers: apple's weight on orange, and on phone.
  const weightOn = (scene: LessonSceneId, key: string) => run(scene).terms.find((t) => t.token === key)!.weight.toFixed(2);
  assert.ok(text('attention').includes(`takes ${weightOn('fruit', 'orange')} of orange`), text('attention'));
  assert.ok(text('attention').includes(`takes ${weightOn('phone', 'phone')} of phone`), text('attention'));
  // Multi-head: the heads must divide the lesson set's width.
  const heads = LESSON_SCENES.heads.options.heads;
  assert.equal(lesson.dim % heads, 0, `${heads} heads divide d = ${lesson.dim}`);
});

test("the last step, a trained model, opens the bundled model and names its heads as measurements.json measured them", () => {
  const step = walkthrough?.steps.at(-1);
  assert.ok(step, 'the walkthrough has steps');
  assert.equal(step.id, 'trained');
  assert.match(step.title, /trained model/i);
  assert.ok(step.description.includes('Weights get trained with the transformer model'), "the deck's words");
  assert.ok(commandLinks(step.description).some((l) => l.id === OPEN_BUNDLED_MODEL_COMMAND), `the step links ${OPEN_BUNDLED_MODEL_COMMAND}`);
  assert.ok((step.completionEvents ?? []).includes(`onCommand:${OPEN_BUNDLED_MODEL_COMMAND}`));
  const measured = JSON.parse(readFileSync(at(`${BUNDLED_MODEL_PATH}/measurements.json`), 'utf8')) as {
    threshold: number;
    previousTokenHeads: string[];
    inductionHeads: string[];
    best: Record<'previousToken' | 'induction', { layer: number; head: number; score: number }>;
  };
  // The head the command focuses is the best previous-token head, whatever training comes next.
  assert.deepEqual({ layer: LESSON_MODEL_HEAD.layer, head: LESSON_MODEL_HEAD.head }, { layer: measured.best.previousToken.layer, head: measured.best.previousToken.head });
  const panelName = (b: { layer: number; head: number }) => `L${b.layer + 1} H${b.head + 1}`;
  const text = step.description;
  assert.ok(text.includes(`**${panelName(measured.best.previousToken)}**`), `names the previous-token head as the panel shows it: ${panelName(measured.best.previousToken)}`);
  assert.ok(text.includes(`layer ${measured.best.previousToken.layer}, head ${measured.best.previousToken.head} counting from 0`), "and as README's table counts");
  assert.ok(text.includes(measured.best.previousToken.score.toFixed(3)), `quotes its score ${measured.best.previousToken.score.toFixed(3)}`);
  assert.ok(text.includes(`would give ${uniformPreviousTokenScore(128).toFixed(3)}`), 'and what uniform attention would score');
  assert.ok(text.includes(`the ${measured.threshold}`), `the threshold ${measured.threshold}`);
  // Honest either way: a clean head claimed only when one passed the threshold, and then named.
  if (measured.previousTokenHeads.length === 0) assert.match(text, /no head passes the 0\.4/);
  else assert.ok(text.includes(`past the ${measured.threshold} the lesson counts as a clean head`), 'says the previous-token head is a clean one');
  const induction = measured.best.induction;
  if (measured.inductionHeads.length === 0) {
    assert.match(text, /has none yet/);
    assert.ok(text.includes(`${panelName(induction)}, scores ${induction.score.toFixed(3)}`), 'the best induction candidate and its score');
  } else {
    assert.ok(
      text.includes(`**${panelName(induction)}** (layer ${induction.layer}, head ${induction.head} counting from 0) scores ${induction.score.toFixed(3)}`),
      `names the induction head ${panelName(induction)} with its score ${induction.score.toFixed(3)}`,
    );
  }
});

test('headlight.unknownWords.offer: the modes the host knows, "ask" by default, each described', () => {
  const blocks = Array.isArray(contributes.configuration) ? contributes.configuration : [contributes.configuration];
  const setting = (Object.assign({}, ...blocks.map((b) => b.properties)) as Record<string, Setting & { enumDescriptions?: string[] }>)[UNKNOWN_WORDS_SETTING];
  assert.ok(setting, UNKNOWN_WORDS_SETTING);
  assert.deepEqual(setting.enum, [...UNKNOWN_WORDS_MODES]);
  // With no choice made the lesson set stays the default: its numbers must not move.
  assert.equal(setting.default, 'ask');
  assert.equal(setting.enumDescriptions?.length, UNKNOWN_WORDS_MODES.length);
  assert.ok(readFileSync(at('README.md'), 'utf8').includes(`\`${UNKNOWN_WORDS_SETTING}\``), 'README documents the setting');
});

test('activation is lazy and both entry points are bundles esbuild builds', () => {
  const events = manifest.activationEvents ?? [];
  assert.ok(!events.includes('*') && !events.includes('onStartupFinished'), `no eager activation: ${events.join(', ')}`);
  const build = readFileSync(at('esbuild.js'), 'utf8');
  for (const entry of [manifest.main, manifest.browser]) {
    assert.ok(entry, 'main and browser are set');
    assert.ok(build.includes(`outfile: '${entry.replace(/^\.\//, '')}'`), `esbuild.js builds ${entry}`);
  }
  assert.match(manifest.scripts['vscode:prepublish'] ?? '', /esbuild\.js --production/, 'vsce packages the production build');
});

test('engines.vscode is at most 1.138 and @types/vscode is the same version', () => {
  const engine = version(manifest.engines.vscode);
  assert.ok(engine[0] === 1 && engine[1] <= 138, `engines.vscode ${manifest.engines.vscode} runs in code-server 4.139 (VS Code 1.139)`);
  assert.deepEqual(version(manifest.devDependencies['@types/vscode'] ?? ''), engine, '@types/vscode matches engines.vscode: no API newer than the engine');
});

test('the marketplace fields: icon (PNG, at least 128 px), categories, keywords, CHANGELOG for this version', () => {
  assert.ok(manifest.icon, 'icon');
  const png = readFileSync(at(manifest.icon));
  assert.equal(png.subarray(1, 4).toString('ascii'), 'PNG');
  assert.ok(png.readUInt32BE(16) >= 128 && png.readUInt32BE(20) >= 128, 'icon at least 128×128');
  assert.ok((manifest.categories ?? []).length > 0 && (manifest.keywords ?? []).length > 0);
  assert.ok((manifest.keywords ?? []).length <= 30, 'the marketplace takes at most 30 keywords');
  assert.match(readFileSync(at('CHANGELOG.md'), 'utf8'), new RegExp(`^## \\[${manifest.version.replace(/\./g, '\\.')}\\]`, 'm'));
});

test('the .vsix holds what the manifest names and leaves sources, tests and tooling out', async () => {
  const ignore = readFileSync(at('.vscodeignore'), 'utf8').split('\n').map((l) => l.trim());
  for (const pattern of ['src/**', 'test/**']) assert.ok(ignore.includes(pattern), `.vscodeignore has ${pattern}`);
  const vsce = (await import('@vscode/vsce')) as unknown as {
    listFiles(options: { cwd: string; packageManager: string }): Promise<string[]>;
    PackageManager: { None: string };
  };
  const files = new Set(await vsce.listFiles({ cwd: root, packageManager: vsce.PackageManager.None }));
  for (const file of files) {
    assert.doesNotMatch(file, /^(src|test|webview|scripts|bench|node_modules|out|\.ci|\.vscode-test|docs\/screenshots)\/|\.(ts|map|vsix)$/, `${file} does not belong in the package`);
  }
  const named = [
    manifest.main,
    manifest.browser,
    manifest.icon,
    'CHANGELOG.md',
    'LICENSE',
    'README.md',
    ...(contributes.languages ?? []).map((l) => l.configuration),
    ...(contributes.grammars ?? []).map((g) => g.path),
    ...Object.values(contributes.viewsContainers ?? {}).flatMap((c) => c.map((v) => v.icon)),
    ...(walkthrough?.steps ?? []).flatMap((s) => [s.media.svg, s.media.markdown]),
    ...Object.values(LESSON_SAMPLES).map((s) => s.path),
  ].filter((p): p is string => typeof p === 'string');
  for (const path of named) {
    const file = path.replace(/^\.\//, '');
    // dist/ is build output: listed only after a build, which CI runs before the unit tests.
    if (file.startsWith('dist/') && !existsSync(at(file))) continue;
    assert.ok(files.has(file), `the package holds ${file}`);
  }
  // The trained defaults ship (issue 15) and the .vsix stays within its 8 MB: each listed file
  // deflated as the zip stores it, plus its zip headers. The bundles here are whatever was built
  // last (a development build is larger than the production one vsce packages): an upper bound.
  for (const file of ['samples/words.bin', ...['config.json', 'model.safetensors', 'tokenizer.json'].map((f) => `${BUNDLED_MODEL_PATH}/${f}`)]) {
    assert.ok(files.has(file), `the package holds ${file}`);
  }
  const zipped = [...files].reduce((sum, file) => sum + deflateRawSync(readFileSync(at(file))).length + 2 * (46 + file.length), 0);
  assert.ok(zipped <= 8 * 1024 * 1024, `the .vsix would be about ${(zipped / 1024 / 1024).toFixed(2)} MB, over the 8 MB budget (README, Packaging)`);
});
