/**
 * What bench/model.bench.ts bundles (esbuild, as the CLI ships): loading, the forward API and the
 * parallel engine. Not a bench itself (no .bench.ts suffix).
 */
export { loadModel } from '../src/model';
export { forward, focusHead, keptAttentionBytes } from '../src/core/models';
export { ParallelEngine } from '../src/model/parallel';
export { enableRelaxedSimd } from '../src/model/parallel/relaxedSimd';
