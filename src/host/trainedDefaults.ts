/**
 * The trained defaults (issue 15): when a picture has words the active embedding set does not
 * know, the attention panel offers the bundled trained word vectors (samples/words.bin) or the
 * bundled model (samples/model/), and one click switches the source and runs Show Attention again
 * on the same text. The answer is remembered in globalState; `headlight.unknownWords.offer` set
 * by the user wins over it. `headlight.openBundledModel` is the guided lesson's last step.
 *
 * Nothing is loaded until chosen: with no choice made the lesson set stays the default, so the
 * lesson's numbers do not move. Wiring only: the sets load through ActiveEmbeddings (the normal
 * embedding loader), the model through the model source's own open().
 */
import * as vscode from 'vscode';
import type { ActiveEmbeddings } from './activeEmbeddings';
import { Disposable } from './disposable';
import { lessonEditorColumn } from './lesson';
import type { AttentionSession } from './attention/session';
import type { ModelFeaturesApi } from './model';
import { assertNever, type UnknownWordsChoice, type UnknownWordsOffer, type UnknownWordsSource } from '../shared/protocol';
import {
  BUNDLED_MODEL_PATH,
  BUNDLED_MODEL_TEXT,
  LESSON_MODEL_HEAD,
  OPEN_BUNDLED_MODEL_COMMAND,
  UNKNOWN_WORDS_MODES,
  UNKNOWN_WORDS_SETTING,
  type UnknownWordsMode,
} from './trainedDefaultsContent';

/** globalState: the source the user picked from the offer (every workspace). */
export const UNKNOWN_WORDS_CHOICE_KEY = 'headlight.unknownWords.choice';

function isMode(value: unknown): value is UnknownWordsMode {
  return typeof value === 'string' && (UNKNOWN_WORDS_MODES as readonly string[]).includes(value);
}

/** Where the last Show Attention's text came from, so a switch of source runs it again. */
interface Origin {
  readonly uri: vscode.Uri;
  readonly selection: vscode.Selection;
  readonly viewColumn: vscode.ViewColumn | undefined;
}

export interface TrainedDefaultsDeps {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly embeddings: ActiveEmbeddings;
  readonly session: AttentionSession;
  readonly model: ModelFeaturesApi | undefined;
}

export class TrainedDefaults extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  /** The offer changed without a new picture (answered, dismissed, setting changed). */
  readonly onDidChangeOffer = this.changed.event;
  private origin: Origin | undefined;
  /** "Not now": no offer again until the window reloads. */
  private dismissed = false;
  /** A remembered choice is applied by itself once per window: switching back is then respected. */
  private autoApplied = false;

  constructor(private readonly deps: TrainedDefaultsDeps) {
    super();
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration(UNKNOWN_WORDS_SETTING)) return;
        // An explicit setting replaces what the offer remembered (and "ask" asks again).
        void deps.context.globalState.update(UNKNOWN_WORDS_CHOICE_KEY, undefined).then(() => {
          this.dismissed = false;
          deps.log.info(`trained defaults: ${UNKNOWN_WORDS_SETTING} is now "${this.mode()}"; the offer's remembered answer is cleared`);
          this.changed.fire();
        });
      }),
    );
    this.register(
      deps.session.onDidChange((event) => {
        if (event.kind === 'snapshot') void this.applyRememberedChoice();
      }),
    );
    this.register(vscode.commands.registerCommand(OPEN_BUNDLED_MODEL_COMMAND, () => this.openBundledModelLesson()));
  }

  /** The setting when the user set it, else the offer's remembered answer, else "ask". */
  mode(): UnknownWordsMode {
    if (this.fromSetting()) {
      const explicit = vscode.workspace.getConfiguration().get<unknown>(UNKNOWN_WORDS_SETTING);
      return isMode(explicit) ? explicit : 'ask';
    }
    const remembered = this.deps.context.globalState.get<unknown>(UNKNOWN_WORDS_CHOICE_KEY);
    return isMode(remembered) ? remembered : 'ask';
  }

  /** Show Attention ran on this editor's text (the embeddings path). */
  noteEditor(editor: vscode.TextEditor): void {
    this.origin = { uri: editor.document.uri, selection: editor.selection, viewColumn: editor.viewColumn };
  }

  /** Show Attention ran on words with no editor (tests, the lesson): a model has no text to run. */
  forgetEditor(): void {
    this.origin = undefined;
  }

  /** What the panel offers for the current picture, if anything. */
  offer(): UnknownWordsOffer | undefined {
    if (this.dismissed || this.mode() !== 'ask') return undefined;
    const snapshot = this.deps.session.snapshot();
    // A picture of an .emb file's own rows is not the active set's: switching it changes nothing.
    if (!snapshot || snapshot.oov.length === 0 || snapshot.setUri !== '') return undefined;
    const sources: UnknownWordsSource[] = [];
    if (this.deps.embeddings.peek()?.kind !== 'trained') sources.push('trainedVectors');
    if (this.deps.model && this.origin) sources.push('bundledModel');
    return sources.length === 0 ? undefined : { count: snapshot.oov.length, setLabel: snapshot.setLabel, sources };
  }

  /** The panel's answer: switch and run again, and remember it (not "Not now"). */
  async choose(choice: UnknownWordsChoice): Promise<void> {
    switch (choice) {
      case 'notNow':
        this.dismissed = true;
        this.deps.log.info('trained defaults: unknown-words offer dismissed until the window reloads');
        this.changed.fire();
        return;
      case 'trainedVectors':
      case 'bundledModel':
        // Remembered only once it worked: a model that failed to load is no answer to keep.
        if (!(await this.switchTo(choice))) {
          this.changed.fire();
          return;
        }
        await this.deps.context.globalState.update(UNKNOWN_WORDS_CHOICE_KEY, choice);
        this.autoApplied = true;
        this.deps.log.info(`trained defaults: remembered "${choice}" for words the active set does not know (setting ${UNKNOWN_WORDS_SETTING} overrides)`);
        this.changed.fire();
        return;
      default:
        assertNever(choice, 'unknown-words choice');
    }
  }

  private async applyRememberedChoice(): Promise<void> {
    const mode = this.mode();
    if (this.autoApplied || (mode !== 'trainedVectors' && mode !== 'bundledModel')) return;
    const snapshot = this.deps.session.snapshot();
    // Only over the default lesson set: a file the user chose is their choice.
    if (!snapshot || snapshot.oov.length === 0 || snapshot.setUri !== '' || this.deps.embeddings.peek()?.kind !== 'lesson') return;
    if (mode === 'bundledModel' && !this.origin) return;
    this.autoApplied = true;
    this.deps.log.info(`trained defaults: ${snapshot.oov.length} word(s) not in ${snapshot.setLabel}; using the remembered choice "${mode}"`);
    const what = mode === 'trainedVectors' ? 'the trained word vectors (bundled)' : 'the bundled model';
    const count = `${snapshot.oov.length} word${snapshot.oov.length === 1 ? ' is' : 's are'} not in ${snapshot.setLabel}`;
    // Said once, with the way back: a remembered answer must not be a trap.
    if (this.fromSetting()) {
      void vscode.window.showInformationMessage(`Headlight: ${count}: using ${what} (setting ${UNKNOWN_WORDS_SETTING}).`);
    } else {
      const again = 'Ask Again';
      void vscode.window.showInformationMessage(`Headlight: ${count}: using ${what}, as you chose before.`, again).then((picked) => {
        if (picked === again) void this.askAgain(mode);
      });
    }
    await this.switchTo(mode).catch((error: unknown) => this.deps.log.warn(`trained defaults: ${error instanceof Error ? error.message : String(error)}`));
  }

  /** Forgets the remembered answer and shows the picture over the lesson set again, with the offer. */
  private async askAgain(undo: UnknownWordsSource): Promise<void> {
    await this.deps.context.globalState.update(UNKNOWN_WORDS_CHOICE_KEY, undefined);
    this.dismissed = false;
    this.deps.log.info('trained defaults: the remembered answer is forgotten; the offer asks again');
    this.changed.fire();
    switch (undo) {
      case 'trainedVectors':
        if (this.deps.embeddings.peek()?.kind === 'trained') await this.deps.embeddings.use('lesson');
        return;
      case 'bundledModel':
        this.deps.model?.useEmbeddings();
        await this.showOriginAgain();
        return;
      default:
        assertNever(undo, 'unknown-words source');
    }
  }

  private fromSetting(): boolean {
    const inspected = vscode.workspace.getConfiguration().inspect<unknown>(UNKNOWN_WORDS_SETTING);
    return (inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue) !== undefined;
  }

  /** Show Attention again on the text of the last picture, put back in front (the model reads the active editor). */
  private async showOriginAgain(): Promise<void> {
    const origin = this.origin;
    if (!origin) {
      void vscode.window.showInformationMessage('Headlight: select text and run Show Attention.');
      return;
    }
    // Never in the attention panel's group (the Active one after a click in the panel): a text
    // editor in front of the panel would hide it. The side of a diff editor has no column of its own.
    const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === origin.uri.toString() && e.viewColumn !== undefined);
    const viewColumn = origin.viewColumn ?? visible?.viewColumn ?? vscode.ViewColumn.One;
    await vscode.window.showTextDocument(origin.uri, { selection: origin.selection, viewColumn, preserveFocus: false, preview: false });
    await vscode.commands.executeCommand('headlight.showAttention');
  }

  /** False when the source could not be loaded (the user was told why). */
  private async switchTo(source: UnknownWordsSource): Promise<boolean> {
    switch (source) {
      case 'trainedVectors':
        // The session recomputes the same words when the active set changes (AttentionSession).
        this.deps.model?.useEmbeddings();
        try {
          await this.deps.embeddings.use('trained');
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          this.deps.log.error(`trained defaults: cannot load the trained word vectors: ${message}`);
          void vscode.window.showErrorMessage(`Headlight: cannot load the trained word vectors: ${message}`);
          return false;
        }
        return true;
      case 'bundledModel': {
        if (!(await this.openBundledModel())) return false;
        await this.showOriginAgain();
        return true;
      }
      default:
        assertNever(source, 'unknown-words source');
    }
  }

  /** Loads samples/model through the model source (Open Model's own path); false if it failed. */
  private async openBundledModel(): Promise<boolean> {
    const model = this.deps.model;
    if (!model) {
      void vscode.window.showWarningMessage('Headlight: models are not available here.');
      return false;
    }
    const dir = vscode.Uri.joinPath(this.deps.context.extensionUri, ...BUNDLED_MODEL_PATH.split('/')).fsPath;
    const info = await model.open(dir).catch(() => undefined);
    return info !== undefined;
  }

  /**
   * The lesson's last step: the bundled model on a sentence said twice, in an editor of its own,
   * with the best previous-token head focused. Returns the head it focused, for tests.
   */
  async openBundledModelLesson(): Promise<{ layer: number; head: number } | undefined> {
    if (!(await this.openBundledModel())) return undefined;
    const document = await vscode.workspace.openTextDocument({ content: BUNDLED_MODEL_TEXT, language: 'plaintext' });
    // Beside the walkthrough, never over it: its last step must stay on screen to be ticked off.
    const editor = await vscode.window.showTextDocument(document, { viewColumn: lessonEditorColumn(), preview: false });
    const end = document.positionAt(BUNDLED_MODEL_TEXT.trimEnd().length);
    editor.selection = new vscode.Selection(new vscode.Position(0, 0), end);
    await vscode.commands.executeCommand('headlight.showAttention');
    await this.deps.model?.whenIdle();
    const focused = await this.deps.model?.focusHead(LESSON_MODEL_HEAD.layer, LESSON_MODEL_HEAD.head);
    return focused ? { ...LESSON_MODEL_HEAD } : undefined;
  }
}
