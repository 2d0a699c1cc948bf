import * as vscode from 'vscode';
import type { EmbeddingStore } from '../../emb/store';
import { formatCount, plainLabel } from './display';

/** Items shown at once: enough to scroll, few enough to build in well under a frame. */
export const VOCABULARY_PICK_ITEMS = 50;

interface WordItem extends vscode.QuickPickItem {
  readonly index: number;
}

export interface VocabularyPickOptions {
  readonly title: string;
  readonly placeholder: string;
  /** Pre-filled input, e.g. the token under the cursor. */
  readonly value?: string;
  readonly step?: number;
  readonly totalSteps?: number;
  /** Indices not to offer (e.g. words already picked for the same question). */
  readonly exclude?: ReadonlySet<number>;
}

/**
 * A quick pick over a vocabulary of any size: the items are rebuilt from `Vocabulary.search` on
 * every keystroke (at most VOCABULARY_PICK_ITEMS of them), never one item per word. Resolves to
 * the picked token's index, or undefined when dismissed.
 */
export function pickWord(store: EmbeddingStore, options: VocabularyPickOptions): Promise<number | undefined> {
  return new Promise((resolve) => {
    const pick = vscode.window.createQuickPick<WordItem>();
    pick.title = options.title;
    pick.placeholder = options.placeholder;
    pick.step = options.step;
    pick.totalSteps = options.totalSteps;
    pick.matchOnDescription = false;
    pick.matchOnDetail = false;
    let settled = false;

    const refresh = () => {
      const found = store.vocabulary.search(pick.value, VOCABULARY_PICK_ITEMS + (options.exclude?.size ?? 0));
      const indices = found.filter((i) => !(options.exclude?.has(i) ?? false)).slice(0, VOCABULARY_PICK_ITEMS);
      pick.items = indices.map((index) => ({
        index,
        label: plainLabel(store.token(index)),
        description: `#${formatCount(index + 1)}`,
        // The picker filters by label too; our labels already contain the query, and a label
        // shortened by displayToken must not be hidden because the query hit its cut part.
        alwaysShow: true,
      }));
      pick.busy = false;
    };

    const finish = (value: number | undefined) => {
      if (settled) return;
      settled = true;
      resolve(value);
      pick.dispose();
    };

    pick.onDidChangeValue(refresh);
    pick.onDidAccept(() => finish(pick.selectedItems[0]?.index ?? pick.activeItems[0]?.index));
    pick.onDidHide(() => finish(undefined));
    if (options.value !== undefined) pick.value = options.value;
    refresh();
    pick.show();
  });
}
