/**
 * `npm run bench`: runs every bench/*.bench.ts in its own Node process, one after another, so one
 * bench's JIT state, heap and wasm memory never colour the next. A new bench joins by being a
 * file named *.bench.ts in this folder. `npm run bench -- attention` runs only the files whose
 * name contains "attention". Exit code 1 when any bench fails.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

const filters = process.argv.slice(2);
const benches = readdirSync(__dirname)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();

if (benches.length === 0) {
  console.error(`bench: no bench/*.bench.ts matches ${filters.join(', ') || '(any)'}`);
  process.exit(1);
}

const failed: string[] = [];
for (const file of benches) {
  console.log(`\n━━ ${file} ━━`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, file)], { stdio: 'inherit' });
  if (result.status !== 0) failed.push(`${file} (${result.signal ?? `exit ${result.status}`})`);
}
if (failed.length > 0) {
  console.error(`\nbench: failed: ${failed.join(', ')}`);
  process.exit(1);
}
