/**
 * Normalization that keeps alignments: runs the library's own normalizer and says, for every unit
 * of its output, which range of the original text it came from.
 *
 * Contract: `normalizeAligned(n, input)` returns exactly `n.normalize(input.text)` as text (the
 * library stays the authority on what the normalized string is), with alignments:
 * - Sequence: composed step by step.
 * - Prepend: the prepended units take the range of the first character (Rust's
 *   `NormalizedString::prepend`, tokenizers/src/tokenizer/normalizer.rs).
 * - Replace: every unit of the replacement takes the range of what it replaced (so Llama-2's
 *   "▁" maps to the space it stands for).
 * - Strip: the kept units keep their ranges.
 * - Everything else (NFC/NFD/NFKC/NFKD, Lowercase, StripAccents, BertNormalizer, Precompiled):
 *   applied to each character cluster (a code point and its combining marks) alone, every output
 *   unit aligned to its cluster: NFD's "e" + U+0301 both map to the original "é", and stripping
 *   the accent leaves "e" mapped to "é" — the Rust rules for these transforms. When the
 *   piecewise result differs from the whole-string result by substitutions only (Greek final
 *   sigma: the library lower-cases the whole string) the units keep their places; any other
 *   difference is aligned by resync (`alignByResync`), and `stats.resyncs` counts it.
 */
import { AlignedBuilder, alignByResync, rangeOf, type AlignedText } from './aligned';

/** The parts of the library's Normalizer objects this file reads. */
export interface LibNormalizer {
  readonly config: { readonly type: string } & Record<string, unknown>;
  normalize(text: string): string;
  readonly normalizers?: readonly (LibNormalizer | null)[];
  readonly pattern?: RegExp | null;
}

export interface AlignStats {
  /** How many times a transform's alignment had to be recovered by resync (0 in the common case). */
  resyncs: number;
}

const CLUSTER = /\P{M}\p{M}*|\p{M}+/gsu;

export function normalizeAligned(normalizer: LibNormalizer, input: AlignedText, stats: AlignStats): AlignedText {
  switch (normalizer.config.type) {
    case 'Sequence': {
      let current = input;
      for (const step of normalizer.normalizers ?? []) {
        if (step) current = normalizeAligned(step, current, stats);
      }
      return current;
    }
    case 'Prepend':
      return prependAligned(input, normalizer.normalize(''));
    case 'Replace':
      return replaceAligned(normalizer, input, stats);
    case 'Strip': {
      const out = normalizer.normalize(input.text);
      const from = input.text.indexOf(out);
      return from >= 0 && out.length > 0 ? slice(input, from, from + out.length) : resync(input, out, stats);
    }
    default:
      return clusterwise((text) => normalizer.normalize(text), input, stats);
  }
}

/** `prefix` + input, the prefix aligned to the first character (nothing is prepended to ""). */
export function prependAligned(input: AlignedText, prefix: string): AlignedText {
  const out = new AlignedBuilder();
  if (input.text.length === 0) {
    out.push(prefix, 0, 0);
    return out.build();
  }
  out.push(prefix, input.starts[0], input.ends[0]);
  out.pushSlice(input, 0, input.text.length);
  return out.build();
}

function replaceAligned(normalizer: LibNormalizer, input: AlignedText, stats: AlignStats): AlignedText {
  const expected = normalizer.normalize(input.text);
  const pattern = normalizer.pattern;
  if (!pattern || !pattern.global) return resync(input, expected, stats);
  const content = typeof normalizer.config['content'] === 'string' ? (normalizer.config['content'] as string) : '';
  const out = new AlignedBuilder();
  let last = 0;
  for (const match of input.text.matchAll(pattern)) {
    const at = match.index ?? 0;
    out.pushSlice(input, last, at);
    const range = rangeOf(input, at, at + match[0].length) ?? edgeRange(input, at);
    if (content.length > 0) out.push(content, range[0], range[1]);
    last = at + match[0].length;
  }
  out.pushSlice(input, last, input.text.length);
  const built = out.build();
  return built.text === expected ? built : resync(built, expected, stats);
}

function clusterwise(transform: (text: string) => string, input: AlignedText, stats: AlignStats): AlignedText {
  const expected = transform(input.text);
  if (expected === input.text) return input;
  const out = new AlignedBuilder();
  for (const match of input.text.matchAll(CLUSTER)) {
    const at = match.index ?? 0;
    const piece = match[0];
    const transformed = transform(piece);
    if (transformed === piece) {
      out.pushSlice(input, at, at + piece.length);
    } else if (transformed.length > 0) {
      const range = rangeOf(input, at, at + piece.length) ?? edgeRange(input, at);
      out.push(transformed, range[0], range[1]);
    }
  }
  const built = out.build();
  if (built.text === expected) return built;
  // Same length: context-sensitive substitutions (final sigma) keep every unit's place.
  if (built.text.length === expected.length) return { text: expected, starts: built.starts, ends: built.ends };
  return resync(built, expected, stats);
}

function resync(candidate: AlignedText, expected: string, stats: AlignStats): AlignedText {
  stats.resyncs++;
  return alignByResync(candidate, expected).aligned;
}

function slice(input: AlignedText, from: number, to: number): AlignedText {
  const out = new AlignedBuilder();
  out.pushSlice(input, from, to);
  return out.build();
}

/** An empty range at unit `at` (before it, or at the end of the text). */
export function edgeRange(input: AlignedText, at: number): [number, number] {
  if (at < input.text.length) return [input.starts[at], input.starts[at]];
  const end = input.text.length > 0 ? input.ends[input.text.length - 1] : 0;
  return [end, end];
}
