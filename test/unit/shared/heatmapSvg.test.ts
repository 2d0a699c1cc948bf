/**
 * Export Heatmap as SVG (src/shared/heatmapSvg.ts): the document is well-formed XML (checked by a
 * small strict reader written here: every tag balanced, every attribute quoted, no bare `<` or
 * `&` in text), its cells carry the focused head's weights — against the torch reference of the
 * GPT-2 fixture (test/fixtures/models/gpt2/reference.json), and bit for bit the float32 the
 * engine computed — and hostile tokens come out as text. The e2e test parses the exported file
 * with Chromium's own XML parser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_VIEW_STATE } from '../../../src/host/model/engine';
import { heatmapSvgChunks, TITLED_CELLS_MAX } from '../../../src/shared/heatmapSvg';
import { fixtureEngine } from './modelMessages';

interface Element {
  readonly name: string;
  readonly attrs: Record<string, string>;
  readonly children: Element[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string, where: string): string {
  assert.ok(!/[<]/.test(text), `${where}: a bare < in ${JSON.stringify(text.slice(0, 40))}`);
  return text.replace(/&([a-z]+);|&/g, (all, name: string | undefined) => {
    assert.ok(name && name in ENTITIES, `${where}: a bare & or unknown entity ${all}`);
    return ENTITIES[name!]!;
  });
}

/** A strict reader for the XML this module writes: elements, quoted attributes, text, one prolog. */
function parseXml(xml: string): Element {
  let at = 0;
  const prolog = /^<\?xml [^?]*\?>\s*/.exec(xml);
  assert.ok(prolog, 'an XML declaration first');
  at = prolog[0].length;
  const root: Element = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: Element[] = [root];
  while (at < xml.length) {
    const lt = xml.indexOf('<', at);
    const text = xml.slice(at, lt < 0 ? xml.length : lt);
    stack[stack.length - 1]!.text += decode(text, `text at ${at}`);
    if (lt < 0) break;
    const gt = xml.indexOf('>', lt);
    assert.ok(gt > lt, `an unclosed tag at ${lt}`);
    const tag = xml.slice(lt + 1, gt);
    at = gt + 1;
    if (tag.startsWith('/')) {
      const open = stack.pop()!;
      assert.equal(tag.slice(1), open.name, `</${tag.slice(1)}> closes <${open.name}>`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const name = /^[A-Za-z][\w:-]*/.exec(body)?.[0];
    assert.ok(name, `a tag name at ${lt}: ${body.slice(0, 30)}`);
    const attrs: Record<string, string> = {};
    const rest = body.slice(name.length);
    const attr = /\s+([A-Za-z_:][\w:.-]*)="([^"]*)"/gy;
    let last = 0;
    for (let m = attr.exec(rest); m; m = attr.exec(rest)) {
      assert.ok(!(m[1]! in attrs), `<${name}> repeats ${m[1]}`);
      attrs[m[1]!] = decode(m[2]!, `<${name} ${m[1]}>`);
      last = attr.lastIndex;
    }
    assert.equal(rest.slice(last).trim(), '', `<${name}>: unquoted or malformed attributes: ${rest.slice(last, last + 40)}`);
    const element: Element = { name, attrs, children: [], text: '' };
    stack[stack.length - 1]!.children.push(element);
    if (!selfClosing) stack.push(element);
  }
  assert.equal(stack.length, 1, `unclosed: ${stack.slice(1).map((e) => e.name).join(', ')}`);
  assert.equal(root.children.length, 1, 'one root element');
  return root.children[0]!;
}

function all(e: Element, name: string): Element[] {
  return e.children.flatMap((c) => [...(c.name === name ? [c] : []), ...all(c, name)]);
}

test('the focused head’s heatmap as SVG parses, and its cells are torch’s weights (and the engine’s float32, exactly)', () => {
  const ref = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'models', 'gpt2', 'reference.json'), 'utf8')) as { text: string; attentions: number[][][][] };
  const engine = fixtureEngine('gpt2');
  const snapshot = engine.runText(ref.text, { ...DEFAULT_VIEW_STATE, layer: 1, head: 3 });
  const weights = new Float32Array(snapshot.focus.weights.data);
  const labels = snapshot.units.map((u) => u.label);
  const svg = parseXml([...heatmapSvgChunks({ title: 'Attention weights — L2 H4 of gpt2 (query × key)', rows: labels, cols: labels, weights })].join(''));
  assert.equal(svg.name, 'svg');
  assert.equal(svg.attrs.xmlns, 'http://www.w3.org/2000/svg');
  assert.equal(all(svg, 'title')[0]!.text, 'Attention weights — L2 H4 of gpt2 (query × key)');
  const n = labels.length;
  const cells = all(svg, 'rect').filter((r) => r.attrs['data-row'] !== undefined);
  assert.equal(cells.length, n * n, 'one cell per (query, key)');
  const torch = ref.attentions[1]![3]!;
  for (const cell of cells) {
    const i = Number(cell.attrs['data-row']), j = Number(cell.attrs['data-col']);
    const w = Number(cell.attrs['data-weight']);
    assert.ok(Math.abs(w - torch[i]![j]!) <= 1e-4, `cell (${i}, ${j}): ${w} vs torch ${torch[i]![j]}`);
    assert.equal(Math.fround(w), weights[i * n + j], `cell (${i}, ${j}) reads back to the engine's float32`);
    // A small head: each cell's tooltip names its tokens and says the same value.
    assert.equal(cell.children[0]?.name, 'title');
    assert.ok(cell.children[0]!.text.endsWith(`: ${cell.attrs['data-weight']}`), cell.children[0]!.text);
  }
  const queries = all(svg, 'text').filter((t) => t.attrs['data-row'] !== undefined).map((t) => t.children[0]!.text);
  const keys = all(svg, 'text').filter((t) => t.attrs['data-col'] !== undefined).map((t) => t.children[0]!.text);
  assert.deepEqual(queries, labels, 'the query labels, in order');
  assert.deepEqual(keys, labels, 'the key labels, in order');
});

test('hostile tokens are text in the SVG (escaped; characters XML cannot hold become U+FFFD), and big heads drop the per-cell titles', () => {
  const rows = ['<script>alert(1)</script>', 'a&b', `"q'`, '\u0000bell\u0007', 'x\uD800y', ']]>'];
  const n = rows.length;
  const weights = Float32Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0));
  const text = [...heatmapSvgChunks({ title: 'T <&>', rows, cols: rows, weights })].join('');
  assert.ok(!text.includes('<script'), 'no markup from a token');
  const svg = parseXml(text);
  const labels = all(svg, 'text').filter((t) => t.attrs['data-row'] !== undefined).map((t) => t.children[0]!.text);
  assert.deepEqual(labels, ['<script>alert(1)</script>', 'a&b', `"q'`, '\uFFFDbell\uFFFD', 'x\uFFFDy', ']]>']);
  assert.equal(all(svg, 'title')[0]!.text, 'T <&>');

  const big = TITLED_CELLS_MAX + 1;
  const bigSvg = parseXml([...heatmapSvgChunks({ title: 'big', rows: Array.from({ length: big }, (_, i) => `t${i}`), cols: Array.from({ length: big }, (_, i) => `t${i}`), weights: new Float32Array(big * big).fill(1 / big) })].join(''));
  const bigCells = all(bigSvg, 'rect').filter((r) => r.attrs['data-row'] !== undefined);
  assert.equal(bigCells.length, big * big);
  assert.ok(bigCells.every((c) => c.children.length === 0 && Math.fround(Number(c.attrs['data-weight'])) === Math.fround(1 / big)));
  assert.throws(() => [...heatmapSvgChunks({ title: 'x', rows: ['a'], cols: ['a', 'b'], weights: [1] })], /1 weights for 1 × 2/);
});
