import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEmbBytes, type ParsedEmb } from '../../../src/emb/formats/text/parse';
import { parseEmbBytesSliced } from '../../../src/host/emb/backgroundParse';
import { copyAllRows } from '../../../src/emb/store';

function summary(parsed: ParsedEmb) {
  return {
    tokens: [...parsed.store.vocabulary.toArray()],
    dim: parsed.store.dim,
    vectors: [...copyAllRows(parsed.store)],
    norms: [...parsed.store.norms],
    dimNames: parsed.dimNames,
    layout: parsed.layout,
    lines: [...parsed.lineOfToken],
    spaced: [...parsed.spaced].sort((a, b) => a - b),
    problems: parsed.problems,
    omitted: parsed.problemsOmitted,
  };
}

/** A file big enough to cross several 512 KiB blocks, with problems, spaced tokens and \r\n lines. */
function bigFile(): Uint8Array {
  const lines = ['# dims: a b c', '6001 3'];
  for (let i = 0; i < 6000; i++) {
    const values = [Math.sin(i), Math.cos(i) * 100, i / 7].map((v) => v.toFixed(6)).join(' ');
    if (i % 997 === 0) lines.push(`word ${i} ${values}`); // a token with a space
    else if (i % 1499 === 0) lines.push(`w${i} 1 x 2`); // not a number
    else if (i % 1777 === 0) lines.push(`w${i - 1} ${values}`); // duplicate
    else lines.push(`w${i}\t${values}`);
  }
  return new TextEncoder().encode(`${lines.join('\r\n')}${'x'.repeat(200)} 1 2 3`.repeat(6));
}

test('the sliced parse gives exactly what parseEmbBytes gives', async () => {
  for (const bytes of [
    new TextEncoder().encode('# dims: Tech Fruitness Other\norange 0 3 0\nphone 4 0 0\napple 2 2 0\n'),
    new TextEncoder().encode(''),
    new TextEncoder().encode('apple 1 2\napple 3 4\nnew york 5 6\npear nan 1'),
    bigFile(),
  ]) {
    const sliced = await parseEmbBytesSliced(bytes, { name: 'x' });
    assert.deepEqual(summary(sliced), summary(parseEmbBytes(bytes, { name: 'x' })));
  }
});

test('the sliced parse stops when aborted, and reports progress up to 1', async () => {
  const bytes = bigFile();
  const controller = new AbortController();
  const fractions: number[] = [];
  const run = parseEmbBytesSliced(bytes, {
    signal: controller.signal,
    onProgress: (f) => {
      fractions.push(f);
      if (fractions.length === 2) controller.abort();
    },
  });
  await assert.rejects(run, (e: unknown) => e instanceof Error && e.name === 'AbortError');
  const seen: number[] = [];
  await parseEmbBytesSliced(bytes, { onProgress: (f) => seen.push(f) });
  assert.equal(seen.at(-1), 1);
  for (let i = 1; i < seen.length; i++) assert.ok((seen[i] ?? 0) >= (seen[i - 1] ?? 0));
});
