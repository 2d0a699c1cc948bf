// Draws media/icon.png (256×256, crisp on high-density screens; the marketplace asks for ≥ 128): the deck's attention matrix for "orange apple and an" as a
// heatmap on a dark rounded tile. Pure Node (zlib), so the icon can be rebuilt anywhere.
const fs = require('node:fs');
const zlib = require('node:zlib');

const size = 256;
const k = size / 128; // the design is on a 128 grid
const weights = [
  [0.4, 0.3, 0.15, 0.15],
  [0.3, 0.4, 0.15, 0.15],
  [0.15, 0.15, 0.5, 0.5],
  [0.15, 0.15, 0.5, 0.5],
];
const background = [30, 33, 48];
const hot = [255, 196, 64];
const pixels = Buffer.alloc(size * size * 4);
const radius = 22 * k;
const inset = 18 * k;
const cell = (size - 2 * inset) / 4;

function insideRounded(x, y) {
  const cx = Math.min(Math.max(x, radius), size - 1 - radius);
  const cy = Math.min(Math.max(y, radius), size - 1 - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

for (let y = 0; y < size; y++) {
  for (let x = 0; x < size; x++) {
    const o = (y * size + x) * 4;
    // Coverage of the rounded tile from 4×4 samples: smooth corners instead of stair steps.
    let covered = 0;
    for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) if (insideRounded(x + (sx + 0.5) / 4 - 0.5, y + (sy + 0.5) / 4 - 0.5)) covered++;
    if (covered === 0) continue; // transparent corner
    let rgb = background;
    const gx = Math.floor((x - inset) / cell);
    const gy = Math.floor((y - inset) / cell);
    const gap = (x - inset) % cell < 3 * k || (y - inset) % cell < 3 * k;
    if (gx >= 0 && gx < 4 && gy >= 0 && gy < 4 && !gap) {
      const t = Math.min(1, weights[gy][gx] / 0.5);
      rgb = background.map((b, c) => Math.round(b + (hot[c] - b) * t));
    }
    pixels[o] = rgb[0];
    pixels[o + 1] = rgb[1];
    pixels[o + 2] = rgb[2];
    pixels[o + 3] = Math.round((255 * covered) / 16);
  }
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

const header = Buffer.alloc(13);
header.writeUInt32BE(size, 0);
header.writeUInt32BE(size, 4);
header[8] = 8; // bit depth
header[9] = 6; // RGBA
const raw = Buffer.alloc(size * (size * 4 + 1));
for (let y = 0; y < size; y++) pixels.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
fs.writeFileSync('media/icon.png', png);
console.log(`media/icon.png ${png.length} bytes`);
