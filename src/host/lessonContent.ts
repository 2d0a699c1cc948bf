/**
 * What the guided lesson shows, as data without `vscode` (so the manifest test can check the
 * walkthrough against it): the command ids, the bundled files the lesson opens, and the deck's
 * scenes with the panel options that reproduce the deck's numbers. src/host/lesson.ts runs them.
 */
import type { PanelOptions } from '../shared/protocol';

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
    detail: 'about 400 words on named dimensions (tech, fruitness, other, …); the deck’s orange, phone, apple, and, an keep the deck’s values',
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

export interface Scene {
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
    detail: 'four heads with seeded random W_Q, W_K, W_V, W_O (seed 42), scaled dot product',
    sentence: 'please buy an apple and an orange',
    row: 'apple',
    options: { measure: 'scaled', scale: true, source: 'random', heads: 4, seed: 42, causal: false, temperature: 1 },
  },
} as const satisfies Record<string, Scene>;

export type LessonSceneId = keyof typeof LESSON_SCENES;

/** The line whose first field is `word` (comments skipped; case-insensitive, as lookups are). */
export function lineOfWord(lines: readonly string[], word: string): number {
  const wanted = word.toLowerCase();
  return lines.findIndex((line) => {
    const first = line.trimStart().split(/[ \t]/, 1)[0] ?? '';
    return !first.startsWith('#') && first.toLowerCase() === wanted;
  });
}
