/**
 * Drawing that waits until its section scrolls near the viewport. The first paint of a
 * 512-token panel is the heatmap at the top; the token lines (a canvas thousands of pixels tall)
 * and the embedding plot below the fold cost the webview's frame — which in a browser workbench is
 * the workbench's own main thread — without anybody looking at them yet.
 *
 * Each section holds at most one pending drawing (the latest wins: a newer head replaces an older
 * one). `flushAll` draws everything now, for a PNG export of a view nobody has scrolled to.
 */
export class WhenVisible {
  private readonly pending = new Map<Element, () => void>();
  private readonly near = new Set<Element>();
  private readonly observer: IntersectionObserver | undefined;

  constructor(marginPx = 400) {
    this.observer =
      typeof IntersectionObserver === 'function'
        ? new IntersectionObserver(
            (entries) => {
              for (const entry of entries) {
                if (entry.isIntersecting) {
                  this.near.add(entry.target);
                  this.flush(entry.target);
                } else {
                  this.near.delete(entry.target);
                }
              }
            },
            { rootMargin: `${marginPx}px 0px ${marginPx}px 0px` },
          )
        : undefined;
  }

  watch(section: Element): void {
    this.observer?.observe(section);
  }

  /** Draws now if `section` is near the viewport (or nothing can tell), else when it gets there. */
  run(section: Element, draw: () => void): void {
    if (!this.observer || this.near.has(section)) {
      this.pending.delete(section);
      draw();
    } else {
      this.pending.set(section, draw);
    }
  }

  isPending(section: Element): boolean {
    return this.pending.has(section);
  }

  flush(section: Element): void {
    const draw = this.pending.get(section);
    if (!draw) return;
    this.pending.delete(section);
    draw();
  }

  flushAll(): void {
    for (const section of [...this.pending.keys()]) this.flush(section);
  }
}
