/**
 * A titled section of the panel with its export tools: PNG, SVG of the charts the host can write
 * as SVG (the host builds it from its own numbers), and CSV/JSON of the matrices it shows (with
 * a pick when there are several).
 */
import { h } from '../dom';
import type { ChartId, ExportFormat, MatrixId, SvgChartId } from '../../../src/shared/protocol';
import type { PanelContext } from './view';

export interface Section {
  readonly element: HTMLElement;
  readonly body: HTMLElement;
  readonly title: HTMLElement;
}

export function section(
  context: PanelContext,
  id: string,
  title: string,
  chart: ChartId | undefined,
  matrices: readonly { id: MatrixId; label: string }[] = [],
  svg?: SvgChartId,
): Section {
  const titleEl = h('h2', { text: title, attrs: { id: `${id}-title` } });
  const tools = h('div', { className: 'section-tools' });
  const button = (text: string, label: string, onClick: () => void): HTMLButtonElement => {
    const b = h('button', { className: 'tool', text, attrs: { type: 'button', 'aria-label': label } });
    b.addEventListener('click', onClick);
    return b;
  };
  if (chart) tools.append(button('PNG', `Export ${title} as PNG`, () => context.exportChart(chart)));
  if (svg) tools.append(button('SVG', `Export ${title} as SVG`, () => context.post({ type: 'exportSvg', chart: svg })));
  if (matrices.length > 0) {
    const pick = h('select', { className: 'matrix-pick', attrs: { 'aria-label': 'Matrix to export' } }, matrices.map((m) => h('option', { text: m.label, attrs: { value: m.id } })));
    if (matrices.length > 1) tools.append(pick);
    const exportMatrix = (format: ExportFormat): void => context.post({ type: 'exportMatrix', matrix: pick.value as MatrixId, format });
    tools.append(button('CSV', `Export ${title} as CSV`, () => exportMatrix('csv')), button('JSON', `Export ${title} as JSON`, () => exportMatrix('json')));
  }
  const body = h('div', { className: 'section-body' });
  const attrs: Record<string, string> = { id, 'aria-labelledby': `${id}-title` };
  if (chart) attrs['data-chart'] = chart;
  const element = h('section', { className: `view view-${id}`, attrs }, [h('header', {}, [titleEl, tools]), body]);
  return { element, body, title: titleEl };
}
