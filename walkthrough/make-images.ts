/**
 * Draws the walkthrough's six pictures (walkthrough/*.svg) from the bundled samples through the
 * same core the extension runs, so every number in them is one Headlight computes:
 *
 *   node --import tsx walkthrough/make-images.ts
 *
 * The SVGs take their colours from the VS Code theme (CSS variables, with fallbacks), as
 * walkthrough media of type `svg` may. Nothing here ships: .vscodeignore drops *.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { explainRow, explainSoftmaxRow, randomMultiHeadWeights, runAttention, workedArithmetic, type Matrix } from '../src/core';
import { parseEmb } from '../src/emb/formats/text/parse';
import { LESSON_SCENES } from '../src/host/lessonContent';
import type { EmbeddingStore } from '../src/emb/store';
import { forward } from '../src/core/models';
import { loadModel } from '../src/model';
import { displayToken } from '../src/shared/displayToken';
import { BUNDLED_MODEL_TEXT, uniformPreviousTokenScore } from '../src/host/trainedDefaultsContent';

const root = join(__dirname, '..');
const load = (file: string): EmbeddingStore => parseEmb(readFileSync(join(root, file), 'utf8'), { name: file }).store;

const C = {
  fg: 'var(--vscode-foreground, #cccccc)',
  muted: 'var(--vscode-descriptionForeground, #9d9d9d)',
  grid: 'var(--vscode-editorWidget-border, #454545)',
  fruit: 'var(--vscode-charts-orange, #d18616)',
  tech: 'var(--vscode-charts-blue, #3794ff)',
  apple: 'var(--vscode-charts-purple, #b180d7)',
  other: 'var(--vscode-charts-green, #89d185)',
  heat: 'var(--vscode-charts-yellow, #cca700)',
  font: 'var(--vscode-font-family, system-ui, sans-serif)',
  mono: 'var(--vscode-editor-font-family, monospace)',
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (x: number, digits = 2) => x.toFixed(digits);

function text(x: number, y: number, body: string, attrs: Record<string, string | number> = {}): string {
  const extra = Object.entries({ fill: C.fg, 'font-size': 13, ...attrs })
    .map(([k, v]) => `${k}="${v}"`)
    .join(' ');
  return `<text x="${num(x, 1)}" y="${num(y, 1)}" ${extra}>${esc(body)}</text>`;
}

function svg(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(title)}" font-family="${C.font}">`,
    `<title>${esc(title)}</title>`,
    `<defs>${['fruit', 'tech', 'apple', 'muted'].map((k) => `<marker id="arrow-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${C[k as keyof typeof C]}"/></marker>`).join('')}</defs>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** A Tech × Fruitness plane: returns a mapper from data to pixels and its axes. */
function plane(x0: number, y0: number, size: number, max: number, labels: [string, string]) {
  const px = (v: number) => x0 + (v / max) * size;
  const py = (v: number) => y0 + size - (v / max) * size;
  const parts: string[] = [];
  for (let t = 0; t <= max; t++) {
    parts.push(`<line x1="${px(t)}" y1="${py(0)}" x2="${px(t)}" y2="${py(max)}" stroke="${C.grid}" stroke-width="0.5"/>`);
    parts.push(`<line x1="${px(0)}" y1="${py(t)}" x2="${px(max)}" y2="${py(t)}" stroke="${C.grid}" stroke-width="0.5"/>`);
    parts.push(text(px(t), py(0) + 15, String(t), { fill: C.muted, 'font-size': 10, 'text-anchor': 'middle' }));
    if (t > 0) parts.push(text(px(0) - 8, py(t) + 4, String(t), { fill: C.muted, 'font-size': 10, 'text-anchor': 'end' }));
  }
  parts.push(`<line x1="${px(0)}" y1="${py(0)}" x2="${px(max)}" y2="${py(0)}" stroke="${C.muted}"/>`);
  parts.push(`<line x1="${px(0)}" y1="${py(0)}" x2="${px(0)}" y2="${py(max)}" stroke="${C.muted}"/>`);
  parts.push(text(px(max), py(0) + 30, labels[0], { fill: C.muted, 'font-size': 12, 'text-anchor': 'end' }));
  parts.push(text(px(0) - 8, py(max) - 10, labels[1], { fill: C.muted, 'font-size': 12 }));
  return { px, py, parts };
}

function dot(x: number, y: number, colour: string, label: string, dx = 8, dy = -8): string[] {
  return [`<circle cx="${num(x, 1)}" cy="${num(y, 1)}" r="5" fill="${colour}"/>`, text(x + dx, y + dy, label, { fill: colour, 'font-weight': 600 })];
}

function row(store: EmbeddingStore, token: string): Float32Array {
  const i = store.lookup(token);
  if (i < 0) throw new Error(`${token} is not in ${store.name}`);
  return store.vector(i);
}

function rows(store: EmbeddingStore, tokens: readonly string[]): Matrix {
  return store.rows(tokens.map((t) => store.lookup(t)));
}

// 1. Embeddings: the deck's table and apple between orange and phone.
function embeddings(): string {
  const lesson = load('samples/lesson.emb');
  const words = ['orange', 'phone', 'apple', 'and', 'an'] as const;
  const colour = { orange: C.fruit, phone: C.tech, apple: C.apple, and: C.other, an: C.other };
  const p = plane(60, 40, 220, 4, ['tech →', '↑ fruitness']);
  const body = [...p.parts];
  for (const w of ['orange', 'phone', 'apple'] as const) {
    const v = row(lesson, w);
    body.push(`<line x1="${p.px(0)}" y1="${p.py(0)}" x2="${num(p.px(v[0]!), 1)}" y2="${num(p.py(v[1]!), 1)}" stroke="${colour[w]}" stroke-width="1.5" stroke-dasharray="3 3"/>`);
    body.push(...dot(p.px(v[0]!), p.py(v[1]!), colour[w], w));
  }
  // The table, values straight from samples/lesson.emb.
  const tx = 340;
  body.push(text(tx, 52, 'lesson.emb', { fill: C.muted, 'font-size': 12 }));
  ['tech', 'fruit', 'other'].forEach((h, j) => body.push(text(tx + 78 + j * 44, 76, h, { fill: C.muted, 'font-size': 11, 'text-anchor': 'end' })));
  words.forEach((w, i) => {
    const v = row(lesson, w);
    const y = 100 + i * 24;
    body.push(text(tx, y, w, { fill: colour[w], 'font-weight': 600, 'font-family': C.mono }));
    for (let j = 0; j < 3; j++) body.push(text(tx + 78 + j * 44, y, String(v[j]), { 'font-family': C.mono, 'text-anchor': 'end' }));
  });
  body.push(text(tx, 236, `+ ${lesson.dim - 3} more dimensions,`, { fill: C.muted, 'font-size': 11 }));
  body.push(text(tx, 252, `${lesson.count} words in all`, { fill: C.muted, 'font-size': 11 }));
  return svg(520, 300, 'Embeddings: orange, phone and apple on the tech and fruitness dimensions of the lesson set', body);
}

// 2. Similarity: the deck's three measures on cherries, tomato, smartphone.
function similarity(): string {
  const deck = load('samples/deck-cherries.emb');
  const names = ['Cherries', 'Tomato', 'Smartphone'] as const;
  const colour = { Cherries: C.apple, Tomato: C.fruit, Smartphone: C.tech };
  const p = plane(50, 50, 200, 4, ['Tech →', '↑ Fruitness']);
  const body = [...p.parts];
  for (const w of names) {
    const v = row(deck, w);
    const key = w === 'Cherries' ? 'apple' : w === 'Tomato' ? 'fruit' : 'tech';
    body.push(`<line x1="${p.px(0)}" y1="${p.py(0)}" x2="${num(p.px(v[0]!), 1)}" y2="${num(p.py(v[1]!), 1)}" stroke="${colour[w]}" stroke-width="2" marker-end="url(#arrow-${key})"/>`);
    const [dx, dy] = w === 'Smartphone' ? [-20, -10] : [8, 4];
    body.push(text(p.px(v[0]!) + dx, p.py(v[1]!) + dy, `${w} (${v[0]}, ${v[1]})`, { fill: colour[w], 'font-weight': 600, 'font-size': 12 }));
  }
  const pairs = [
    ['Cherries', 'Tomato'],
    ['Cherries', 'Smartphone'],
    ['Tomato', 'Smartphone'],
  ] as const;
  const tx = 340;
  pairs.forEach(([a, b], i) => {
    const worked = workedArithmetic(row(deck, a), row(deck, b));
    const y = 60 + i * 78;
    body.push(text(tx, y, `${a} · ${b}`, { 'font-weight': 600 }));
    body.push(text(tx, y + 18, `dot     ${worked.dot}`, { 'font-family': C.mono, 'font-size': 12 }));
    body.push(text(tx, y + 34, `scaled  ${worked.scaled}`, { 'font-family': C.mono, 'font-size': 12 }));
    body.push(text(tx, y + 50, `cosine  ${worked.cosine.replace(/^.*= /, '')}`, { 'font-family': C.mono, 'font-size': 12 }));
  });
  return svg(620, 310, 'Similarity: dot product, scaled dot product and cosine of cherries, tomato and smartphone', body);
}

// 3. Softmax: the orange row of "orange apple and an", every step.
function softmax(): string {
  const lesson = load('samples/lesson.emb');
  const tokens = ['orange', 'apple', 'and', 'an'];
  const report = runAttention(rows(lesson, tokens), { kind: 'lesson' }, { measure: 'cosine' });
  const head = report.heads[0]!;
  const breakdown = explainSoftmaxRow(head, 0);
  const line = explainRow(head.weights, 0, tokens).text;
  const body: string[] = [];
  const cols = ['key', 'cosine', '− max', 'exp', '÷ Σ', ''];
  const xs = [20, 150, 230, 310, 390, 410];
  cols.forEach((c, j) => body.push(text(xs[j]!, 34, c, { fill: C.muted, 'font-size': 12, 'text-anchor': j === 0 || j === 5 ? 'start' : 'end' })));
  breakdown.entries.forEach((e, i) => {
    const y = 62 + i * 30;
    body.push(text(xs[0]!, y, tokens[i]!, { 'font-family': C.mono, 'font-weight': 600 }));
    body.push(text(xs[1]!, y, num(e.raw), { 'font-family': C.mono, 'text-anchor': 'end' }));
    body.push(text(xs[2]!, y, num(e.minusMax), { 'font-family': C.mono, 'text-anchor': 'end' }));
    body.push(text(xs[3]!, y, num(e.exp), { 'font-family': C.mono, 'text-anchor': 'end' }));
    body.push(text(xs[4]!, y, num(e.probability), { 'font-family': C.mono, 'text-anchor': 'end', 'font-weight': 600 }));
    body.push(`<rect x="${xs[5]}" y="${y - 13}" width="${num(e.probability * 250, 1)}" height="16" rx="2" fill="${C.heat}"/>`);
  });
  const sumY = 62 + breakdown.entries.length * 30;
  body.push(`<line x1="${xs[0]}" y1="${sumY - 16}" x2="${xs[4]}" y2="${sumY - 16}" stroke="${C.grid}"/>`);
  body.push(text(xs[0]!, sumY, 'Σ exp', { fill: C.muted }));
  body.push(text(xs[3]!, sumY, num(breakdown.sum), { 'font-family': C.mono, 'text-anchor': 'end' }));
  body.push(text(xs[0]!, sumY + 40, line, { 'font-family': C.mono, 'font-size': 14, 'font-weight': 600 }));
  return svg(680, sumY + 60, `Softmax breakdown of the orange row: ${line}`, body);
}

// 4. Attention: apple's output in the two sentences (context pulls).
function attention(): string {
  const lesson = load('samples/lesson.emb');
  const p = plane(60, 30, 240, 4, ['tech →', '↑ fruitness']);
  const body = [...p.parts];
  for (const [w, colour] of [['orange', C.fruit], ['phone', C.tech], ['apple', C.apple]] as const) {
    const v = row(lesson, w);
    body.push(...dot(p.px(v[0]!), p.py(v[1]!), colour, w, 8, -8));
  }
  const apple = row(lesson, 'apple');
  const legend: string[] = [];
  for (const [sentence, colour, key] of [['an apple and an orange', C.fruit, 'fruit'], ['an apple phone', C.tech, 'tech']] as const) {
    const tokens = sentence.split(' ');
    const report = runAttention(rows(lesson, tokens), { kind: 'lesson' }, { measure: 'cosine' });
    const at = tokens.indexOf('apple');
    const out = report.output.data.subarray(at * report.output.cols, at * report.output.cols + 2);
    body.push(
      `<line x1="${num(p.px(apple[0]!), 1)}" y1="${num(p.py(apple[1]!), 1)}" x2="${num(p.px(out[0]!), 1)}" y2="${num(p.py(out[1]!), 1)}" stroke="${colour}" stroke-width="2.5" marker-end="url(#arrow-${key})"/>`,
    );
    body.push(`<circle cx="${num(p.px(out[0]!), 1)}" cy="${num(p.py(out[1]!), 1)}" r="3.5" fill="none" stroke="${colour}" stroke-width="1.5"/>`);
    legend.push(sentence, explainRow(report.heads[0]!.weights, at, tokens).text, `apple’s output: tech ${num(out[0]!)}, fruitness ${num(out[1]!)}`);
  }
  const tx = 340;
  for (let i = 0; i < 2; i++) {
    const y = 60 + i * 100;
    body.push(text(tx, y, legend[i * 3]!, { fill: i === 0 ? C.fruit : C.tech, 'font-weight': 600, 'font-size': 14 }));
    body.push(text(tx, y + 22, legend[i * 3 + 1]!, { 'font-family': C.mono, 'font-size': 10.5 }));
    body.push(text(tx, y + 40, legend[i * 3 + 2]!, { fill: C.muted, 'font-size': 12 }));
  }
  return svg(740, 320, 'Attention: apple moves toward orange in “an apple and an orange” and toward phone in “an apple phone”', body);
}

// 5. Multi-head: the lesson's seeded random heads over the deck's sentence.
function heads(): string {
  const lesson = load('samples/lesson.emb');
  const scene = LESSON_SCENES.heads;
  const tokens = scene.sentence.split(' ');
  const count = scene.options.heads;
  const weights = randomMultiHeadWeights(lesson.dim, count, scene.options.seed);
  const report = runAttention(rows(lesson, tokens), { kind: 'weights', weights }, { measure: 'scaled', scale: true });
  const n = tokens.length;
  const cell = 22;
  const body: string[] = [];
  const appleRow = tokens.indexOf('apple');
  report.heads.forEach((head, h) => {
    const x0 = 70 + h * (n * cell + 40);
    const y0 = 60;
    let min = Infinity;
    let max = 0;
    for (const w of head.weights.data) {
      min = Math.min(min, w);
      max = Math.max(max, w);
    }
    body.push(text(x0 + (n * cell) / 2, 30, `head ${h + 1}`, { 'font-weight': 600, 'text-anchor': 'middle' }));
    for (let i = 0; i < n; i++) {
      if (h === 0) body.push(text(x0 - 6, y0 + i * cell + 15, tokens[i]!, { 'font-size': 11, 'text-anchor': 'end', fill: i === appleRow ? C.apple : C.fg }));
      for (let j = 0; j < n; j++) {
        const w = head.weights.data[i * n + j]!;
        body.push(`<rect x="${x0 + j * cell}" y="${y0 + i * cell}" width="${cell - 2}" height="${cell - 2}" fill="${C.heat}" fill-opacity="${num(0.08 + 0.92 * ((w - min) / (max - min || 1)), 3)}"><title>${esc(`${tokens[i]} → ${tokens[j]}: ${num(w, 3)}`)}</title></rect>`);
      }
    }
    body.push(`<rect x="${x0 - 1}" y="${y0 + appleRow * cell - 1}" width="${n * cell}" height="${cell}" fill="none" stroke="${C.apple}" stroke-width="1.5"/>`);
    const line = explainRow(head.weights, appleRow, tokens).text;
    const top = line.split(' + ').slice(0, 1).join(' + ').replace(/^apple → /, '');
    body.push(text(x0 + (n * cell) / 2, y0 + n * cell + 22, `apple → ${top} + …`, { 'font-size': 10, 'font-family': C.mono, 'text-anchor': 'middle' }));
  });
  body.push(text(20, 60 + n * cell + 50, 'Rows: queries; columns: keys, in the same order. Colour runs from each head’s smallest weight to its largest.', { fill: C.muted, 'font-size': 12 }));
  body.push(
    text(20, 60 + n * cell + 68, `Seeded random W_Q, W_K, W_V (seed ${scene.options.seed}); d = ${lesson.dim} split into ${count} heads of d_k = ${lesson.dim / count}: each head attends differently.`, {
      fill: C.muted,
      'font-size': 12,
    }),
  );
  return svg(Math.max(700, 70 + count * (n * cell + 40)), 60 + n * cell + 84, `Multi-head attention: ${count} heads over “${scene.sentence}”`, body);
}

// 6. A trained model: the bundled GPT-2's best previous-token head over the lesson's sentence.
function trained(): string {
  const dir = join(root, 'samples', 'model');
  const measured = JSON.parse(readFileSync(join(dir, 'measurements.json'), 'utf8')) as { threshold: number; best: { previousToken: { layer: number; head: number; score: number } } };
  const best = measured.best.previousToken;
  const { model, tokenizer } = loadModel(dir);
  if (!tokenizer) throw new Error('samples/model has no tokenizer');
  const sentence = BUNDLED_MODEL_TEXT.trim().split('. ')[0]! + '.';
  const ids = tokenizer.encode(sentence, { addSpecialTokens: false }).ids;
  const tokens = ids.map((id) => displayToken(tokenizer.decode([id])));
  const w = forward(model, ids, { keep: 'weights' }).layers[best.layer]!.heads[best.head]!.weights!;
  const n = ids.length;
  const cell = 24;
  const x0 = 90;
  const y0 = 40;
  const body: string[] = [text(x0 + (n * cell) / 2, 24, `L${best.layer + 1} H${best.head + 1} of the bundled model (README: L${best.layer} H${best.head})`, { 'font-weight': 600, 'text-anchor': 'middle' })];
  for (let i = 0; i < n; i++) {
    body.push(text(x0 - 6, y0 + i * cell + 16, tokens[i]!, { 'font-size': 11, 'text-anchor': 'end', 'font-family': C.mono }));
    body.push(text(x0 + i * cell + cell / 2 - 1, y0 + n * cell + 14, tokens[i]!, { 'font-size': 10, 'text-anchor': 'end', 'font-family': C.mono, transform: `rotate(-60 ${x0 + i * cell + cell / 2 - 1} ${y0 + n * cell + 14})` }));
    for (let j = 0; j <= i; j++) {
      const v = w.data[i * n + j]!;
      body.push(`<rect x="${x0 + j * cell}" y="${y0 + i * cell}" width="${cell - 2}" height="${cell - 2}" fill="${C.heat}" fill-opacity="${num(0.06 + 0.94 * v, 3)}"><title>${esc(`${tokens[i]} → ${tokens[j]}: ${num(v, 3)}`)}</title></rect>`);
    }
    // The previous token of each query: where a previous-token head puts its weight.
    if (i > 0) body.push(`<rect x="${x0 + (i - 1) * cell - 1}" y="${y0 + i * cell - 1}" width="${cell}" height="${cell}" fill="none" stroke="${C.tech}" stroke-width="1"/>`);
  }
  const below = y0 + n * cell + 70;
  body.push(text(20, below, `Rows: query tokens; columns: keys (a causal model sees only the past). Outlined: the token just before each query.`, { fill: C.muted, 'font-size': 12 }));
  body.push(
    text(20, below + 18, `On validation text this head gives ${num(best.score, 3)} of its weight to the previous token (even spreading: ${num(uniformPreviousTokenScore(128), 3)}): ${best.score > measured.threshold ? `past ${measured.threshold}, a previous-token head` : 'a previous-token head still forming'}.`, {
      fill: C.muted,
      'font-size': 12,
    }),
  );
  return svg(Math.max(760, x0 + n * cell + 40), below + 34, `The bundled model's best previous-token head over “${sentence}”`, body);
}

const pictures: Record<string, () => string> = { embeddings, similarity, softmax, attention, heads, trained };
for (const [name, draw] of Object.entries(pictures)) {
  const file = join(__dirname, `${name}.svg`);
  const content = draw();
  writeFileSync(file, content);
  console.log(`walkthrough/${name}.svg ${content.length} bytes`);
}
