/**
 * The protocols between the extension host and Headlight's attention panel and "Heads" side
 * view, one file per webview and feature:
 * - validate.ts: the checks every protocol builds on (explorerProtocol.ts too), `CheckTable`;
 * - common.ts: shapes and messages several features share (options, wire matrices, thumbnails,
 *   milestones, `ready`, `log`, `focusHead`);
 * - attention.ts: the attention panel over embeddings (snapshot, head, row, plot, weights, exports);
 * - model.ts: the panel over a real model (issue 12: snapshot, focus, neuron, rollout, predictions);
 * - panel.ts: the panel's two directions, one validator table each;
 * - heads.ts: the Heads side view;
 * - boot.ts: the `init` inside the page's HTML, and the persisted panel state.
 *
 * Every message: a readonly string-literal `type`, one interface, a check in its direction's
 * table, and handlers that switch over `type` ending in `assertNever`.
 */
export * from './validate';
export * from './common';
export * from './attention';
export * from './model';
export * from './panel';
export * from './heads';
export * from './boot';
