// Runs the model worker from its TypeScript source in the unit tests (the extension runs the
// esbuild bundle dist/modelWorker.js instead).
require('tsx/cjs');
require('../../../src/host/model/worker.ts');
