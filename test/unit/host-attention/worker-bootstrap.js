// Runs the attention worker from its TypeScript source in the unit tests (the extension runs
// the esbuild bundle dist/attentionWorker.js instead).
require('tsx/cjs');
require('../../../src/host/attention/worker.ts');
