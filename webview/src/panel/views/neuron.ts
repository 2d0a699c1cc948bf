/**
 * The neuron view (BertViz's, for every architecture here): for one query token of the focused
 * head, the numbers inside weight_j = softmax_j(scale · Σ_d q_d k_jd). Colour strips show q,
 * each key's k_j and the product q⊙k_j per dimension (blue positive, red negative); the table
 * beside them gives their sum q·k_j, the scaled score and the softmax, masked keys marked.
 * RoPE families show q and k after the rotation, as the scores use them.
 */
import { signedColor, toCss } from '../../colour';
import { fixed, h, sizeCanvas } from '../../dom';
import { section } from '../section';
import type { PanelContext, PanelView, PanelViewFactory } from '../view';

const ROW = 14;
const LABEL = 96;
const GAP = 14;

export const neuronView: PanelViewFactory = (context: PanelContext): PanelView => {
  const s = section(context, 'neuron-section', 'Neuron view', 'neuron');
  s.element.hidden = true; // until a model's picture arrives
  const querySelect = h('select', { testid: 'neuron-query', attrs: { 'aria-label': 'Query token' } });
  querySelect.addEventListener('change', () => context.selectQuery(Number(querySelect.value)));
  const summary = h('p', { className: 'note', testid: 'neuron-summary' });
  const canvas = h('canvas', { testid: 'neuron-strips', className: 'neuron-strips', attrs: { role: 'img' } });
  const table = h('table', { className: 'numbers neuron-table', testid: 'neuron-table' });
  s.body.append(
    h('label', { className: 'row-picker' }, ['Query ', querySelect]),
    summary,
    h('div', { className: 'neuron-body' }, [h('div', { className: 'neuron-strips-frame' }, [canvas]), h('div', { className: 'table-scroll neuron-table-frame' }, [table])]),
  );
  context.belowTheFold.watch(s.element);

  function draw(): void {
    const model = context.state.model;
    if (!model) return;
    const v = model.neuron;
    const labels = model.tokenLabels;
    const d = v.headDim;
    const n = v.k.rows;
    const q = new Float32Array(v.q);
    const k = new Float32Array(v.k.data);
    const scores = new Float32Array(v.scores);
    const cw = Math.max(2, Math.min(10, Math.floor(320 / d)));
    const strip = d * cw;
    const width = LABEL + strip + GAP + strip;
    const ctx = sizeCanvas(canvas, width, (n + 2) * ROW);
    const p = context.palette;
    let maxQK = 0, maxProduct = 0;
    for (let t = 0; t < d; t++) maxQK = Math.max(maxQK, Math.abs(q[t]!));
    for (let at = 0; at < k.length; at++) {
      maxQK = Math.max(maxQK, Math.abs(k[at]!));
      maxProduct = Math.max(maxProduct, Math.abs(q[at % d]! * k[at]!));
    }
    ctx.font = `11px ${p.monoFamily}`;
    ctx.textBaseline = 'middle';
    ctx.fillStyle = toCss(p.muted);
    ctx.textAlign = 'left';
    ctx.fillText(`k (d = ${d})`, LABEL, ROW / 2);
    ctx.fillText('q ⊙ k', LABEL + strip + GAP, ROW / 2);
    const label = (text: string, y: number, strong: boolean): void => {
      ctx.fillStyle = toCss(strong ? p.foreground : p.muted);
      ctx.textAlign = 'right';
      ctx.fillText(text.length > 12 ? `${text.slice(0, 11)}…` : text, LABEL - 6, y + ROW / 2);
    };
    // The query's q, across both columns' width of the first.
    label(`q: ${labels[v.query] ?? ''}`, ROW, true);
    for (let t = 0; t < d; t++) {
      ctx.fillStyle = toCss(signedColor(p, q[t]!, maxQK));
      ctx.fillRect(LABEL + t * cw, ROW + 1, cw, ROW - 2);
    }
    for (let j = 0; j < n; j++) {
      const y = (j + 2) * ROW;
      const masked = scores[j] === -Infinity;
      label(labels[j] ?? String(j), y, j === v.query);
      ctx.globalAlpha = masked ? 0.3 : 1;
      for (let t = 0; t < d; t++) {
        const kv = k[j * d + t]!;
        ctx.fillStyle = toCss(signedColor(p, kv, maxQK));
        ctx.fillRect(LABEL + t * cw, y + 1, cw, ROW - 2);
        ctx.fillStyle = toCss(signedColor(p, q[t]! * kv, maxProduct));
        ctx.fillRect(LABEL + strip + GAP + t * cw, y + 1, cw, ROW - 2);
      }
      ctx.globalAlpha = 1;
    }
    canvas.dataset.painted = 'true';
    canvas.setAttribute('aria-label', `q of “${labels[v.query] ?? ''}”, each key’s k and q⊙k over ${d} dimensions`);
  }

  /** The focused query's numbers per key, as the table and its PNG show them. */
  function tableNumbers() {
    const model = context.state.model!;
    const v = model.neuron;
    const dots = new Float32Array(v.dots);
    return { v, labels: model.tokenLabels, dots, scores: new Float32Array(v.scores), weights: new Float32Array(v.weights), n: dots.length };
  }

  function renderTable(): void {
    const { v, labels, dots, scores, weights, n } = tableNumbers();
    const masked = Array.from(scores, (x) => x === -Infinity);
    const maskedCount = masked.filter(Boolean).length;
    summary.textContent =
      `${context.state.focusName}, query “${labels[v.query] ?? ''}”: q·k = Σ_d q_d k_d over d = ${v.headDim}, × scale ${fixed(v.scale, 4)} (${scaleName(v.scale, v.headDim)}), then softmax over ${n - maskedCount} keys` +
      (maskedCount > 0 ? ` (${maskedCount} masked: later tokens, causal)` : '') +
      '.';
    s.element.dataset.query = String(v.query);
    s.element.dataset.layer = String(v.layer);
    s.element.dataset.head = String(v.head);
    s.element.dataset.scale = String(v.scale);
    table.replaceChildren(
      h('thead', {}, [
        h('tr', {}, ['key', 'q·k', '× scale', 'softmax'].map((t) => h('th', { text: t, attrs: { scope: 'col' } }))),
      ]),
      h(
        'tbody',
        {},
        Array.from({ length: n }, (_, j) =>
          h('tr', { testid: 'neuron-row', className: masked[j] ? 'masked' : j === v.query ? 'selected' : undefined, attrs: { 'data-key': j, 'data-dot': dots[j], 'data-score': masked[j] ? '-Infinity' : scores[j], 'data-weight': weights[j], 'data-masked': masked[j] } }, [
            h('th', { text: labels[j] ?? String(j), attrs: { scope: 'row' } }),
            h('td', { text: fixed(dots[j]!, 4) }),
            h('td', { text: masked[j] ? 'masked' : fixed(scores[j]!, 4) }),
            h('td', { text: masked[j] ? '0' : fixed(weights[j]!, 4) }),
          ]),
        ),
      ),
    );
  }

  /** The tokens of the highlighted unit (the editor's cursor, a hover elsewhere) stand out in the table. */
  function markHighlight(): void {
    const { model, highlighted } = context.state;
    const tokens = new Set(model && highlighted >= 0 ? model.snapshot.units[highlighted]?.tokens ?? [] : []);
    table.querySelectorAll<HTMLElement>('[data-testid="neuron-row"]').forEach((row, j) => row.classList.toggle('highlighted', tokens.has(j)));
  }

  /** The table's numbers for a PNG, one line per key beside the strips' rows (same ROW, same top). */
  function exportTable(): { width: number; height: number; paint: (ctx: CanvasRenderingContext2D, x: number, y: number) => void } {
    const { v, labels, dots, scores, weights, n } = tableNumbers();
    const columns = [0, 110, 190, 270];
    const p = context.palette;
    return {
      width: 340,
      height: (n + 2) * ROW,
      paint: (ctx, x, y) => {
        ctx.save();
        ctx.font = `11px ${p.monoFamily}`;
        ctx.textBaseline = 'middle';
        ctx.textAlign = 'left';
        ctx.fillStyle = toCss(p.muted);
        ['key', 'q·k', '× scale', 'softmax'].forEach((t, c) => ctx.fillText(t, x + columns[c]!, y + ROW / 2));
        for (let j = 0; j < n; j++) {
          const masked = scores[j] === -Infinity;
          const cells = [labels[j] ?? String(j), fixed(dots[j]!, 4), masked ? 'masked' : fixed(scores[j]!, 4), masked ? '0' : fixed(weights[j]!, 4)];
          ctx.fillStyle = toCss(masked ? p.muted : j === v.query ? p.focus : p.foreground);
          cells.forEach((t, c) => ctx.fillText(c === 0 && t.length > 14 ? `${t.slice(0, 13)}…` : t, x + columns[c]!, y + (j + 2) * ROW + ROW / 2));
        }
        ctx.restore();
      },
    };
  }

  return {
    element: s.element,
    charts: ['neuron'],
    exportPicture() {
      const model = context.state.model;
      if (!model) throw new Error('no model is shown');
      context.belowTheFold.flushAll();
      return {
        title: `Neuron view of ${context.state.focusName}, query “${model.tokenLabels[model.neuron.query] ?? ''}” (${model.snapshot.model.name})`,
        pieces: [{ canvas, caption: 'q, then each key’s k and q ⊙ k per dimension (blue +, red −)' }, { draw: exportTable(), caption: summary.textContent ?? '' }],
      };
    },
    update(change) {
      const model = context.state.model;
      if (change === 'snapshot') {
        s.element.hidden = !model;
        if (!model) return;
        querySelect.replaceChildren(...model.tokenLabels.map((t, i) => h('option', { text: `${i + 1}. ${t}`, attrs: { value: i } })));
      }
      if (!model) return;
      if (change === 'snapshot' || change === 'head' || change === 'row') {
        querySelect.value = String(model.neuron.query);
        s.title.textContent = `Neuron view — ${context.state.focusName}, query “${model.tokenLabels[model.neuron.query] ?? ''}”`;
        renderTable();
        markHighlight();
        context.belowTheFold.run(s.element, draw);
      } else if (change === 'highlight') {
        markHighlight();
      } else if (change === 'palette') {
        context.belowTheFold.run(s.element, draw);
      }
    },
  };
};

/**
 * Where a head's scale comes from: 1/√D in every family, divided by l + 1 in a GPT-2 with
 * scale_attn_by_inverse_layer_idx, 1 in one without scale_attn_weights.
 */
function scaleName(scale: number, headDim: number): string {
  const ratio = 1 / Math.sqrt(headDim) / scale;
  if (Math.abs(ratio - 1) < 1e-9) return `1/√${headDim}`;
  if (scale === 1) return 'none: scale_attn_weights is off';
  const divisor = Math.round(ratio);
  return Math.abs(ratio - divisor) < 1e-9 ? `1/√${headDim} ÷ ${divisor}, scale_attn_by_inverse_layer_idx` : 'from the config';
}
