/**
 * Parsing `.emb` text into an EmbeddingStore, with every problem located.
 *
 * Contract: `parseEmb(text)` and `parseEmbBytes(bytes)` never throw on any input; they return the
 * store of every valid row plus the problems (0-based line, UTF-16 columns, plain message, a fix
 * where one is obvious). The format is described in docs/emb-format.md.
 * Passes: 1. preamble scan (layout, dimension, header, names) — preamble.ts; 2. rows, one or more
 * chunks (in worker threads for big files) — chunkParser.ts; 3. assemble: vocabulary (vocabulary.ts),
 * duplicates (the first entry wins), header and names checks, rows compacted into one buffer.
 * `assemble` is a generator that yields after every small unit of work (SLICE_ROWS rows, SLICE_VALUES
 * copied values; slices.ts) so the async loaders can pause it on a time budget and keep the main
 * thread responsive; the synchronous parsers simply run it to the end.
 */
import { ChunkParser, quoteToken, type ChunkResult } from './chunkParser';
import { estimateRows, scanPreamble, type Preamble } from './preamble';
import { SLICE_ROWS, SLICE_VALUES, runToEnd } from '../../slices';
import { EmbeddingStore } from '../../store';
import { MAX_PROBLEMS, type EmbFix, type EmbProblem, type ParsedEmb } from '../../types';
import { Vocabulary } from '../../vocabulary';
import { allocateRowBlocks, allocateRows, rowsPerBlock, scanMemoryOf } from '../../rowMemory';

export interface ParseOptions {
  /** The set's name (file name); "embeddings" by default. */
  readonly name?: string;
}

export { MAX_PROBLEMS, type ParsedEmb } from '../../types';

export { runToEnd } from '../../slices';

export function parseEmb(text: string, options: ParseOptions = {}): ParsedEmb {
  return parseEmbBytes(new TextEncoder().encode(text), options);
}

export function parseEmbBytes(bytes: Uint8Array, options: ParseOptions = {}): ParsedEmb {
  const preamble = scanPreamble(bytes, true);
  // Size the rows buffer from the sampled line length (growing by copies would double the work).
  const rows = preamble.dim > 0 && bytes.length > 1 << 16 ? estimateRows(bytes.length - preamble.start, preamble) : 0;
  const target = rows > 0 ? allocateRows(rows, preamble.dim) : undefined;
  const parser = new ChunkParser({ dim: preamble.dim, skipLine: preamble.skipLine, maxProblems: MAX_PROBLEMS, target });
  parser.push(bytes.subarray(preamble.start), true);
  return runToEnd(assemble(preamble, [parser.finish()], options));
}

/**
 * Joins chunk results (in file order) into one ParsedEmb. When every chunk still sits in its
 * region of one shared buffer (`shared`, regions in order), rows are compacted in place.
 */
export function* assemble(preamble: Preamble, chunks: readonly ChunkResult[], options: ParseOptions, shared?: Float32Array): Generator<void, ParsedEmb> {
  const dim = preamble.dim;
  const problems: EmbProblem[] = [];
  let omitted = 0;

  // 1. Vocabulary: one table over the chunks' token text; a token seen before is a duplicate and
  //    its row is dropped (the first entry wins).
  const rows = chunks.reduce((n, c) => n + c.rowCount, 0);
  const built = yield* Vocabulary.build(chunks.map((c) => c.tokens).join(''), rows);
  const { vocabulary, rowOf } = built;
  const count = vocabulary.count;
  const keep: Uint8Array[] = [];
  const lineOfToken = new Int32Array(count);
  let lineBase = 0;
  let entryLines = 0;
  let fileRow = 0;
  for (const chunk of chunks) {
    const kept = new Uint8Array(chunk.rowCount);
    for (let r = 0; r < chunk.rowCount; r++, fileRow++) {
      const row = rowOf[fileRow]!;
      if (row >= 0) {
        lineOfToken[row] = chunk.lineOfRow[r]! + lineBase;
        kept[r] = 1;
      } else {
        const first = -1 - row;
        problems.push(duplicateProblem(vocabulary.token(first), chunk, r, lineBase, lineOfToken[first]!));
        if (problems.length >= PRUNE_AT) {
          omitted += pruneProblems(problems);
          yield;
        }
      }
      if (fileRow % SLICE_ROWS === 0) yield;
    }
    keep.push(kept);
    for (const p of chunk.problems) problems.push(lineBase === 0 ? p : shiftProblem(p, lineBase));
    if (problems.length >= PRUNE_AT) omitted += pruneProblems(problems);
    yield;
    omitted += chunk.problemsOmitted;
    lineBase += chunk.breaks;
    entryLines += chunk.entryLines;
  }

  // 2. Rows, norms and spaced tokens of the kept rows, in file order, copied run by run.
  // Compact in place when the rows already share one buffer (the worker regions, or a single chunk)
  // and that buffer is not worth trimming; otherwise copy straight into a buffer of the exact size.
  // A big set's rows must end in the scan kernel's memory (rowMemory.ts: the neighbour scan reads
  // them in place); rows elsewhere (a worker's SharedArrayBuffer) are copied there.
  const sharedInPlace = shared !== undefined && chunks.every((c) => c.inTarget);
  const source = sharedInPlace ? shared : chunks.length === 1 ? chunks[0]!.vectors : undefined;
  const scannable = count * dim < SCAN_IN_PLACE_MIN_VALUES || (source !== undefined && scanMemoryOf(source) !== undefined);
  const inPlace = source !== undefined && scannable && !worthTrimming(source.length, count * dim);
  // Otherwise the rows are copied into blocks of at most ROW_BLOCK_BYTES (rowMemory.ts): one for
  // most files, several above 1 GiB of floats.
  const per = rowsPerBlock(dim);
  const blocks = inPlace ? [source] : allocateRowBlocks(count, dim);
  const vectors = blocks[0]!;
  const norms = new Float32Array(count);
  const spaced = new Set<number>();
  const rowsPerSlice = Math.max(1, Math.floor(SLICE_VALUES / Math.max(1, dim)));
  let written = 0;
  for (let c = 0; c < chunks.length; c++) {
    const chunk = chunks[c]!;
    const kept = keep[c]!;
    const spacedRows = chunk.spacedRows; // increasing
    let nextSpaced = 0;
    // Row offset of the chunk's region inside the shared buffer (0 for a single chunk's own buffer).
    const regionStart = sharedInPlace && inPlace && dim > 0 ? (chunk.vectors.byteOffset - vectors.byteOffset) / 4 / dim : 0;
    let r = 0;
    while (r < chunk.rowCount) {
      if (!kept[r]) {
        r++;
        continue;
      }
      let runEnd = r + 1;
      while (runEnd < chunk.rowCount && kept[runEnd]) runEnd++;
      norms.set(chunk.norms.subarray(r, runEnd), written);
      while (nextSpaced < spacedRows.length && spacedRows[nextSpaced]! < runEnd) {
        const row = spacedRows[nextSpaced++]!;
        if (row >= r) spaced.add(written + row - r);
      }
      // Copy the run in slices so the loader can yield between them.
      for (let from = r; from < runEnd; ) {
        const to = Math.min(runEnd, from + rowsPerSlice);
        const target = written + (from - r);
        if (inPlace) {
          if (target !== regionStart + from) vectors.copyWithin(target * dim, (regionStart + from) * dim, (regionStart + to) * dim);
        } else {
          copyIntoBlocks(blocks, per, dim, target, chunk.vectors, from, to);
        }
        from = to;
        yield;
      }
      written += runEnd - r;
      r = runEnd;
    }
  }
  // 3. File-level checks: header, names, emptiness.
  problems.push(...headerProblems(preamble, entryLines));
  let dimNames: readonly string[] | undefined;
  if (preamble.names && preamble.namesRange) {
    if (preamble.names.length === dim && dim > 0) {
      dimNames = preamble.names;
    } else if (dim > 0) {
      const where = preamble.namesSource === 'dims-comment' ? 'The # dims line' : 'The column-header row';
      problems.push({
        code: 'dims-names',
        severity: 'warning',
        range: preamble.namesRange,
        message: `${where} names ${preamble.names.length} dimension${preamble.names.length === 1 ? '' : 's'}, but the entries have ${dim} values; the names are not used.`,
      });
    }
  }
  if (entryLines === 0) {
    problems.push({
      code: 'empty-file',
      severity: 'error',
      range: { line: 0, startColumn: 0, endColumn: 0 },
      message: 'The file has no embedding entries: expected lines of a token followed by numbers, such as "apple 0.5 -1.2 3".',
    });
  }
  yield;
  omitted += pruneProblems(problems);

  const store = new EmbeddingStore({
    name: options.name ?? 'embeddings',
    dim,
    tokens: vocabulary,
    vectors: inPlace ? vectors.subarray(0, count * dim) : blocks,
    rowsPerBlock: inPlace ? undefined : per,
    norms,
    dimNames,
  });
  return { store, problems, layout: preamble.layout, format: 'text', dimNames, lineOfToken: lineOfToken.slice(0, count), spaced, problemsOmitted: omitted };
}

/** Rows [from, to) of `source` ([rows, dim]) into the blocks, starting at row `target`, split at block ends. */
function copyIntoBlocks(blocks: readonly Float32Array[], per: number, dim: number, target: number, source: Float32Array, from: number, to: number): void {
  while (from < to) {
    const b = Math.floor(target / per);
    const inBlock = target - b * per;
    const n = Math.min(to - from, per - inBlock);
    blocks[b]!.set(source.subarray(from * dim, (from + n) * dim), inBlock * dim);
    from += n;
    target += n;
  }
}

/** Below this many values the rows may stay in any buffer (the neighbour scan is a plain loop there: neighbors.ts INDEX_MIN_VALUES). */
const SCAN_IN_PLACE_MIN_VALUES = 1 << 18;

/** Rows buffers up to this many values (64 MiB) are trimmed to the rows exactly. */
const TRIM_ALWAYS_VALUES = 16 << 20;

/**
 * Whether a rows buffer of `capacity` values holding `used` is copied to one of the exact size:
 * up to TRIM_ALWAYS_VALUES any slack over 1% goes; above it only slack over 10%, so a big file
 * does not briefly need twice its rows' memory to save a few percent.
 */
function worthTrimming(capacity: number, used: number): boolean {
  const slack = capacity - used;
  return slack > 1024 && (slack > 0.1 * used || (slack > 0.01 * used && used <= TRIM_ALWAYS_VALUES));
}

/**
 * A file of nothing but duplicates has a problem per line: the list is cut back to the first
 * MAX_PROBLEMS (in order) whenever it reaches this size, so no single sort holds the thread.
 */
const PRUNE_AT = 2 * MAX_PROBLEMS;

/**
 * Sorts `problems` by line, then column, and keeps the first MAX_PROBLEMS; returns how many were
 * dropped. The sort is stable, so pruning early and again at the end keeps exactly the problems
 * (and order) one sort of the whole list would.
 */
function pruneProblems(problems: EmbProblem[]): number {
  problems.sort((a, b) => a.range.line - b.range.line || a.range.startColumn - b.range.startColumn);
  const dropped = Math.max(0, problems.length - MAX_PROBLEMS);
  if (dropped > 0) problems.length = MAX_PROBLEMS;
  return dropped;
}

function duplicateProblem(token: string, chunk: ChunkResult, row: number, lineBase: number, firstLine: number): EmbProblem {
  const line = chunk.lineOfRow[row]! + lineBase;
  const startColumn = chunk.tokenColumn[row]!;
  const endColumn = startColumn + token.length;
  const lineLength = endColumn + chunk.tailLength[row]!;
  const fix: EmbFix = {
    title: `Remove the duplicate ${quoteToken(token)} (line ${line + 1})`,
    range: { line, startColumn: 0, endColumn: lineLength },
    deleteLines: { startLine: line, endLine: line + 1 },
    text: '',
  };
  return {
    code: 'duplicate-token',
    severity: 'warning',
    range: { line, startColumn, endColumn },
    message: `${quoteToken(token)} is already defined on line ${firstLine + 1}; the first entry is used and this line is ignored.`,
    fix,
  };
}

function shiftProblem(problem: EmbProblem, lines: number): EmbProblem {
  const range = { ...problem.range, line: problem.range.line + lines };
  if (!problem.fix) return { ...problem, range };
  const fix: EmbFix = {
    ...problem.fix,
    range: { ...problem.fix.range, line: problem.fix.range.line + lines },
    ...(problem.fix.deleteLines
      ? { deleteLines: { startLine: problem.fix.deleteLines.startLine + lines, endLine: problem.fix.deleteLines.endLine + lines } }
      : {}),
  };
  return { ...problem, range, fix };
}

function headerProblems(preamble: Preamble, entryLines: number): EmbProblem[] {
  const header = preamble.header;
  if (!header) return [];
  const dim = preamble.dim;
  const problems: EmbProblem[] = [];
  const text = `${entryLines} ${dim}`;
  const fix: EmbFix = {
    title: `Set the header to "${text}"`,
    range: { line: header.line, startColumn: 0, endColumn: header.lineLength },
    text,
  };
  if (header.count !== entryLines) {
    problems.push({
      code: 'header-count',
      severity: 'warning',
      range: header.countRange,
      message: `The header says ${header.count} entr${header.count === 1 ? 'y' : 'ies'}, but the file has ${entryLines}.`,
      fix,
    });
  }
  if (header.dim !== dim && entryLines > 0) {
    problems.push({
      code: 'header-dim',
      severity: 'warning',
      range: header.dimRange,
      message: `The header says ${header.dim} dimension${header.dim === 1 ? '' : 's'}, but the entries have ${dim} values each.`,
      fix,
    });
  }
  return problems;
}
