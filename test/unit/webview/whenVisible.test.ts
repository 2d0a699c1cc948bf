/**
 * WhenVisible: drawing below the fold waits for its section to come near the viewport, the
 * latest drawing wins, and an export can force everything out. IntersectionObserver is replaced
 * by a stand-in whose callback the test fires, as the browser would after a layout.
 */
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { WhenVisible } from '../../../webview/src/whenVisible';

type Callback = (entries: { target: object; isIntersecting: boolean }[]) => void;
let observers: { callback: Callback; watched: object[] }[] = [];
const original = (globalThis as { IntersectionObserver?: unknown }).IntersectionObserver;

beforeEach(() => {
  observers = [];
  (globalThis as { IntersectionObserver?: unknown }).IntersectionObserver = class {
    private readonly record: { callback: Callback; watched: object[] };
    constructor(callback: Callback) {
      this.record = { callback, watched: [] };
      observers.push(this.record);
    }
    observe(target: object): void {
      this.record.watched.push(target);
    }
  };
});

afterEach(() => {
  (globalThis as { IntersectionObserver?: unknown }).IntersectionObserver = original;
});

function scroll(target: object, isIntersecting: boolean): void {
  for (const o of observers) if (o.watched.includes(target)) o.callback([{ target, isIntersecting }]);
}

test('a section off screen draws only when it scrolls near, and only its latest drawing', () => {
  const lazy = new WhenVisible();
  const section = {} as Element;
  lazy.watch(section);
  const drawn: string[] = [];
  lazy.run(section, () => drawn.push('head 1'));
  lazy.run(section, () => drawn.push('head 2'));
  assert.equal(drawn.length, 0);
  assert.ok(lazy.isPending(section));
  scroll(section, true);
  assert.deepEqual(drawn, ['head 2']);
  assert.ok(!lazy.isPending(section));
  // Near the viewport now: the next drawing happens at once.
  lazy.run(section, () => drawn.push('head 3'));
  assert.deepEqual(drawn, ['head 2', 'head 3']);
  scroll(section, false);
  lazy.run(section, () => drawn.push('head 4'));
  assert.deepEqual(drawn, ['head 2', 'head 3']);
});

test('flushAll draws every pending section (a PNG export of a view nobody scrolled to)', () => {
  const lazy = new WhenVisible();
  const a = {} as Element;
  const b = {} as Element;
  lazy.watch(a);
  lazy.watch(b);
  const drawn: string[] = [];
  lazy.run(a, () => drawn.push('lines'));
  lazy.run(b, () => drawn.push('plot'));
  lazy.flushAll();
  assert.deepEqual(drawn.sort(), ['lines', 'plot']);
  lazy.flushAll();
  assert.equal(drawn.length, 2);
});

test('without IntersectionObserver everything draws at once', () => {
  delete (globalThis as { IntersectionObserver?: unknown }).IntersectionObserver;
  const lazy = new WhenVisible();
  const section = {} as Element;
  lazy.watch(section);
  let drawn = 0;
  lazy.run(section, () => drawn++);
  assert.equal(drawn, 1);
});
