import type { FeatureContext } from '../featureContext';

/** State the integration tests may read. Filled in by the .emb language features. */
export interface EmbFeaturesApi {
  readonly ready: true;
}

export function activateEmbFeatures(_features: FeatureContext): EmbFeaturesApi {
  return { ready: true };
}
