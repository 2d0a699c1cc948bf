/**
 * The first view: the first time Headlight runs in a VS Code profile, it opens the guided lesson
 * with the lesson set beside it, so a newcomer sees Headlight without knowing a command name
 * (desktop VS Code shows a walkthrough when an extension is installed from the gallery, but not
 * for `--install-extension` before start-up, which is how `npm start` and code-server install it).
 *
 * Once per profile (globalState), recorded before anything opens so a failure never repeats it;
 * `headlight.welcome.openOnFirstStart: false` turns it off (the test harnesses do).
 * Headlight activates at start-up only for workspaces that hold `.emb` files
 * (`workspaceContains:**\/*.emb`), so a profile's first activation elsewhere is the user's own
 * first command or `.emb` file; the walkthrough then opens beside what they asked for.
 */
import * as vscode from 'vscode';
import type { FeatureContext } from './featureContext';
import { LESSON_COMMANDS, WALKTHROUGH_ID } from './lessonContent';

export const WELCOME_SHOWN_KEY = 'headlight.welcome.shown';

export function openWelcomeOnFirstStart(features: FeatureContext): void {
  const { context, log } = features;
  if (context.globalState.get<boolean>(WELCOME_SHOWN_KEY) === true) return;
  if (!vscode.workspace.getConfiguration('headlight').get<boolean>('welcome.openOnFirstStart', true)) return;
  void (async () => {
    await context.globalState.update(WELCOME_SHOWN_KEY, true);
    const lessonOpen = vscode.window.tabGroups.all.some((group) =>
      group.tabs.some((tab) => tab.input instanceof vscode.TabInputText && tab.input.uri.path.endsWith('/lesson.emb')),
    );
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${context.extension.id}#${WALKTHROUGH_ID}`, false);
    // With the walkthrough in front, the lesson command opens the set beside it, read-only.
    if (!lessonOpen) await vscode.commands.executeCommand(LESSON_COMMANDS.openLessonSample, 'lesson', { hover: false });
    log.info('welcome: first start in this profile — opened the guided lesson and the lesson set');
  })().catch((error: unknown) => log.warn(`welcome: could not open the guided lesson: ${String(error)}`));
}
