import * as vscode from 'vscode';
import type { FeatureContext } from '../featureContext';
import { EMB_COMMANDS, EmbCommands, type EmbCommandResults } from './commands';
import { DIAGNOSTIC_SOURCE, EmbCodeActionProvider, indexDiagnostics } from './diagnostics';
import { EmbHoverProvider, type HoverRecord } from './hoverProvider';
import { EmbIndexService, type EmbIndex } from './indexService';
import { ResultsDocuments } from './resultsDocument';
import { EmbeddingsStatusBar } from './statusBar';
import { EmbeddingsAssociationOffer } from './associationOffer';

export { EMB_COMMANDS } from './commands';
export type { ActiveSetSummary, EmbCommandResults, WordCommandOptions } from './commands';
export type { EmbIndex } from './indexService';
export type { HoverRecord } from './hoverProvider';
export type { AnalogyResult, CompareResult, NearestResult, ScoredWord } from './wordQueries';

/** State the integration tests may read: the live indexes, the last command results, the status bar. */
export interface EmbFeaturesApi {
  readonly ready: true;
  /**
   * The fresh index of an `.emb` file that is open (or shown in a tab, for files above 50 MB),
   * waiting for a pending parse; undefined for other files or when indexing was cancelled/failed.
   */
  indexFor(uri: vscode.Uri): Promise<EmbIndex | undefined>;
  /** Every fresh index held right now. */
  indexes(): readonly EmbIndex[];
  /** Fires after each index is published (its diagnostics are set by then). */
  readonly onDidIndex: vscode.Event<EmbIndex>;
  /** The last result of each word command, and the last error message one showed. */
  readonly results: Readonly<EmbCommandResults>;
  /** What the last `.emb` hover showed (its markdown source included). */
  lastHover(): HoverRecord | undefined;
  /** The text of the status bar item ("$(symbol-array) Lesson (bundled) 5 × 3"). */
  statusBarText(): string;
  /** Command ids of the `.emb` features. */
  readonly commands: typeof EMB_COMMANDS;
  /** URIs of the files indexed now: closing a file must remove it (nothing outlives its owner). */
  trackedFiles(): readonly string[];
  /** File loads in flight (disk indexing, the active set): 0 once everything settled or was cancelled. */
  loadsInFlight(): number;
}

/** The `.emb` language features: index, diagnostics, quick fixes, hovers, word commands, status bar. */
export function activateEmbFeatures(features: FeatureContext): EmbFeaturesApi {
  const { owner, log, embeddings } = features;
  const selector: vscode.DocumentSelector = { language: 'emb' };

  const diagnostics = owner.add(vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE));
  const indexes = owner.add(new EmbIndexService(embeddings.files, diagnostics, log, indexDiagnostics));
  owner.add(
    indexes.onDidIndex((index) =>
      log.debug(`emb: published ${index.source} index g${index.generation} of ${index.uri.toString()} (${index.parsed.problems.length} problems)`),
    ),
  );

  const hover = new EmbHoverProvider(indexes);
  owner.add(vscode.languages.registerHoverProvider(selector, hover));
  owner.add(vscode.languages.registerCodeActionsProvider(selector, new EmbCodeActionProvider(indexes), EmbCodeActionProvider.metadata));

  const documents = owner.add(new ResultsDocuments(log));
  const commands = new EmbCommands(indexes, embeddings, documents, log);
  commands.registerAll(owner);

  const statusBar = owner.add(new EmbeddingsStatusBar(embeddings, EMB_COMMANDS.useEmbeddingsFile));
  // .vec/.txt files that look like embeddings: offer the emb language (and *.vec for good).
  owner.add(new EmbeddingsAssociationOffer(log));
  // Load the active set in the background so the status bar can name it.
  embeddings.get().catch((error: unknown) => log.error(`embeddings: ${error instanceof Error ? error.message : String(error)}`));

  log.info('emb: language features ready');
  return {
    ready: true,
    indexFor: (uri) => indexes.indexFor(uri),
    indexes: () => indexes.indexes(),
    onDidIndex: indexes.onDidIndex,
    results: commands.results,
    lastHover: () => hover.lastHover,
    statusBarText: () => statusBar.text,
    commands: EMB_COMMANDS,
    trackedFiles: () => indexes.trackedFiles(),
    loadsInFlight: () => embeddings.files.loadsInFlight,
  };
}
