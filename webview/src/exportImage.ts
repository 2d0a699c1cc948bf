/**
 * PNG export: every chart is composed onto one opaque canvas (the theme's background, a title,
 * then the chart's canvases with their captions) and handed over as a data: URL. The host decodes
 * it and writes the bytes where the user chose.
 */
import { toCss, type Palette } from './colour';

export interface ExportPiece {
  readonly canvas?: HTMLCanvasElement;
  /** Draws itself at (x, y) instead of copying a canvas. */
  readonly draw?: { readonly width: number; readonly height: number; readonly paint: (ctx: CanvasRenderingContext2D, x: number, y: number) => void };
  readonly caption?: string;
}

const PAD = 16;
const TITLE = 22;
const CAPTION = 18;

function cssSize(canvas: HTMLCanvasElement): { width: number; height: number } {
  const width = parseFloat(canvas.style.width) || canvas.width;
  const height = parseFloat(canvas.style.height) || canvas.height;
  return { width, height };
}

/** Lays pieces out left to right, wrapping at `maxWidth`, under a title line. */
export function composePng(palette: Palette, title: string, pieces: readonly ExportPiece[], maxWidth = 1400): string {
  const out = document.createElement('canvas');
  const measure = out.getContext('2d');
  if (!measure) throw new Error('export: no 2d context');
  // A caption or the title wider than its chart widens the picture rather than being cut off
  // or running into the next piece's.
  const textWidth = (text: string, font: string): number => {
    measure.font = font;
    return Math.ceil(measure.measureText(text).width);
  };
  const captionFont = `12px ${palette.fontFamily}`;
  const boxes = pieces.map((piece) => {
    const size = piece.canvas ? cssSize(piece.canvas) : { width: piece.draw?.width ?? 0, height: piece.draw?.height ?? 0 };
    const width = Math.max(size.width, piece.caption ? textWidth(piece.caption, captionFont) : 0);
    return { piece, width, chartWidth: size.width, height: size.height + (piece.caption ? CAPTION : 0) };
  });
  let x = PAD;
  let y = PAD + TITLE;
  let rowHeight = 0;
  let width = 0;
  const placed = boxes.map((box) => {
    if (x > PAD && x + box.width + PAD > maxWidth) {
      x = PAD;
      y += rowHeight + PAD;
      rowHeight = 0;
    }
    const at = { ...box, x, y };
    x += box.width + PAD;
    rowHeight = Math.max(rowHeight, box.height);
    width = Math.max(width, x);
    return at;
  });
  const height = y + rowHeight + PAD;
  width = Math.max(width, PAD + textWidth(title, `bold 14px ${palette.fontFamily}`) + PAD);
  const ratio = Math.max(1, Math.min(2, window.devicePixelRatio || 1));
  const scale = Math.min(ratio, 16000 / Math.max(width, height));
  out.width = Math.ceil(Math.max(width, 200) * scale);
  out.height = Math.ceil(height * scale);
  const ctx = out.getContext('2d');
  if (!ctx) throw new Error('export: no 2d context');
  ctx.scale(scale, scale);
  ctx.fillStyle = toCss(palette.background);
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = toCss(palette.foreground);
  ctx.font = `bold 14px ${palette.fontFamily}`;
  ctx.textBaseline = 'top';
  ctx.fillText(title, PAD, PAD);
  ctx.font = `12px ${palette.fontFamily}`;
  for (const box of placed) {
    const { piece } = box;
    if (piece.canvas) {
      ctx.drawImage(piece.canvas, box.x, box.y, box.chartWidth, box.height - (piece.caption ? CAPTION : 0));
    } else if (piece.draw) {
      piece.draw.paint(ctx, box.x, box.y);
    }
    if (piece.caption) {
      ctx.fillStyle = toCss(palette.foreground);
      ctx.fillText(piece.caption, box.x, box.y + box.height - CAPTION + 3);
    }
  }
  return out.toDataURL('image/png');
}
