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
import {
  LESSON_COMMANDS,
  LESSON_SAMPLES,
  LESSON_SCENES,
  WALKTHROUGH_ID,
  lineOfWord,
  sceneContextKey,
  type LessonSampleId,
  type LessonSceneId,
  type Scene,
} from './lessonContent';
import type { AttentionFeaturesApi } from './attention';
import type { FeatureContext } from './featureContext';

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

/**
 * Where the lesson opens a text: never over the walkthrough (or the attention panel), beside it
 * when that is what has focus, so the walkthrough stays on screen and can tick its steps off.
 * (The walkthrough's tab has an input of no API type.)
 */
export function lessonEditorColumn(): vscode.ViewColumn {
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
  const overText = tab === undefined || tab.input instanceof vscode.TabInputText || tab.input instanceof vscode.TabInputTextDiff;
  return overText ? vscode.ViewColumn.Active : vscode.ViewColumn.Beside;
}

export function registerLesson(features: FeatureContext, attention: AttentionFeaturesApi): void {
  const { context, log, owner, embeddings } = features;

  async function open(relativePath: string): Promise<vscode.TextEditor> {
    const uri = vscode.Uri.joinPath(context.extensionUri, ...relativePath.split('/'));
    const editor = await vscode.window.showTextDocument(uri, { preview: false, viewColumn: lessonEditorColumn() });
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
    // Only a change of options recomputes the picture already shown.
    const current = attention.panelState()?.options;
    const changed = current === undefined || (Object.keys(chosen.options) as (keyof PanelOptions)[]).some((key) => current[key] !== chosen.options[key]);
    if (changed) await attention.setOptions(chosen.options);
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
