/**
 * The host ↔ webview protocols, re-exported from their files in ./protocol/ (one per webview and
 * feature; see ./protocol/index.ts). Existing imports of 'shared/protocol' keep working.
 */
export * from './protocol/index';
