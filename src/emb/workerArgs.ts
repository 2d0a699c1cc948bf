/**
 * Node flags for our bundled worker scripts (dist/*.js): this process's, without module loaders
 * (`--import`, `--loader`, `--require`, `--experimental-loader`). The bundles need no loader, and
 * an inherited one is not free: under `node --import tsx` (the benches, the unit tests) every
 * worker started its own tsx hooks thread, which cost a 3M × 300 word2vec load ~1.6 s of its
 * 5.7 s and a 300k one 0.4 s. VS Code's extension host passes no loader, so there this changes
 * nothing.
 */
const LOADER_FLAGS = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r']);

export function bundledWorkerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const name = arg.split('=', 1)[0]!;
    if (LOADER_FLAGS.has(name)) {
      if (!arg.includes('=')) i++; // the flag's value is the next argument
      continue;
    }
    kept.push(arg);
  }
  return kept;
}
