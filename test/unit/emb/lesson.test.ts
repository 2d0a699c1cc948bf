import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { lessonSamplePath } from '../../../src/emb/loadFile';
import { parseEmbBytes } from '../../../src/emb/formats/text/parse';
import { tokenize } from '../../../src/emb/tokenize';
import { DECK_SENTENCES, DECK_WORDS, checkLesson, lessonEntries, lessonText } from '../../../scripts/samples/make_lesson';

const ROOT = path.join(__dirname, '..', '..', '..');

test('samples/lesson.emb is exactly what scripts/samples/make_lesson.ts generates, and obeys its rules', () => {
  const entries = lessonEntries();
  assert.deepEqual(checkLesson(entries), []);
  assert.equal(readFileSync(lessonSamplePath(ROOT), 'utf8'), lessonText(entries), 'run: node --import tsx scripts/samples/make_lesson.ts');
  assert.ok(entries.length >= 300, `${entries.length} words`);
});

test("the lesson set parses cleanly, keeps the deck's values and holds every word of the deck's sentences", () => {
  const parsed = parseEmbBytes(readFileSync(lessonSamplePath(ROOT)), { name: 'lesson.emb' });
  assert.deepEqual(parsed.problems, []);
  const store = parsed.store;
  assert.deepEqual(store.dimNames?.slice(0, 3), ['tech', 'fruitness', 'other']);
  for (const [word, first] of Object.entries(DECK_WORDS)) {
    const row = Array.from(store.vector(store.indexOf(word)));
    assert.deepEqual(row, [...first, ...new Array(store.dim - 3).fill(0)], word);
  }
  for (const sentence of DECK_SENTENCES) {
    for (const token of tokenize(sentence, { lowercase: true, punctuation: 'drop' })) assert.ok(store.indexOf(token.text) >= 0, token.text);
  }
  assert.ok(store.vocabulary.toArray().every((t) => t === t.toLowerCase()));
});

test("cosine + softmax over the lesson rows of 'orange apple and an' gives the deck's line", () => {
  const store = parseEmbBytes(readFileSync(lessonSamplePath(ROOT))).store;
  const words = ['orange', 'apple', 'and', 'an'];
  const rows = words.map((w) => Array.from(store.vector(store.indexOf(w))));
  const norm = (v: number[]) => Math.hypot(...v);
  const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0) / (norm(a) * norm(b));
  const scores = rows.map((r) => cosine(rows[0]!, r));
  const exps = scores.map(Math.exp);
  const sum = exps.reduce((s, x) => s + x, 0);
  const line = `orange → ${exps.map((e, i) => `${(e / sum).toFixed(2)} ${words[i]}`).join(' + ')}`;
  assert.equal(line, 'orange → 0.40 orange + 0.30 apple + 0.15 and + 0.15 an');
});
