import type { ActiveEmbeddings } from './activeEmbeddings';
import type { EmbFeaturesApi } from './emb';
import type { AttentionFeaturesApi } from './attention';
import type { ExplorerFeaturesApi } from './explorer';
import type { ModelFeaturesApi } from './model';

/**
 * What `activate` returns: a small, typed window for the integration tests (and other extensions)
 * into the live state of the features. Never read through globals.
 */
export interface HeadlightTestApi {
  readonly embeddings: ActiveEmbeddings;
  readonly emb: EmbFeaturesApi;
  readonly attention: AttentionFeaturesApi;
  /** The Embedding Explorer (desktop only: VS Code for the Web has no worker threads or local files for it). */
  readonly explorer?: ExplorerFeaturesApi;
  /** Real models (Open Model…, the model source of Show Attention); desktop only. */
  readonly model?: ModelFeaturesApi;
  /** Milliseconds from `activate()` being called to its return (src/host/activationTiming.ts). */
  readonly activationMs: number;
}
