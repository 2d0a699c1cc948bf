// Bundles every entry point of Headlight and prints the size of each bundle.
// One list of entries, one helper: a new bundle is one more line in `entries`.
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// The browser bundle's stand-ins for the node: modules the shared host code imports (src/web/shims).
const webShims = Object.fromEntries(['fs', 'path', 'os', 'crypto', 'worker_threads'].map((m) => [`node:${m}`, `./src/web/shims/${m}.ts`]));

/** @type {import('esbuild').BuildOptions[]} */
const entries = [
  // Extension host (desktop): Node, CommonJS, `vscode` supplied by the host.
  { entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', external: ['vscode'] },
  // Extension host (VS Code for the Web): a web worker, CommonJS, node: modules replaced by shims.
  { entryPoints: ['src/web/extension.ts'], outfile: 'dist/web/extension.js', platform: 'browser', format: 'cjs', external: ['vscode'], alias: webShims, define: { __dirname: '"/"' } },
  // Command-line interface: the same core, driven from a shell.
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', banner: { js: '#!/usr/bin/env node' } },
  // Webview: browser, the script of the panel's first paint, loaded with a CSP nonce.
  { entryPoints: ['webview/src/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife' },
  // Webview, imported by dist/webview.js after its first paint: Chart.js for the views below the
  // fold, and the controls' custom elements (webview/src/lazy.ts).
  { entryPoints: ['webview/src/chartKit.ts'], outfile: 'dist/webview-charts.js', platform: 'browser', format: 'esm' },
  { entryPoints: ['webview/src/elements.ts'], outfile: 'dist/webview-elements.js', platform: 'browser', format: 'esm' },
  // Heads side view: thumbnails only, no Chart.js.
  { entryPoints: ['webview/src/heads.ts'], outfile: 'dist/heads.js', platform: 'browser', format: 'iife' },
  // Embedding Explorer (custom editor): its page, and the worker that holds the file's store and answers its questions.
  { entryPoints: ['webview/src/explorer/main.ts'], outfile: 'dist/explorer.js', platform: 'browser', format: 'iife' },
  { entryPoints: ['src/host/explorer/worker.ts'], outfile: 'dist/explorerWorker.js', platform: 'node', format: 'cjs' },
  // Model forward passes: the GEMM helper thread that takes half of each big product (src/model/parallel/gemmPool.ts finds it beside the bundle).
  { entryPoints: ['src/model/parallel/gemmWorker.ts'], outfile: 'dist/gemmWorker.js', platform: 'node', format: 'cjs' },
  // Attention computation off the extension host's thread (cancellable by terminating it).
  { entryPoints: ['src/host/attention/worker.ts'], outfile: 'dist/attentionWorker.js', platform: 'node', format: 'cjs' },
  // Real models (Open Model…): loading, tokenizing, the forward pass and the view model, off the host's thread.
  { entryPoints: ['src/host/model/worker.ts'], outfile: 'dist/modelWorker.js', platform: 'node', format: 'cjs' },
  // .emb parse worker: big embedding files are parsed on the other core (located by src/emb/formats/text/loadText.ts).
  { entryPoints: ['src/emb/formats/text/parseWorker.ts'], outfile: 'dist/embParseWorker.js', platform: 'node', format: 'cjs' },
  // word2vec / fastText binary reader worker: big binary files are read off the calling thread (located by src/emb/loadFile.ts).
  { entryPoints: ['src/emb/formats/binaryWorker.ts'], outfile: 'dist/embBinaryWorker.js', platform: 'node', format: 'cjs' },
  // Integration suite: one CommonJS file per test/integration/suite module, run by mocha inside the extension host.
  ...(fs.existsSync('test/integration/suite') ? fs.readdirSync('test/integration/suite') : [])
    .filter((name) => name.endsWith('.ts'))
    .map((name) => ({ entryPoints: [`test/integration/suite/${name}`], outfile: `out/test/integration/suite/${name.replace(/\.ts$/, '.js')}`, platform: 'node', format: 'cjs', external: ['vscode', 'mocha'] })),
];

const common = {
  // The webviews' style sheets travel inside their HTML (src/host/attention/html.ts): one request fewer before first paint.
  loader: { '.css': 'text' },
  bundle: true,
  target: 'es2022',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

async function main() {
  const existing = entries.filter((e) => e.entryPoints.every((p) => fs.existsSync(p)));
  if (watch) {
    for (const entry of existing) {
      const ctx = await esbuild.context({ ...common, ...entry });
      await ctx.watch();
    }
    console.log('[esbuild] watching', existing.length, 'entries');
    return;
  }
  await Promise.all(existing.map((entry) => esbuild.build({ ...common, ...entry })));
  for (const entry of existing) {
    const size = fs.statSync(entry.outfile).size;
    console.log(`[esbuild] ${path.relative(process.cwd(), entry.outfile).padEnd(28)} ${(size / 1024).toFixed(1).padStart(8)} kB`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
