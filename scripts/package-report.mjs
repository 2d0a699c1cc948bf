// What the packaged extension holds and whether it stays within its budgets:
//   node scripts/package-report.mjs [file.vsix]      (default: the newest *.vsix in the repo root)
// Prints the .vsix size, its files by folder, and the bundle sizes; exits 1 when a budget is
// exceeded (the .vsix under 6 MB, each extension-host bundle under 500 kB, the attention panel's
// first-paint script under 80 kB — Chart.js and the controls' elements load after it from their
// own bundles, which must be there too) or something is in the package that never should be
// (sources, tests, source maps, node_modules).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

const BUDGETS = {
  // 2 MB of code and lesson samples + the trained defaults (issue 15: samples/words.bin 3.4 MB,
  // about 3.0 MB zipped; samples/model/ 0.87 MB, 0.77 MB zipped). Issue 15's ceiling is 8 MB.
  vsix: 6 * 1024 * 1024,
  'extension/dist/extension.js': 500 * 1024,
  'extension/dist/web/extension.js': 500 * 1024,
  'extension/dist/webview.js': 80 * 1024,
  'extension/dist/webview-charts.js': 300 * 1024,
  'extension/dist/webview-elements.js': 200 * 1024,
};
const FORBIDDEN = /^extension\/(src|test|webview|scripts|bench|node_modules|out)\/|\.(ts|map|vsix)$/;

function newestVsix() {
  const candidates = readdirSync('.').filter((f) => f.endsWith('.vsix'));
  if (candidates.length === 0) throw new Error('no .vsix here: run `npm run package` first, or name one');
  return candidates.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/** The entries of a zip file from its central directory: name, compressed and uncompressed size. */
function zipEntries(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = bytes.length - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--;
  if (end < 0) throw new Error('not a zip file (no end of central directory)');
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    const compressed = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    entries.push({ name, compressed, size });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

const kB = (n) => `${(n / 1024).toFixed(1)} kB`;
const file = process.argv[2] ?? newestVsix();
const bytes = readFileSync(file);
const entries = zipEntries(bytes);
const problems = [];

console.log(`${file}: ${kB(bytes.length)} (${entries.length} entries)`);
if (bytes.length > BUDGETS.vsix) problems.push(`the .vsix is ${kB(bytes.length)}, over ${kB(BUDGETS.vsix)}`);

const folders = new Map();
for (const e of entries) {
  const folder = e.name.split('/').slice(0, e.name.startsWith('extension/') ? 2 : 1).join('/');
  const sum = folders.get(folder) ?? { files: 0, size: 0, compressed: 0 };
  sum.files++;
  sum.size += e.size;
  sum.compressed += e.compressed;
  folders.set(folder, sum);
  if (FORBIDDEN.test(e.name)) problems.push(`${e.name} does not belong in the package`);
}
console.log('\nby folder (uncompressed → in the .vsix):');
for (const [folder, sum] of [...folders].sort((a, b) => b[1].size - a[1].size)) {
  console.log(`  ${folder.padEnd(32)} ${String(sum.files).padStart(3)} files ${kB(sum.size).padStart(10)} → ${kB(sum.compressed).padStart(9)}`);
}

console.log('\nbundles:');
for (const e of entries.filter((x) => x.name.startsWith('extension/dist/') && x.name.endsWith('.js'))) {
  const budget = BUDGETS[e.name];
  const verdict = budget === undefined ? '' : e.size <= budget ? `  (budget ${kB(budget)}: ok)` : `  (budget ${kB(budget)}: OVER)`;
  console.log(`  ${e.name.slice('extension/'.length).padEnd(28)} ${kB(e.size).padStart(9)}${verdict}`);
  if (budget !== undefined && e.size > budget) problems.push(`${e.name} is ${kB(e.size)}, over ${kB(budget)}`);
}
for (const name of Object.keys(BUDGETS).filter((n) => n !== 'vsix')) {
  if (!entries.some((e) => e.name === name)) problems.push(`${name} is missing from the package`);
}

if (problems.length > 0) {
  console.error(`\n${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`\nwithin budget: .vsix ≤ ${kB(BUDGETS.vsix)}, host bundles ≤ 500 kB, panel first-paint script ≤ 80 kB; no sources, tests or maps packaged (${resolve(file)})`);
