/**
 * Entry point of the integration suite inside the extension host (`extensionTestsPath`), for the
 * code-server runner (test/integration/runInCodeServer.ts). @vscode/test-cli loads the same
 * *.test.js files with its own runner (.vscode-test.mjs), so the suite is written once.
 *
 * Mocha 11 is CommonJS, so the host can `require` it from the repository's node_modules.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

/** Marks the suite's own lines among everything the workbench logs through the automation hook. */
export const suiteLinePrefix = '[headlight-suite] ';

export interface SuiteSummary {
  readonly passed: number;
  readonly failed: number;
  readonly pending: number;
  readonly failures: readonly { readonly title: string; readonly message: string }[];
}

export function run(): Promise<void> {
  // The spec reporter prints through Base.consoleLog; tag each line, already formatted.
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(suiteLinePrefix + format(...args));
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 30_000, reporter: 'spec' });
  if (process.env.HEADLIGHT_TEST_GREP) mocha.grep(process.env.HEADLIGHT_TEST_GREP);
  const here = __dirname;
  for (const file of fs.readdirSync(here).filter((name) => name.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(here, file));
  }
  const failures: { title: string; message: string }[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failed) => {
      const stats = runner.stats;
      const summary: SuiteSummary = {
        passed: stats?.passes ?? 0,
        failed: stats?.failures ?? failed,
        pending: stats?.pending ?? 0,
        failures,
      };
      // The code-server runner reads this file: the extension host's stdout does not reach it.
      const resultsFile = process.env.HEADLIGHT_TEST_RESULTS;
      if (resultsFile) fs.writeFileSync(resultsFile, JSON.stringify(summary, null, 2));
      if (failed > 0) reject(new Error(`${failed} integration test(s) failed`));
      else resolve();
    });
    runner.on('fail', (test, error: Error) => {
      failures.push({ title: test.fullTitle(), message: error.stack ?? error.message });
    });
  });
}
