/**
 * The trained defaults as data without `vscode` (the manifest test and walkthrough/make-images.ts
 * read it): the setting, the command, the bundled model's folder, and what the guided lesson's
 * last step runs it on. src/host/trainedDefaults.ts does the work.
 */

export const UNKNOWN_WORDS_SETTING = 'headlight.unknownWords.offer';
export const UNKNOWN_WORDS_MODES = ['ask', 'trainedVectors', 'bundledModel', 'never'] as const;
export type UnknownWordsMode = (typeof UNKNOWN_WORDS_MODES)[number];

/** Relative to the extension folder. */
export const BUNDLED_MODEL_PATH = 'samples/model';
export const OPEN_BUNDLED_MODEL_COMMAND = 'headlight.openBundledModel';

/** What the guided lesson runs the bundled model on: a sentence, then the same one again (induction). */
export const BUNDLED_MODEL_TEXT = 'The cat sat on the mat because it was tired. The cat sat on the mat because it was tired.\n';

/**
 * The head the lesson focuses, 0-based as samples/model/measurements.json and README's table
 * count (the panel shows it 1-based, L3 H3): the best previous-token head. The manifest test
 * checks it against measurements.json, so a retrained model cannot leave the lesson pointing
 * at another head.
 */
export const LESSON_MODEL_HEAD = { layer: 2, head: 2 } as const;

/** Mean weight on the previous token of uniform causal attention over a window of n tokens. */
export function uniformPreviousTokenScore(n: number): number {
  let sum = 0;
  for (let i = 1; i < n; i++) sum += 1 / (i + 1);
  return sum / (n - 1);
}
