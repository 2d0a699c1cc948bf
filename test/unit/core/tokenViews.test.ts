/**
 * Rollout (src/core/rollout.ts) and token grouping (src/core/tokenGroups.ts) against numpy in
 * float64 (test/fixtures/core/token_views.json, written by scripts/fixtures/make_token_view_fixtures.py
 * from the torch reference attentions of the model fixtures). The inputs are the torch attentions
 * themselves, so only the functions under test stand between the fixture and the expectation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { headAverage, residualAttention, rollout } from '../../../src/core/rollout';
import { applyUnits, groupTokens, hideTokens, unitGroups } from '../../../src/core/tokenGroups';
import type { Matrix } from '../../../src/core';
import { assertMatrixClose, fixtureJson, mat } from './helpers';

interface Case {
  n: number;
  special: boolean[];
  groups: number[][];
  rollout: number[][][];
  head: { layer: number; head: number };
  hidden: { asIs: number[][]; renormalised: number[][] };
  words: number[][];
  hiddenGroups: number[][];
  hiddenWords: number[][];
}

const fixture = fixtureJson<{ models: Record<string, Case> }>('token_views.json');
const MODELS = path.join(__dirname, '..', '..', 'fixtures', 'models');

function torchAttentions(name: string): Matrix[][] {
  const ref = JSON.parse(fs.readFileSync(path.join(MODELS, name, 'reference.json'), 'utf8')) as { attentions: number[][][][] };
  return ref.attentions.map((layer) => layer.map((head) => mat(head)));
}

for (const [name, c] of Object.entries(fixture.models)) {
  const layers = torchAttentions(name);
  const averages = layers.map((heads) => headAverage(heads));

  test(`${name}: rollout through every depth equals numpy's`, () => {
    assert.equal(c.rollout.length, layers.length);
    c.rollout.forEach((expected, upTo) => {
      const r = rollout(averages, upTo);
      assertMatrixClose(r, expected, 1e-6, `${name} rollout to layer ${upTo}`);
      // The property the paper relies on, checked independently of numpy: rows are distributions.
      for (let i = 0; i < r.rows; i++) {
        let sum = 0;
        for (let j = 0; j < r.cols; j++) sum += r.data[i * r.cols + j]!;
        assert.ok(Math.abs(sum - 1) < 1e-5, `${name} rollout row ${i} sums to ${sum}`);
      }
    });
  });

  test(`${name}: hiding specials, as is and renormalised, equals numpy's`, () => {
    const head = layers[c.head.layer]![c.head.head]!;
    assertMatrixClose(hideTokens(head, c.special, false), c.hidden.asIs, 1e-7, `${name} hidden as is`);
    assertMatrixClose(hideTokens(head, c.special, true), c.hidden.renormalised, 1e-6, `${name} hidden renormalised`);
  });

  test(`${name}: words (sum over keys, mean over queries), alone and after hiding, equal numpy's`, () => {
    const head = layers[c.head.layer]![c.head.head]!;
    assertMatrixClose(groupTokens(head, c.groups), c.words, 1e-6, `${name} words`);
    // applyUnits with groups that leave the specials out = hide (renormalised) then group.
    const keptGroups = c.groups.map((g) => g.filter((i) => !c.special[i])).filter((g) => g.length > 0);
    assertMatrixClose(applyUnits(head, keptGroups, true), c.hiddenWords, 1e-6, `${name} hidden words`);
  });
}

test('causal rollout stays lower-triangular', () => {
  const layers = torchAttentions('gpt2');
  const r = rollout(layers.map((h) => headAverage(h)));
  for (let i = 0; i < r.rows; i++) for (let j = i + 1; j < r.cols; j++) assert.equal(r.data[i * r.cols + j], 0, `(${i}, ${j})`);
});

test('residualAttention: residual 1 is the identity, residual 0 renormalises A', () => {
  const a = mat([[0.5, 0.5], [0.25, 0.25]]);
  assertMatrixClose(residualAttention(a, 1), [[1, 0], [0, 1]], 0, 'identity');
  assertMatrixClose(residualAttention(a, 0), [[0.5, 0.5], [0.5, 0.5]], 1e-7, 'renormalised');
  assert.throws(() => residualAttention(a, 1.5), /outside \[0, 1\]/);
});

test('hideTokens: a row left with no weight stays 0, never NaN', () => {
  const w = mat([[1, 0, 0], [0.5, 0.5, 0], [1, 0, 0]]);
  const out = hideTokens(w, [true, false, false], true);
  assert.deepEqual(Array.from(out.data), [1, 0, 0, 0]);
});

test('unitGroups: words from word ids, specials alone or hidden', () => {
  // [CLS] un ##believ ##able ! [SEP]
  const wordIds = [null, 0, 0, 0, 1, null];
  const special = [true, false, false, false, false, true];
  assert.deepEqual(unitGroups(wordIds, special, { hideSpecial: false, aggregate: 'tokens' }), [[0], [1], [2], [3], [4], [5]]);
  assert.deepEqual(unitGroups(wordIds, special, { hideSpecial: false, aggregate: 'words' }), [[0], [1, 2, 3], [4], [5]]);
  assert.deepEqual(unitGroups(wordIds, special, { hideSpecial: true, aggregate: 'words' }), [[1, 2, 3], [4]]);
  assert.deepEqual(unitGroups(wordIds, special, { hideSpecial: true, aggregate: 'tokens' }), [[1], [2], [3], [4]]);
});

test('bad shapes and groups are refused with what is wrong', () => {
  const w = mat([[1, 0], [0, 1]]);
  assert.throws(() => groupTokens(w, [[0, 1], [1]]), /token 1 is in two groups/);
  assert.throws(() => groupTokens(w, [[2]]), /token 2 is outside 0…1/);
  assert.throws(() => hideTokens(w, [true], false), /1 flags for 2 tokens/);
  assert.throws(() => rollout([w], 1), /layer 1 is outside 0…0/);
  assert.throws(() => headAverage([w, mat([[1]])]), /head 1 is 1×1, expected 2×2/);
});
