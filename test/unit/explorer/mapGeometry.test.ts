/** The map's fit (equal scales, margins kept, y up) and hit testing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitPoints, pointAt, toCanvas } from '../../../webview/src/explorer/mapGeometry';

const box = { width: 400, height: 200, margin: 20 };

test('points fill the box with one scale for both axes, y pointing up', () => {
  const points = new Float32Array([0, 0, 10, 0, 10, 2, 0, 2]);
  const fit = fitPoints(points, box);
  // x spans 10 → 360 px inner width would need 36; y spans 2 → 160 px would need 80: the smaller wins.
  assert.equal(fit.scale, 36);
  const corners = [0, 1, 2, 3].map((i) => toCanvas(fit, points[2 * i]!, points[2 * i + 1]!));
  assert.equal(corners[0]!.x, 20);
  assert.equal(corners[1]!.x, 380);
  assert.ok(corners[2]!.y < corners[1]!.y, 'larger y is higher on the screen');
  assert.ok(Math.abs((corners[0]!.y + corners[3]!.y) / 2 - 100) < 1e-9, 'centred vertically');
});

test('a single point or identical points sit in the middle; NaN points are ignored', () => {
  const fit = fitPoints(new Float32Array([5, 5, 5, 5, Number.NaN, 1]), box);
  assert.deepEqual(toCanvas(fit, 5, 5), { x: 200, y: 100 });
});

test('pointAt: the nearest point within the radius, else −1', () => {
  const points = new Float32Array([0, 0, 1, 0, 1, 1]);
  const fit = fitPoints(points, box);
  const p = toCanvas(fit, 1, 0);
  assert.equal(pointAt(points, fit, p.x + 3, p.y - 2, 7), 1);
  assert.equal(pointAt(points, fit, p.x + 30, p.y, 7), -1);
});
