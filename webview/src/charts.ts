/**
 * Chart.js, registered once with only the pieces the panel uses (tree-shaken: no controllers we
 * never draw), animations off (a teaching tool should show the numbers, not move them), and the
 * theme's colours and fonts as defaults.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  LinearScale,
  PointElement,
  ScatterController,
  Tooltip,
} from 'chart.js';
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix';
import { toCss, type Palette } from './colour';

let registered = false;

export function chartJs(palette: Palette): typeof Chart {
  if (!registered) {
    Chart.register(BarController, BarElement, CategoryScale, LinearScale, PointElement, ScatterController, Tooltip, MatrixController, MatrixElement);
    registered = true;
  }
  Chart.defaults.animation = false;
  Chart.defaults.color = toCss(palette.foreground);
  Chart.defaults.borderColor = toCss(palette.grid);
  Chart.defaults.font.family = palette.fontFamily;
  Chart.defaults.font.size = 12;
  Chart.defaults.plugins.tooltip.backgroundColor = toCss(palette.background);
  Chart.defaults.plugins.tooltip.titleColor = toCss(palette.foreground);
  Chart.defaults.plugins.tooltip.bodyColor = toCss(palette.foreground);
  Chart.defaults.plugins.tooltip.borderColor = toCss(palette.focus);
  Chart.defaults.plugins.tooltip.borderWidth = 1;
  return Chart;
}
