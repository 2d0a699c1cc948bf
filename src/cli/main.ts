/**
 * `headlight` — the command-line face of the same core the extension uses. JSON for tools
 * (`--json`), aligned tables for people. Exit codes: 0 success, 1 the input has errors
 * (`check` found problems, unknown words were all there was), 2 usage errors.
 */
import { runAttentionCommand } from './attentionCommand';
import { runCheckCommand } from './checkCommand';
import { runModelCommand } from './modelCommand';
import { runNeighborsCommand, runSimilarityCommand, runVectorCommand } from './wordCommands';
import { CliError, type CliIo } from './io';
import { enableRelaxedSimd } from '../model/parallel/relaxedSimd';

const USAGE = `Usage: headlight <command> [options]

Commands:
  attention   [--emb FILE] (--text "…" | --tokens a,b,c) [--measure dot|cosine|scaled]
              [--heads N --seed S | --weights FILE.safetensors --heads N]
              [--causal] [--no-scale] [--temperature T] [--json]
  attention   --model DIR --text "…" [--layer L --head H] [--layers A-B] [--threads N] [--json]
  model       DIR [--json]
  similarity  [--emb FILE] WORD WORD [--json]
  neighbors   [--emb FILE] WORD [-k N] [--measure dot|cosine|scaled] [--json]
  analogy     [--emb FILE] --positive a,b --negative c [-k N] [--json]
  vector      [--emb FILE] WORD [--json]
  check       FILE [--json]

Without --emb the bundled lesson embeddings (samples/lesson.emb) are used. FILE may be text
(.emb, GloVe, word2vec text, .vec), a word2vec binary or a fastText .bin (detected from its
content; --format text|word2vec|fasttext overrides).
Run "headlight <command> --help" for details.`;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'attention':
        return await runAttentionCommand(rest, io);
      case 'model':
        return await runModelCommand(rest, io);
      case 'similarity':
        return await runSimilarityCommand(rest, io);
      case 'neighbors':
      case 'neighbours':
        return await runNeighborsCommand(rest, io, 'neighbors');
      case 'analogy':
        return await runNeighborsCommand(rest, io, 'analogy');
      case 'check':
        return await runCheckCommand(rest, io);
      case 'vector':
        return await runVectorCommand(rest, io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      case '--version':
        io.out(io.version);
        return 0;
      default:
        throw new CliError(`unknown command "${command}"\n\n${USAGE}`);
    }
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`headlight: ${error.message}`);
      return error.exitCode;
    }
    io.err(`headlight: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (require.main === module) {
  // Node 20 keeps relaxed SIMD behind a flag; the GEMM's fused multiply-add build is ~1.3× faster.
  enableRelaxedSimd();
  // A reader that stops early (`| head`) closes the pipe: that ends the output, it is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const io: CliIo = {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    version: '0.1.0',
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      io.err(String(error));
      process.exitCode = 1;
    },
  );
}
