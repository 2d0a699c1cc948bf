import * as vscode from 'vscode';
import type { FeatureContext } from '../featureContext';

/** State the integration tests may read. Filled in by the attention panel features. */
export interface AttentionFeaturesApi {
  readonly ready: true;
}

export function activateAttentionFeatures(features: FeatureContext): AttentionFeaturesApi {
  features.owner.add(
    vscode.commands.registerCommand('headlight.showAttention', () => {
      void vscode.window.showInformationMessage('Headlight: Show Attention is not wired yet.');
    }),
  );
  return { ready: true };
}
