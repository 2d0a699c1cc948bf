/** `headlight check FILE`: the same problems the editor shows, as file:line:col lines; exit 1 on errors. */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadEmbFile } from '../emb/loadFile';
import { CliError, formatProblem, parseFormatOption, type CliIo } from './io';

export async function runCheckCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, format: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.out('Usage: headlight check FILE [--format auto|text|word2vec|fasttext] [--json]   (exit 1 when the file has errors)');
    return 0;
  }
  if (positionals.length !== 1) throw new CliError(`check: expected one file, got ${positionals.length}`);
  const file = positionals[0] ?? '';
  if (!fs.existsSync(file)) throw new CliError(`${file}: no such file`, 1);
  const parsed = await loadEmbFile(file, { format: parseFormatOption(values.format) });
  const errors = parsed.problems.filter((p) => p.severity === 'error').length;
  if (values.json) {
    io.out(
      JSON.stringify({
        file,
        layout: parsed.layout,
        format: parsed.format,
        count: parsed.store.count,
        dim: parsed.store.dim,
        problems: parsed.problems.map((p) => ({
          ...(p.byteOffset !== undefined ? { byteOffset: p.byteOffset } : { line: p.range.line + 1, column: p.range.startColumn + 1, endColumn: p.range.endColumn + 1 }),
          severity: p.severity,
          code: p.code,
          message: p.message,
        })),
      }),
    );
  } else {
    for (const problem of parsed.problems) io.out(formatProblem(file, problem));
    io.out(`${file}: ${parsed.store.count} tokens × ${parsed.store.dim} dims, ${errors} error(s), ${parsed.problems.length - errors} other problem(s)`);
  }
  return errors > 0 ? 1 : 0;
}
