/**
 * The model view's geometry (webview/src/panel/model/gridLayout.ts), checked by brute force:
 * every pixel row and column of the grid is classified independently of cellAt, from the
 * layout's own numbers, and compared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_CELL, MIN_CELL, SIDE_CELL_BOX, SIDE_CELL_GAP, SIDE_MIN_CELL, cellAt, cellLeft, gridLayout, moveCursor, rowTop, scrollToLayer, sideGridCells, visibleLayers } from '../../../webview/src/panel/model/gridLayout';

test('a 32 × 32 model fits its width with cells between the bounds, down to a 300 px panel; only narrower ones keep the smallest cell', () => {
  for (const [layers, heads, width] of [[32, 32, 1200], [12, 12, 900], [2, 4, 600], [32, 32, 520], [32, 32, 300], [32, 32, 200]] as const) {
    const g = gridLayout(layers, heads, width);
    assert.ok(g.cell >= MIN_CELL && g.cell <= MAX_CELL, `cell ${g.cell}`);
    // Fits whenever the smallest cell does: no sideways scrolling at 32 × 32 from 300 px up.
    if (g.cell > MIN_CELL || width >= 300) assert.ok(g.width <= width, `${layers}×${heads} at ${width}: ${g.width} px wide`);
    assert.equal(cellLeft(g, heads) + g.cell + g.pad, g.width, 'the average column ends the row');
    assert.equal(rowTop(g, layers - 1) + g.cell + g.pad, g.height, 'the last layer ends the grid');
  }
});

test('cellAt names exactly the cell a pixel is in, and nothing in the gaps, labels or header', () => {
  const g = gridLayout(5, 6, 500);
  // Independent classification of x and y from the spans the layout describes.
  const columnOf = (x: number): number | undefined => {
    for (let c = 0; c <= g.heads; c++) {
      const left = g.gutter + c * (g.cell + g.pad) + (c === g.heads ? g.averageGap : 0);
      if (x >= left && x < left + g.cell) return c;
    }
    return undefined;
  };
  const layerOf = (y: number): number | undefined => {
    for (let l = 0; l < g.layers; l++) {
      const top = g.header + l * (g.cell + g.pad);
      if (y >= top && y < top + g.cell) return l;
    }
    return undefined;
  };
  for (let y = -3; y < g.height + 3; y += 0.5) {
    for (let x = -3; x < g.width + 3; x += 0.5) {
      const hit = cellAt(g, x, y);
      const column = columnOf(x), layer = layerOf(y);
      if (column === undefined || layer === undefined) {
        assert.equal(hit, undefined, `(${x}, ${y}) is outside every cell`);
      } else {
        assert.deepEqual([hit?.layer, hit?.column], [layer, column], `(${x}, ${y})`);
        assert.ok(hit!.u >= 0 && hit!.u < 1 && hit!.v >= 0 && hit!.v < 1);
      }
    }
  }
});

test('visible layers are those whose row meets the viewport below the header', () => {
  const g = gridLayout(32, 32, 1000);
  const height = 300;
  for (let scrollTop = 0; scrollTop <= g.height - height; scrollTop += 7) {
    const { first, last } = visibleLayers(g, scrollTop, height);
    const meets = (l: number): boolean => {
      const top = l * (g.cell + g.pad) - scrollTop; // in the rows' viewport, below the header
      return top + g.cell > 0 && top < height - g.header;
    };
    for (let l = 0; l < g.layers; l++) if (meets(l)) assert.ok(l >= first && l <= last, `layer ${l} is visible at ${scrollTop} but not drawn (${first}…${last})`);
    assert.ok(last - first <= Math.ceil((height - g.header) / (g.cell + g.pad)) + 1, 'only about a viewport of rows is drawn');
  }
});

test('the keyboard moves within the grid and scrolling brings the cursor’s layer into view', () => {
  const g = gridLayout(32, 32, 1000);
  assert.deepEqual(moveCursor({ layer: 0, head: 0 }, 'ArrowLeft', 32, 32), { layer: 0, head: 0 });
  assert.deepEqual(moveCursor({ layer: 0, head: 0 }, 'ArrowRight', 32, 32), { layer: 0, head: 1 });
  assert.deepEqual(moveCursor({ layer: 31, head: 3 }, 'ArrowDown', 32, 32), { layer: 31, head: 3 });
  assert.deepEqual(moveCursor({ layer: 2, head: 3 }, 'PageDown', 32, 32), { layer: 6, head: 3 });
  assert.deepEqual(moveCursor({ layer: 2, head: 3 }, 'End', 32, 32), { layer: 2, head: 31 });
  assert.equal(moveCursor({ layer: 2, head: 3 }, 'a', 32, 32), undefined);
  const height = 300;
  let scrollTop = 0;
  for (const layer of [0, 10, 31, 5, 0]) {
    scrollTop = scrollToLayer(g, layer, scrollTop, height);
    const { first, last } = visibleLayers(g, scrollTop, height);
    assert.ok(layer >= first && layer <= last, `layer ${layer} in view after scrolling to ${scrollTop}`);
    const top = layer * (g.cell + g.pad) - scrollTop;
    assert.ok(top >= 0 && top + g.cell <= height - g.header, `layer ${layer} wholly in view`);
  }
});

test('the Heads side view’s cells fit the side bar’s width: shrunk, then wrapped, never wider', () => {
  for (const [heads, available, preferred] of [[32, 250, 26], [32, 120, 26], [16, 250, 30], [12, 250, 30], [4, 250, 44], [32, 900, 26], [1, 10, 44]] as const) {
    const { cell, perLine, lines } = sideGridCells(heads, available, preferred);
    const width = perLine * (cell + SIDE_CELL_BOX) + (perLine - 1) * SIDE_CELL_GAP;
    assert.ok(cell >= SIDE_MIN_CELL && cell <= preferred, `${heads} heads in ${available} px: cell ${cell}`);
    // One cell alone may be wider than a tiny side bar; a line of several never is.
    if (perLine > 1 || cell + SIDE_CELL_BOX <= available) assert.ok(width <= available, `${heads} heads in ${available} px: a line is ${width} px`);
    assert.equal(lines, Math.ceil(heads / perLine));
    // Wraps only when the smallest cell does not fit them all on one line.
    if (lines > 1) assert.equal(cell, SIDE_MIN_CELL, `${heads} heads in ${available} px wrap at cell ${cell}`);
    // A line that could hold one more cell is not wrapped early.
    if (lines > 1) assert.ok((perLine + 1) * (cell + SIDE_CELL_BOX) + perLine * SIDE_CELL_GAP > available, `${heads} heads in ${available} px: ${perLine} a line leaves room`);
  }
  assert.equal(sideGridCells(4, 250, 44).cell, 44, 'a few heads keep their preferred size');
  assert.equal(sideGridCells(32, 900, 26).lines, 1, '32 heads on one line where they fit');
});
