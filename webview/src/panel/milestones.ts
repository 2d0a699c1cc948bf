/**
 * Timing of the panel's pictures: laps of one rendering (for the debug log), and the milestones
 * (epoch ms) published on `#app[data-timings]` for the e2e timing test: the host's (command,
 * panel, computed, ready, init…) and the page's (script, received, drawn, painted, frame).
 */
import { readyPosted, scriptStarted } from '../panelChannel';
import { epochMs } from '../../../src/shared/protocol';

/** Laps of one rendering, for the debug timings in the Headlight log. */
export function stopwatch(): { lap(name: string): void; total(): number; laps(): string } {
  const started = performance.now();
  let last = started;
  const laps: string[] = [];
  return {
    lap(name) {
      const now = performance.now();
      laps.push(`${name} ${Math.round(now - last)}`);
      last = now;
    },
    total: () => Math.round(performance.now() - started),
    laps: () => laps.join(', '),
  };
}

export class Milestones {
  private points: Record<string, number> = {};

  constructor(
    private readonly app: HTMLElement,
    /** When the page's layout was built (a milestone of the first picture). */
    private readonly layoutBuilt: () => number,
  ) {}

  /** A new picture: the host's milestones, the page's own load for the first one, and its receipt. */
  start(host: Readonly<Record<string, number>> | undefined, firstPicture: boolean, received: number): void {
    this.points = { ...host, ...(firstPicture ? this.pageMilestones() : {}), received };
  }

  /** Recorded, not yet published. */
  mark(name: string): void {
    this.points[name] = epochMs();
  }

  publish(name: string): void {
    this.points[name] = epochMs();
    this.app.dataset.timings = JSON.stringify(this.points);
  }

  /** The page's own load: when our script and style arrived and when the script ran. */
  private pageMilestones(): Record<string, number> {
    const out: Record<string, number> = { script: scriptStarted, readyPosted, layoutBuilt: this.layoutBuilt() };
    for (const entry of performance.getEntriesByType('resource') as PerformanceResourceTiming[]) {
      const name = /\/(webview|attention)\.(js|css)(\?|$)/.exec(entry.name);
      if (!name) continue;
      const key = name[2] === 'js' ? 'scriptFetch' : 'styleFetch';
      out[`${key}Start`] = epochMs(entry.startTime);
      out[`${key}End`] = epochMs(entry.responseEnd);
    }
    return out;
  }
}
