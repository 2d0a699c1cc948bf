/**
 * The token list's geometry, by its properties: every row of a 3M-token list is reachable, the
 * drawn rows cover the viewport exactly, keyboard scrolling brings a row into view and moves as
 * little as it can, and the scroll height never passes the cap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SCROLL_HEIGHT, missingRange, rowAtTop, scrollHeight, scrollToShow, scrollTopForRow, visibleRows, type ListGeometry } from '../../../webview/src/explorer/virtualWindow';

const small: ListGeometry = { total: 1000, rowHeight: 22, viewport: 440 };
const huge: ListGeometry = { total: 3_000_000, rowHeight: 22, viewport: 440 };

test('a small list scrolls a pixel per pixel', () => {
  assert.equal(scrollHeight(small), 22_000);
  const shown = visibleRows(small, 220, 0);
  assert.deepEqual(shown, { first: 10, end: 30, top: 220 });
  assert.deepEqual(visibleRows(small, 0, 4), { first: 0, end: 24, top: 0 });
});

test('3M rows: the scroll height is capped and the first and last rows are both reachable', () => {
  assert.equal(scrollHeight(huge), MAX_SCROLL_HEIGHT);
  assert.ok(huge.total * huge.rowHeight > MAX_SCROLL_HEIGHT);
  const top = visibleRows(huge, 0, 0);
  assert.equal(top.first, 0);
  assert.equal(top.top, 0);
  const bottomScroll = scrollHeight(huge) - huge.viewport;
  const bottom = visibleRows(huge, bottomScroll, 0);
  assert.equal(bottom.end, huge.total, 'the last row is drawn at the bottom');
  // The last row's bottom edge is the viewport's bottom edge.
  const lastTop = bottom.top + (huge.total - 1 - bottom.first) * huge.rowHeight;
  assert.ok(Math.abs(lastTop + huge.rowHeight - (bottomScroll + huge.viewport)) < 1e-6);
});

test('3M rows: drawn rows are contiguous and cover the viewport at any scroll position', () => {
  for (const scrollTop of [1, 12_345, 4_000_000, 7_999_000]) {
    const shown = visibleRows(huge, scrollTop, 0);
    const firstTop = shown.top;
    const lastBottom = shown.top + (shown.end - shown.first) * huge.rowHeight;
    assert.ok(firstTop <= scrollTop + 1e-6, `${scrollTop}: the first drawn row starts at or above the top`);
    assert.ok(lastBottom >= scrollTop + huge.viewport - 1e-6, `${scrollTop}: the drawn rows reach the bottom`);
    assert.ok(shown.end - shown.first <= huge.viewport / huge.rowHeight + 2);
  }
});

test('scrollTopForRow inverts rowAtTop, scaled or not', () => {
  for (const g of [small, huge]) {
    for (const row of [0, 17, Math.floor(g.total / 2), g.total - 20]) {
      assert.ok(Math.abs(rowAtTop(g, scrollTopForRow(g, row)) - row) < 1e-6, `${g.total}: row ${row}`);
    }
  }
});

test('scrollToShow: no move when visible, the least move otherwise', () => {
  assert.equal(scrollToShow(small, 220, 15), 220, 'row 15 is in view at 220');
  assert.equal(scrollToShow(small, 220, 9), 9 * 22, 'above: it becomes the top row');
  assert.equal(scrollToShow(small, 220, 30), (30 + 1 - 20) * 22, 'below: it becomes the bottom row');
  const far = scrollToShow(huge, 0, 2_500_000);
  const shown = visibleRows(huge, far, 0);
  assert.ok(shown.first <= 2_500_000 && 2_500_000 < shown.end);
});

test('missingRange asks for one contiguous range of what is not loaded', () => {
  const have = new Set([0, 1, 2, 6, 7]);
  assert.deepEqual(missingRange(0, 8, (r) => have.has(r)), { start: 3, count: 3 });
  assert.equal(missingRange(0, 3, (r) => have.has(r)), undefined);
  assert.deepEqual(missingRange(5, 10, (r) => have.has(r)), { start: 5, count: 5 }, 'a gap inside is asked for with the rest');
});
