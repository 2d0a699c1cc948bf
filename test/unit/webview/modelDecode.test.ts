/**
 * The model views' pure helpers (webview/src/panel/model/decode.ts) on what the model source
 * really sends for the fixture checkpoints, against the torch reference the fixture script
 * recorded (test/fixtures/models/<name>/reference.json: every layer's and head's weights and
 * scaled scores, masked entries null).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_VIEW_STATE, ModelEngine } from '../../../src/host/model/engine';
import { headColour, neuronRow, queryTokenOfUnit, relativeThumb, softmaxLine, thumbWeights, unitOfToken } from '../../../webview/src/panel/model/decode';

const MODELS = path.join(__dirname, '..', '..', 'fixtures', 'models');

interface Reference {
  text: string;
  ids: number[];
  attentions: number[][][][];
  scores: (number | null)[][][][];
  focus: { layer: number; head: number };
}

function reference(name: string): Reference {
  return JSON.parse(fs.readFileSync(path.join(MODELS, name, 'reference.json'), 'utf8')) as Reference;
}

for (const name of ['gpt2', 'bert', 'llama']) {
  test(`${name}: the softmax breakdown of the neuron view's query is the reference row, masked keys marked`, () => {
    const ref = reference(name);
    const engine = ModelEngine.load(path.join(MODELS, name));
    const { layer, head } = ref.focus;
    const query = 2;
    const snapshot = engine.runText(ref.text, { ...DEFAULT_VIEW_STATE, layer, head, query });
    const labels = snapshot.tokens.map((t) => t.text);
    const row = neuronRow(snapshot.neuron, labels);
    const refWeights = ref.attentions[layer]![head]![query]!;
    const refScores = ref.scores[layer]![head]![query]!;
    assert.equal(row.row, query);
    assert.equal(row.query, labels[query]);
    assert.equal(row.entries.length, ref.ids.length);
    row.entries.forEach((e, j) => {
      assert.equal(e.key, labels[j]);
      assert.ok(Math.abs(e.probability - refWeights[j]!) < 1e-4, `p at key ${j}: ${e.probability} vs ${refWeights[j]}`);
      if (refScores[j] === null) {
        assert.ok(e.masked, `key ${j} is masked in the reference`);
        assert.equal(e.exp, 0);
      } else {
        assert.ok(!e.masked, `key ${j} is not masked in the reference`);
        assert.ok(Math.abs(e.scaled - refScores[j]!) < 1e-4, `scaled score at key ${j}: ${e.scaled} vs ${refScores[j]}`);
        // raw ÷ scaleDivisor is the scaled score: the breakdown's first column is q·k before scaling.
        assert.ok(Math.abs(e.raw / row.scaleDivisor - refScores[j]!) < 1e-4, `raw / divisor at key ${j}`);
        // The derived columns reproduce the reference probability: exp(score − max) / Σ.
        assert.ok(Math.abs(e.exp / row.sum - refWeights[j]!) < 1e-5, `exp / Σ at key ${j}`);
      }
    });
    const causal = snapshot.model.causal;
    assert.equal(row.entries.some((e) => e.masked), causal, causal ? 'a causal query masks the later keys' : 'an encoder masks nothing');
    const heaviest = refWeights.indexOf(Math.max(...refWeights));
    assert.ok(row.line.startsWith(`${labels[query]} → ${refWeights[heaviest]!.toFixed(2)} ${labels[heaviest]}`), row.line);
  });

  test(`${name}: thumbnails read back as the reference weights (relative for the small multiples, absolute for the head view)`, () => {
    const ref = reference(name);
    const engine = ModelEngine.load(path.join(MODELS, name));
    const snapshot = engine.runText(ref.text, DEFAULT_VIEW_STATE);
    const n = ref.ids.length;
    for (let l = 0; l < ref.attentions.length; l++) {
      const full = engine.layerHeads(l, DEFAULT_VIEW_STATE);
      for (let h = 0; h < ref.attentions[l]!.length; h++) {
        const w = ref.attentions[l]![h]!;
        const max = Math.max(...w.flat());
        const relative = new Uint8Array(relativeThumb(snapshot.thumbs[l]!.heads[h]!).data);
        const absolute = thumbWeights(full.heads[h]!);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            // Absolute quantisation is 1/255 (±0.5); relative rescales it by 1/max, so its error grows by that.
            assert.ok(Math.abs(relative[i * n + j]! - (255 * w[i]![j]!) / max) <= 0.5 / max + 0.51, `L${l}H${h} relative (${i}, ${j})`);
            assert.ok(Math.abs(absolute[i * n + j]! - w[i]![j]!) <= 0.5 / 255 + 1e-4, `L${l}H${h} absolute (${i}, ${j})`);
          }
        }
      }
    }
  });
}

test('bert, words: a unit is found from any of its tokens, and stands as a query for its last one', () => {
  const engine = ModelEngine.load(path.join(MODELS, 'bert'));
  // The fixture's small vocabulary splits these words into several pieces each.
  const snapshot = engine.runText('The catsat onthe [MASK] unbelievable .', { ...DEFAULT_VIEW_STATE, options: { hideSpecial: true, renormalize: true, aggregate: 'words' } });
  const tokens = snapshot.tokens;
  assert.ok(snapshot.units.some((u) => u.tokens.length > 1), 'some word has several pieces');
  // Independently: the tokens kept (hidden: the specials the post-processor added, without an
  // offset; a [MASK] typed in the text stays), grouped by word id in order.
  const kept = tokens.map((t, i) => ({ t, i })).filter(({ t }) => !(t.special && t.offset === null));
  for (const { t, i } of kept) {
    const unit = unitOfToken(snapshot.units, i);
    assert.ok(unit >= 0, `token ${i} is in a unit`);
    const sameWord = kept.filter((k) => k.t.word === t.word).map((k) => k.i);
    assert.deepEqual(snapshot.units[unit]!.tokens, sameWord);
    assert.equal(queryTokenOfUnit(snapshot.units, unit), sameWord[sameWord.length - 1]);
  }
  for (const [i, t] of tokens.entries()) if (t.special && t.offset === null) assert.equal(unitOfToken(snapshot.units, i), -1, `hidden special ${i} is in no unit`);
  assert.equal(queryTokenOfUnit(snapshot.units, snapshot.units.length), undefined);
});

test('the softmax line lists the heaviest unmasked keys first and says how much the rest holds', () => {
  const entry = (key: string, probability: number, masked = false) => ({ key, raw: 0, scaled: masked ? -Infinity : 0, minusMax: 0, exp: 0, probability, masked });
  assert.equal(softmaxLine('cat', [entry('The', 0.25), entry('cat', 0.75), entry('sat', 0, true)]), 'cat → 0.75 cat + 0.25 The');
  const many = Array.from({ length: 20 }, (_, j) => entry(`k${j}`, (j + 1) / 210));
  const line = softmaxLine('q', many);
  assert.match(line, /^q → 0\.10 k19 \+ 0\.09 k18 \+ /);
  assert.match(line, / \+ … 8 more keys \(together 0\.17\)$/); // (1 + … + 8) / 210 = 36 / 210
});

test('head colours are distinct: the categorical ten, then hues 137.5° apart', () => {
  for (const heads of [4, 10, 12, 32]) {
    const colours = Array.from({ length: heads }, (_, h) => headColour(h, heads));
    for (let a = 0; a < heads; a++) {
      for (let b = a + 1; b < heads; b++) {
        const [x, y] = [colours[a]!, colours[b]!];
        const distance = Math.hypot(x.r - y.r, x.g - y.g, x.b - y.b);
        assert.ok(distance > 12, `${heads} heads: ${a} and ${b} are ${distance.toFixed(1)} apart`);
      }
    }
  }
});
