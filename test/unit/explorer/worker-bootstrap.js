// Runs the Explorer worker from its TypeScript source in the unit tests (the extension runs the
// esbuild bundle dist/explorerWorker.js instead).
require('tsx/cjs');
require('../../../src/host/explorer/worker.ts');
