/**
 * The map's geometry: projected points fitted into the canvas with equal scales on both axes
 * (a UMAP or PCA plane has no preferred aspect), and the point under the pointer. Pure (no DOM).
 */

export interface Box {
  readonly width: number;
  readonly height: number;
  /** Margin on every side (CSS px). */
  readonly margin: number;
}

export interface Fit {
  readonly scale: number;
  readonly offsetX: number;
  readonly offsetY: number;
}

/** The transform from data (x, y) to canvas px (y up in data, down on screen); points are Float32 [n, 2]. */
export function fitPoints(points: Float32Array, box: Box): Fit {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i + 1 < points.length; i += 2) {
    const x = points[i]!;
    const y = points[i + 1]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  if (minX === Infinity) return { scale: 1, offsetX: box.width / 2, offsetY: box.height / 2 };
  const innerW = Math.max(1, box.width - 2 * box.margin);
  const innerH = Math.max(1, box.height - 2 * box.margin);
  const spanX = maxX - minX;
  const spanY = maxY - minY;
  // Every point equal (or one point): put it in the middle.
  const scale = spanX === 0 && spanY === 0 ? 1 : Math.min(spanX > 0 ? innerW / spanX : Infinity, spanY > 0 ? innerH / spanY : Infinity);
  const midX = (minX + maxX) / 2;
  const midY = (minY + maxY) / 2;
  return { scale, offsetX: box.width / 2 - midX * scale, offsetY: box.height / 2 + midY * scale };
}

export function toCanvas(fit: Fit, x: number, y: number): { x: number; y: number } {
  return { x: fit.offsetX + x * fit.scale, y: fit.offsetY - y * fit.scale };
}

/** The index of the point nearest to (px, py) within `radius` CSS px, or −1. Ties: the later point (drawn on top). */
export function pointAt(points: Float32Array, fit: Fit, px: number, py: number, radius: number): number {
  let best = -1;
  let bestDistance = radius * radius;
  for (let i = 0, n = points.length / 2; i < n; i++) {
    const p = toCanvas(fit, points[2 * i]!, points[2 * i + 1]!);
    const d = (p.x - px) ** 2 + (p.y - py) ** 2;
    if (d <= bestDistance) {
      bestDistance = d;
      best = i;
    }
  }
  return best;
}
