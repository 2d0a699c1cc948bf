// Runner 1 of the integration suite: @vscode/test-cli + @vscode/test-electron, for machines where
// desktop VS Code can be downloaded or is given by path. Same suite as the code-server runner
// (test/integration/runInCodeServer.ts, the one CI uses here).
//
//   npm run build && npx vscode-test
//   VSCODE_EXECUTABLE=/path/to/code npx vscode-test    (an installed VS Code, no download)
//   VSCODE_VERSION=1.139.1 npx vscode-test             (a given version; default: the engines floor)
import { defineConfig } from '@vscode/test-cli';

const executable = process.env.VSCODE_EXECUTABLE;

export default defineConfig({
  label: 'integration',
  files: 'out/test/integration/suite/**/*.test.js',
  workspaceFolder: 'test/integration/workspace',
  ...(executable ? { useInstallation: { fromPath: executable } } : { version: process.env.VSCODE_VERSION ?? '1.138.0' }),
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
  mocha: { ui: 'tdd', timeout: 30_000, color: true },
});
