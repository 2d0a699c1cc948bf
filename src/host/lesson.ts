/**
 * The guided lesson (the "Learn attention with Headlight" walkthrough): two commands that set the
 * stage the deck describes and then hand over to the real features.
 *
 * - `headlight.openLessonSample [sample] [{ word, hover }]` opens one of the bundled samples
 *   read-only (they live in the extension folder; an edit there would change the default set),
 *   puts the cursor on a word and shows its hover.
 * - `headlight.showLessonAttention [scene]` runs Show Attention on one of the deck's inputs with
 *   the panel options that reproduce the deck, and selects the query row the lesson talks about.
 *   The words go straight to the command (no editor), so the panel opens beside the walkthrough.
 *
 * Without arguments each asks with a quick pick. Both return what they did, so tests can follow.
 */
import * as vscode from 'vscode';
import { tokenize } from '../emb/tokenize';
import type { PanelOptions } from '../shared/protocol';
import type { AttentionFeaturesApi } from './attention';
import type { FeatureContext } from './featureContext';

export const LESSON_COMMANDS = {
  openLessonSample: 'headlight.openLessonSample',
  showLessonAttention: 'headlight.showLessonAttention',
  openWalkthrough: 'headlight.openWalkthrough',
} as const;

/** The walkthrough's id in package.json (contributes.walkthroughs). */
export const WALKTHROUGH_ID = 'learnAttention';

/** Context key set once a scene has been shown: the walkthrough's steps complete on them. */
export const sceneContextKey = (scene: LessonSceneId): string => `headlight.lesson.${scene}`;

/** Files the lesson opens, relative to the extension folder. */
export const LESSON_SAMPLES = {
  lesson: {
    path: 'samples/lesson.emb',
    word: 'apple',
    label: 'Lesson vocabulary',
    detail: 'about 400 words on 15 named dimensions; the deck’s orange, phone, apple, and, an keep the deck’s values',
  },
  'deck-cherries': {
    path: 'samples/deck-cherries.emb',
    word: 'cherries',
    label: 'Deck: Tech × Fruitness',
    detail: 'cherries, tomato, smartphone — the similarity slides (1·0 + 4·3 = 12, 12/√2 = 8.49)',
  },
  'deck-tech-fruit': {
    path: 'samples/deck-tech-fruit.emb',
    word: 'apple',
    label: 'Deck: an apple and an orange / an apple phone',
    detail: 'orange, phone, apple, and, an on Tech, Fruitness, Other — the word-math slides',
  },
  'deck-2d': {
    path: 'samples/deck-2d.emb',
    word: 'apple',
    label: 'Deck: Embeddings Quiz 1',
    detail: 'thirteen words on two axes: where would you put apple?',
  },
  sentences: {
    path: 'walkthrough/sentences.txt',
    word: undefined,
    label: 'Deck: the example sentences',
    detail: 'select one and run Headlight: Show Attention',
  },
} as const;

export type LessonSampleId = keyof typeof LESSON_SAMPLES;

/** The deck's word math: one head, Q = K = V = the embeddings, cosine scores, no mask, T = 1. */
const DECK_OPTIONS: Partial<PanelOptions> = { measure: 'cosine', source: 'lesson', causal: false, temperature: 1 };

interface Scene {
  readonly label: string;
  readonly detail: string;
  /** The input, tokenized as Show Attention tokenizes a selection. */
  readonly sentence: string;
  /** The query row selected afterwards (its softmax breakdown is shown). */
  readonly row: string;
  readonly options: Partial<PanelOptions>;
}

export const LESSON_SCENES = {
  softmax: {
    label: 'Softmax: orange apple and an',
    detail: 'the deck’s normalisation: orange → 0.40 orange + 0.30 apple + 0.15 and + 0.15 an',
    sentence: 'orange apple and an',
    row: 'orange',
    options: DECK_OPTIONS,
  },
  fruit: {
    label: 'Attention: an apple and an orange',
    detail: 'apple is pulled toward orange (fruitness)',
    sentence: 'an apple and an orange',
    row: 'apple',
    options: DECK_OPTIONS,
  },
  phone: {
    label: 'Attention: an apple phone',
    detail: 'apple is pulled toward phone (tech)',
    sentence: 'an apple phone',
    row: 'apple',
    options: DECK_OPTIONS,
  },
  heads: {
    label: 'Multi-head: please buy an apple and an orange',
    detail: 'three heads with seeded random W_Q, W_K, W_V, W_O (seed 42), scaled dot product',
    sentence: 'please buy an apple and an orange',
    row: 'apple',
    options: { measure: 'scaled', scale: true, source: 'random', heads: 3, seed: 42, causal: false, temperature: 1 },
  },
} as const satisfies Record<string, Scene>;

export type LessonSceneId = keyof typeof LESSON_SCENES;

/** What the commands return (for tests; the user sees the editor and the panel). */
export interface OpenedSample {
  readonly uri: string;
  /** 0-based line of the word the cursor was put on, or -1. */
  readonly line: number;
}

export interface ShownScene {
  readonly scene: LessonSceneId;
  readonly tokens: readonly string[];
  readonly selectedRow: number;
  readonly softmaxLine: string;
  readonly heads: number;
}

function isSampleId(value: unknown): value is LessonSampleId {
  return typeof value === 'string' && Object.hasOwn(LESSON_SAMPLES, value);
}

function isSceneId(value: unknown): value is LessonSceneId {
  return typeof value === 'string' && Object.hasOwn(LESSON_SCENES, value);
}

/** The line whose first field is `word` (comments skipped; case-insensitive, as lookups are). */
export function lineOfWord(lines: readonly string[], word: string): number {
  const wanted = word.toLowerCase();
  return lines.findIndex((line) => {
    const first = line.trimStart().split(/[ \t]/, 1)[0] ?? '';
    return !first.startsWith('#') && first.toLowerCase() === wanted;
  });
}

export function registerLesson(features: FeatureContext, attention: AttentionFeaturesApi): void {
  const { context, log, owner, embeddings } = features;

  async function open(relativePath: string): Promise<vscode.TextEditor> {
    const uri = vscode.Uri.joinPath(context.extensionUri, ...relativePath.split('/'));
    // Never over the walkthrough (or the attention panel): beside it when that is what has focus.
    // (The walkthrough's tab has an input of no API type: undefined.)
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    const overText = tab === undefined || tab.input instanceof vscode.TabInputText || tab.input instanceof vscode.TabInputTextDiff;
    const viewColumn = overText ? vscode.ViewColumn.Active : vscode.ViewColumn.Beside;
    const editor = await vscode.window.showTextDocument(uri, { preview: false, viewColumn });
    // The bundled files are the defaults every user shares: look, don't touch.
    await vscode.commands.executeCommand('workbench.action.files.setActiveEditorReadonlyInSession').then(undefined, (error: unknown) => {
      log.debug(`lesson: could not make ${relativePath} read-only: ${String(error)}`);
    });
    return editor;
  }

  async function openLessonSample(sample?: unknown, rawOptions?: unknown): Promise<OpenedSample | undefined> {
    let id: LessonSampleId | undefined = isSampleId(sample) ? sample : undefined;
    if (id === undefined) {
      const items = (Object.keys(LESSON_SAMPLES) as LessonSampleId[]).map((key) => ({ key, label: LESSON_SAMPLES[key].label, detail: LESSON_SAMPLES[key].detail }));
      id = (await vscode.window.showQuickPick(items, { title: 'Headlight: Open Lesson Sample', placeHolder: 'Which sample?' }))?.key;
      if (id === undefined) return undefined;
    }
    const options = typeof rawOptions === 'object' && rawOptions !== null ? (rawOptions as { word?: unknown; hover?: unknown }) : {};
    const entry = LESSON_SAMPLES[id];
    const word = typeof options.word === 'string' ? options.word : entry.word;
    const editor = await open(entry.path);
    const document = editor.document;
    const lines = Array.from({ length: document.lineCount }, (_, i) => document.lineAt(i).text);
    const line = word === undefined ? -1 : lineOfWord(lines, word);
    if (line >= 0 && word !== undefined) {
      const start = document.lineAt(line).firstNonWhitespaceCharacterIndex;
      const range = new vscode.Range(line, start, line, start + word.length);
      editor.selection = new vscode.Selection(range.start, range.start);
      editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      if (options.hover !== false) await vscode.commands.executeCommand('editor.action.showHover');
    }
    log.info(`lesson: opened ${entry.path}${line >= 0 ? ` at “${word}” (line ${line + 1})` : ''}`);
    return { uri: document.uri.toString(), line };
  }

  /** The deck's numbers come from the bundled set: offer to switch when the user chose another. */
  async function lessonSetActive(): Promise<boolean> {
    const active = await embeddings.get();
    if (active.uri === undefined) return true;
    const use = 'Use the Lesson Set';
    const choice = await vscode.window.showInformationMessage(
      `Headlight: the lesson’s numbers come from the bundled lesson set; the active set is ${active.label}.`,
      use,
      `Keep ${active.label}`,
    );
    if (choice === use) await embeddings.use('lesson');
    return choice !== undefined;
  }

  async function showLessonAttention(scene?: unknown): Promise<ShownScene | undefined> {
    let id: LessonSceneId | undefined = isSceneId(scene) ? scene : undefined;
    if (id === undefined) {
      const items = (Object.keys(LESSON_SCENES) as LessonSceneId[]).map((key) => ({ key, label: LESSON_SCENES[key].label, detail: LESSON_SCENES[key].detail }));
      id = (await vscode.window.showQuickPick(items, { title: 'Headlight: Show Lesson Attention', placeHolder: 'Which of the deck’s examples?' }))?.key;
      if (id === undefined) return undefined;
    }
    const chosen: Scene = LESSON_SCENES[id];
    if (!(await lessonSetActive())) return undefined;
    await attention.setOptions(chosen.options);
    const words = tokenize(chosen.sentence, { lowercase: true, punctuation: 'drop' }).map((t) => t.text);
    await vscode.commands.executeCommand('headlight.showAttention', { words });
    await attention.whenIdle();
    const row = attention.panelState()?.tokens.indexOf(chosen.row) ?? -1;
    if (row >= 0) attention.selectRow(row);
    const state = attention.panelState();
    if (state?.status === 'ready') await vscode.commands.executeCommand('setContext', sceneContextKey(id), true);
    log.info(`lesson: scene ${id}: ${state?.softmaxLine ?? 'no picture'}`);
    return state && { scene: id, tokens: state.tokens, selectedRow: state.selectedRow, softmaxLine: state.softmaxLine, heads: state.heads };
  }

  owner.add(vscode.commands.registerCommand(LESSON_COMMANDS.openLessonSample, openLessonSample));
  owner.add(vscode.commands.registerCommand(LESSON_COMMANDS.showLessonAttention, showLessonAttention));
  owner.add(
    vscode.commands.registerCommand(LESSON_COMMANDS.openWalkthrough, () =>
      vscode.commands.executeCommand('workbench.action.openWalkthrough', `${context.extension.id}#${WALKTHROUGH_ID}`, false),
    ),
  );
}
