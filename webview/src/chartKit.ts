/**
 * Chart.js, registered once with only the pieces the panel uses (tree-shaken: no controllers we
 * never draw). Bundled on its own as dist/webview-charts.js and loaded by charts.ts after the
 * panel's first paint: the charts built with it (softmax bars, embedding plot) sit below the
 * heatmap, and 150 kB of library would otherwise be fetched and evaluated before anything shows.
 */
import { BarController, BarElement, CategoryScale, Chart, LinearScale, PointElement, ScatterController, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, PointElement, ScatterController, Tooltip);
Chart.defaults.animation = false;

export { Chart };
