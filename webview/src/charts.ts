/**
 * Chart.js for the views that use it, loaded on demand from its own bundle (chartKit.ts →
 * dist/webview-charts.js, beside this script): animations off (a teaching tool should show the
 * numbers, not move them), and the theme's colours and fonts as defaults.
 *
 * `withChartJs(palette, draw)` draws at once when the library is there, else as soon as it has
 * loaded; `loadChartJs()` starts the load (the panel does so right after its first paint).
 */
import type { Chart } from 'chart.js';
import { toCss, type Palette } from './colour';
import { importBeside } from './lazy';

type ChartClass = typeof Chart;

let loaded: ChartClass | undefined;
let loading: Promise<ChartClass> | undefined;

/** Starts loading Chart.js (once); resolves with the registered class. */
export function loadChartJs(): Promise<ChartClass> {
  loading ??= importBeside<{ Chart: ChartClass }>('webview-charts.js').then((kit) => {
    loaded = kit.Chart;
    return kit.Chart;
  });
  return loading;
}

/** True once Chart.js is loaded: a `withChartJs` drawing then happens synchronously. */
export function chartJsLoaded(): boolean {
  return loaded !== undefined;
}

/**
 * Runs `draw` with Chart.js themed for `palette`: now if it is loaded, else once it is. A failure
 * goes to the window's error handler (the panel logs it to the host).
 */
export function withChartJs(palette: Palette, draw: (chart: ChartClass) => void): void {
  if (loaded) {
    draw(themed(loaded, palette));
    return;
  }
  loadChartJs()
    .then((chart) => draw(themed(chart, palette)))
    .catch((error: unknown) => reportError(error));
}

function themed(chart: ChartClass, palette: Palette): ChartClass {
  chart.defaults.color = toCss(palette.foreground);
  chart.defaults.borderColor = toCss(palette.grid);
  chart.defaults.font.family = palette.fontFamily;
  chart.defaults.font.size = 12;
  chart.defaults.plugins.tooltip.backgroundColor = toCss(palette.background);
  chart.defaults.plugins.tooltip.titleColor = toCss(palette.foreground);
  chart.defaults.plugins.tooltip.bodyColor = toCss(palette.foreground);
  chart.defaults.plugins.tooltip.borderColor = toCss(palette.focus);
  chart.defaults.plugins.tooltip.borderWidth = 1;
  return chart;
}
